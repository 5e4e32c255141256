import { BastionError } from '../../../lib/errors/index.js';
import { fromHex } from '../../../lib/crypto/index.js';

/**
 * The arguments of a calculator operation, declared once and used three ways: as command-line
 * flags (kebab-case), as batch-mode JSON fields (camelCase), and in the generated reference
 * (docs/crypto-cli.md). Validation lives here so both entry points fail the same way.
 */
export type ArgSpec =
  | { readonly kind: 'hex'; readonly description: string; readonly required?: boolean }
  | { readonly kind: 'hex-list'; readonly description: string; readonly required?: boolean }
  | { readonly kind: 'text'; readonly description: string; readonly required?: boolean }
  | { readonly kind: 'digits'; readonly description: string; readonly required?: boolean }
  | { readonly kind: 'int'; readonly description: string; readonly required?: boolean; readonly min: number; readonly max: number }
  | { readonly kind: 'enum'; readonly description: string; readonly required?: boolean; readonly choices: readonly string[] };

export type ArgSpecs = Readonly<Record<string, ArgSpec>>;

type ValueOf<S extends ArgSpec> = S['kind'] extends 'hex'
  ? Buffer
  : S['kind'] extends 'hex-list'
    ? Buffer[]
    : S['kind'] extends 'int'
      ? number
      : S extends { readonly kind: 'enum'; readonly choices: readonly (infer C)[] }
        ? C
        : string;

/** The parsed arguments an operation's `run` receives: required ones present, others optional. */
export type ParsedArgs<A extends ArgSpecs> = {
  readonly [K in keyof A as A[K]['required'] extends true ? K : never]: ValueOf<A[K]>;
} & {
  readonly [K in keyof A as A[K]['required'] extends true ? never : K]?: ValueOf<A[K]>;
};

/** camelCase argument name → kebab-case flag name (`encryptedPinBlock` → `encrypted-pin-block`). */
export function flagName(argName: string): string {
  return argName.replace(/[A-Z0-9]+/g, (run, offset: number) => (offset === 0 ? run.toLowerCase() : `-${run.toLowerCase()}`));
}

function invalid(name: string, message: string): BastionError {
  return new BastionError('CLI_ERR_ARGUMENT_INVALID', `${name}: ${message}`, { argument: name });
}

function asText(name: string, value: unknown): string {
  if (typeof value === 'string') return value;
  throw invalid(name, 'must be a string');
}

function parseOne(name: string, spec: ArgSpec, value: unknown): unknown {
  switch (spec.kind) {
    case 'hex':
      return fromHex(asText(name, value).replace(/\s+/g, ''), name);
    case 'hex-list': {
      const items = Array.isArray(value) ? (value as unknown[]) : asText(name, value).split(',');
      if (items.length === 0) throw invalid(name, 'must list at least one value');
      return items.map((item, index) => fromHex(asText(`${name}[${index}]`, item).trim(), `${name}[${index}]`));
    }
    case 'text':
      return asText(name, value);
    case 'digits': {
      const text = asText(name, value);
      if (!/^[0-9]+$/.test(text)) throw invalid(name, 'must be decimal digits');
      return text;
    }
    case 'int': {
      const number = typeof value === 'number' ? value : /^-?[0-9]+$/.test(asText(name, value)) ? Number(value) : Number.NaN;
      if (!Number.isInteger(number) || number < spec.min || number > spec.max) {
        throw invalid(name, `must be a whole number from ${spec.min} to ${spec.max}`);
      }
      return number;
    }
    case 'enum': {
      const text = typeof value === 'number' ? String(value) : asText(name, value);
      if (!spec.choices.includes(text)) throw invalid(name, `must be one of ${spec.choices.join(', ')}`);
      return text;
    }
  }
}

/** Validates raw values (strings from flags, JSON values from batch) against the specs. */
export function parseArgs<A extends ArgSpecs>(specs: A, raw: Readonly<Record<string, unknown>>): ParsedArgs<A> {
  for (const name of Object.keys(raw)) {
    if (!Object.hasOwn(specs, name)) {
      throw new BastionError('CLI_ERR_ARGUMENT_INVALID', `unknown argument ${name}; expected one of ${Object.keys(specs).join(', ')}`, {
        argument: name,
      });
    }
  }
  const parsed: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const value = raw[name];
    if (value === undefined || value === null) {
      if (spec.required === true) {
        throw new BastionError('CLI_ERR_ARGUMENT_MISSING', `${name} is required (flag --${flagName(name)})`, { argument: name });
      }
      continue;
    }
    parsed[name] = parseOne(name, spec, value);
  }
  return parsed as ParsedArgs<A>;
}
