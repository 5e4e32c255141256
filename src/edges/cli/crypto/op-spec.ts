import type { ArgSpecs, ParsedArgs } from './arg-spec.js';

/** What an operation returns: JSON-ready values, bytes already rendered as uppercase hex. */
export type ResultValue = string | number | boolean | readonly ResultValue[] | { readonly [name: string]: ResultValue };
export type OpResult = Readonly<Record<string, ResultValue>>;

export interface OpExample {
  readonly title?: string;
  /** Arguments exactly as a batch request would carry them (camelCase, strings / numbers). */
  readonly args: Readonly<Record<string, string | number | readonly string[]>>;
  /**
   * The expected result. Tests run every example through the CLI and through batch mode and
   * compare with this; `random: true` marks an example whose output differs each run, for
   * which only the result's field names are compared.
   */
  readonly result: OpResult;
  readonly random?: boolean;
}

/**
 * One calculator operation. The name is the command path joined by dots (`pinblock.encode` is
 * `bastion crypto pinblock encode`). Everything the docs say about it comes from here.
 */
export interface OpSpec<A extends ArgSpecs = ArgSpecs> {
  readonly name: string;
  readonly summary: string;
  readonly args: A;
  /** Every field the result can contain, with its meaning (fields absent for some inputs say so). */
  readonly results: Readonly<Record<string, string>>;
  readonly examples: readonly OpExample[];
  readonly run: (args: ParsedArgs<A>) => OpResult;
}

/** Identity helper that keeps the argument types of `run` tied to the declared specs. */
export function defineOp<const A extends ArgSpecs>(spec: OpSpec<A>): OpSpec {
  return spec as unknown as OpSpec;
}
