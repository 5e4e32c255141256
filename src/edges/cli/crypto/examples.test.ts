import { describe, expect, it } from 'vitest';
import { main } from '../main.js';
import { memoryIo } from '../test-io.js';
import { allOps } from './ops/index.js';
import { exampleArgv } from './reference.js';
import type { OpResult, OpExample, OpSpec } from './op-spec.js';

/**
 * Every documented example of every calculator operation, run once through the command line
 * and once through batch mode; both must give exactly the documented result.
 */
const cases = allOps.flatMap((op) => op.examples.map((example, index) => ({ op, example, label: `${op.name} #${index + 1}` })));

function expectResult(actual: OpResult, example: OpExample): void {
  if (example.random === true) expect(Object.keys(actual).sort()).toEqual(Object.keys(example.result).sort());
  else expect(actual).toEqual(example.result);
}

function argsCovered(op: OpSpec): void {
  // Every result field an example returns must be documented.
  for (const example of op.examples) for (const field of Object.keys(example.result)) expect(op.results).toHaveProperty(field);
}

describe('calculator examples', () => {
  it('every operation has at least one example and documents its result fields', () => {
    expect(allOps.length).toBeGreaterThan(0);
    for (const op of allOps) {
      expect(op.examples.length, op.name).toBeGreaterThan(0);
      argsCovered(op);
    }
  });

  it('operation names are unique', () => {
    const names = allOps.map((op) => op.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it.each(cases)('$label through the command line (--json)', async ({ op, example }) => {
    const io = memoryIo();
    const status = await main([...exampleArgv(op, example), '--json'], io);
    expect(io.err()).toBe('');
    expect(status).toBe(0);
    const outcome = JSON.parse(io.out()) as { ok: boolean; result: OpResult };
    expect(outcome.ok).toBe(true);
    expectResult(outcome.result, example);
  });

  it.each(cases)('$label through the command line (text)', async ({ op, example }) => {
    const io = memoryIo();
    expect(await main(exampleArgv(op, example), io)).toBe(0);
    for (const field of Object.keys(example.result)) expect(io.out()).toContain(`${field}:`);
  });

  it('all examples through one batch, in order', async () => {
    const io = memoryIo(cases.map(({ op, example }) => JSON.stringify({ op: op.name, args: example.args })).join('\n'));
    expect(await main(['crypto', 'batch'], io)).toBe(0);
    const lines = io.out().trimEnd().split('\n');
    expect(lines).toHaveLength(cases.length);
    lines.forEach((line, index) => {
      const outcome = JSON.parse(line) as { ok: boolean; result: OpResult };
      const { example, label } = cases[index] as (typeof cases)[number];
      expect(outcome.ok, label).toBe(true);
      expectResult(outcome.result, example);
    });
  });
});
