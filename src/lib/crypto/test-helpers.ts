import fc from 'fast-check';
import { expect } from 'vitest';
import { BastionError, type ErrorCode } from '../errors/index.js';

/**
 * Test support for the crypto library (left out of the build by its `test-*` name).
 *
 * Asserts that `run` throws a BastionError with `code` naming `argument`, and that neither its
 * message nor its details carry any of `secrets`: strings (PINs, PANs, hex) of 4 characters or
 * more, and byte strings by their hex form and by its first 8 hex digits.
 */
export function expectCryptoError(run: () => unknown, code: ErrorCode, argument: string, secrets: readonly (string | Uint8Array)[] = []): BastionError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected ${code}`).toBeInstanceOf(BastionError);
  const error = caught as BastionError;
  expect(error.code).toBe(code);
  expect(error.details.argument).toBe(argument);
  const text = `${error.message} ${JSON.stringify(error.details)}`.toUpperCase();
  for (const secret of secrets) {
    const isBytes = typeof secret !== 'string';
    const value = (isBytes ? Buffer.from(secret).toString('hex') : secret).toUpperCase();
    if (value.length >= 4) expect(text).not.toContain(value);
    if (isBytes && value.length >= 8) expect(text).not.toContain(value.slice(0, 8));
  }
  return error;
}

/** The same bytes with one bit flipped. */
export function flipBit(bytes: Uint8Array, bitIndex: number): Buffer {
  const copy = Buffer.from(bytes);
  const index = Math.floor(bitIndex / 8) % copy.length;
  copy[index] = (copy[index] as number) ^ (1 << bitIndex % 8);
  return copy;
}

const decimalDigits = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;

/** Strings of decimal digits with lengths from `minLength` to `maxLength` (PINs, PANs). */
export function digitStrings(minLength: number, maxLength: number): fc.Arbitrary<string> {
  return fc.string({ unit: fc.constantFrom(...decimalDigits), minLength, maxLength });
}
