import fc from 'fast-check';
import type { BastionError, ErrorCode } from '../errors/index.js';
import { expectBastionError } from '../errors/test-helpers.js';

/**
 * Test support for the crypto library (left out of the build by its `test-*` name).
 *
 * Asserts that `run` throws a BastionError with `code` naming `argument`, and that neither its
 * message nor its details carry any of `secrets` (see expectBastionError).
 */
export function expectCryptoError(run: () => unknown, code: ErrorCode, argument: string, secrets: readonly (string | Uint8Array)[] = []): BastionError {
  return expectBastionError(run, code, { argument }, secrets);
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
