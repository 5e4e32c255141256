import { expect } from 'vitest';
import { BastionError, type ErrorCode } from '../../errors/index.js';

/**
 * Test support for framing (left out of the build by its `test-*` name).
 *
 * Runs `run`, expects a BastionError with `code` whose details include `details`, and checks that
 * neither its message nor its details carry the input: no 4-byte window of any of `inputs`
 * appears in hex (either case), so a dump of the frame could not have leaked.
 */
export function expectFramingError(
  run: () => unknown,
  code: ErrorCode,
  details: Readonly<Record<string, string | number | boolean>>,
  inputs: readonly Uint8Array[] = [],
): BastionError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected ${code}`).toBeInstanceOf(BastionError);
  const error = caught as BastionError;
  expect(error.code).toBe(code);
  expect(error.details).toMatchObject(details);
  expectNoInputIn(error, inputs);
  return error;
}

/** Fails if the error's text shows any 4-byte window of `inputs` as hex. */
export function expectNoInputIn(error: BastionError, inputs: readonly Uint8Array[]): void {
  const text = `${error.message} ${JSON.stringify(error.details)}`.toUpperCase();
  const leaked: string[] = [];
  for (const input of inputs) {
    const hex = Buffer.from(input).toString('hex').toUpperCase();
    for (let start = 0; start + 8 <= hex.length; start += 2) {
      const window = hex.slice(start, start + 8);
      if (text.includes(window)) leaked.push(window);
    }
  }
  expect(leaked, 'input bytes shown in an error').toEqual([]);
}

/** Hex (spaces allowed, for readability of hand-built vectors) to bytes. */
export function hex(text: string): Buffer {
  const compact = text.replace(/\s+/g, '');
  if (!/^(?:[0-9A-Fa-f]{2})*$/.test(compact)) throw new Error(`bad test vector: ${text}`);
  return Buffer.from(compact, 'hex');
}

/** Runs `run`; returns its result, or undefined if it threw a BastionError (anything else fails the test). */
export function bastionErrorOr<T>(run: () => T): T | undefined {
  try {
    return run();
  } catch (error) {
    if (error instanceof BastionError) return undefined;
    throw error;
  }
}
