import { describe, expect, it } from 'vitest';
import { runBatchLine } from './batch.js';
import { allOps } from './ops/index.js';

/**
 * Canary test for the promise "errors never carry key material, PINs or PANs": take every
 * documented example, break one argument at a time in several ways, and check that no error
 * text contains any of the secret-looking values the request carried.
 */
type Args = Readonly<Record<string, string | number | readonly string[]>>;

function mutations(value: string): string[] {
  return [value.slice(0, -1), `${value}Z`, value.slice(0, -2), `${value}00`, value.slice(2), `${value}${value}`];
}

function secretsOf(args: Args): string[] {
  return Object.values(args)
    .flatMap((value) => (Array.isArray(value) ? (value as readonly string[]) : [String(value)]))
    .filter((value) => /^[0-9A-Fa-f]{4,}$/.test(value))
    .flatMap((value) => [value, ...mutations(value).filter((m) => m.length >= 4)]);
}

const cases = allOps.flatMap((op) =>
  op.examples.flatMap((example) =>
    Object.entries(example.args).flatMap(([name, value]) =>
      typeof value === 'string' && value.length >= 4
        ? mutations(value).map((broken) => ({ op: op.name, args: { ...example.args, [name]: broken }, label: `${op.name} ${name}` }))
        : [],
    ),
  ),
);

describe('errors carry no secrets', () => {
  it('has cases to check', () => {
    expect(cases.length).toBeGreaterThan(10);
  });

  it('no error message or detail repeats a key, PIN, PAN or data value from the request', () => {
    const leaks: string[] = [];
    for (const { op, args, label } of cases) {
      const outcome = runBatchLine(JSON.stringify({ op, args }));
      if (outcome.ok) continue;
      const text = JSON.stringify(outcome.error).toUpperCase();
      for (const secret of secretsOf(args)) if (text.includes(secret.toUpperCase())) leaks.push(`${label}: ${outcome.error.code}`);
    }
    expect(leaks).toEqual([]);
  });
});
