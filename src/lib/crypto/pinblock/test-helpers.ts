import fc from 'fast-check';
import { expect } from 'vitest';
import { BastionError } from '../../errors/index.js';
import type { ErrorCode } from '../../errors/index.js';

/**
 * Asserts that `run` throws a BastionError with `code` naming `argument`, and that neither the
 * message nor the details carry any of `secrets` (PINs, PANs, keys, PIN blocks).
 */
export function expectCryptoError(run: () => unknown, code: ErrorCode, argument: string, secrets: readonly string[] = []): BastionError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(BastionError);
  const error = caught as BastionError;
  expect(error.code).toBe(code);
  expect(error.details.argument).toBe(argument);
  const text = `${error.message} ${JSON.stringify(error.details)}`.toUpperCase();
  for (const secret of secrets) {
    if (secret.length >= 4) expect(text).not.toContain(secret.toUpperCase());
  }
  return error;
}

const decimalDigits = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;

/** Strings of decimal digits with lengths from `minLength` to `maxLength` (PINs, PANs). */
export function digitStrings(minLength: number, maxLength: number): fc.Arbitrary<string> {
  return fc.string({ unit: fc.constantFrom(...decimalDigits), minLength, maxLength });
}
