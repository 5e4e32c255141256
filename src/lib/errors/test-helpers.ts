import { expect } from 'vitest';
import { BastionError, type ErrorCode } from './index.js';

/**
 * Test support shared by every library (left out of the build by its `test-*` name): the checks
 * behind the promise that bad input gets a coded error that names where, never what.
 */

/**
 * Runs `run`, expects a BastionError with `code` whose details include `details`, and checks that
 * neither its message nor its details carry any of `secrets`: a string of 4 characters or more
 * must not appear, and no 4-byte window of a byte string may appear as hex (either case).
 */
export function expectBastionError(
  run: () => unknown,
  code: ErrorCode,
  details: Readonly<Record<string, string | number | boolean>> = {},
  secrets: readonly (string | Uint8Array)[] = [],
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
  expectNoSecretIn(error, secrets);
  return error;
}

/** The same checks as expectBastionError, for a promise that must reject. */
export async function expectBastionRejection(
  promise: Promise<unknown>,
  code: ErrorCode,
  details: Readonly<Record<string, string | number | boolean>> = {},
  secrets: readonly (string | Uint8Array)[] = [],
): Promise<BastionError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  return expectBastionError(() => {
    throw caught;
  }, code, details, secrets);
}

/** Fails if the error's text shows a secret string, or any 4-byte window of secret bytes as hex. */
export function expectNoSecretIn(error: BastionError, secrets: readonly (string | Uint8Array)[]): void {
  const text = `${error.message} ${JSON.stringify(error.details)}`.toUpperCase();
  const leaked: string[] = [];
  for (const secret of secrets) {
    if (typeof secret === 'string') {
      if (secret.length >= 4 && text.includes(secret.toUpperCase())) leaked.push(`a ${secret.length}-character secret`);
      continue;
    }
    const hexText = Buffer.from(secret).toString('hex').toUpperCase();
    for (let start = 0; start + 8 <= hexText.length; start += 2) {
      if (text.includes(hexText.slice(start, start + 8))) leaked.push(`bytes at ${start / 2}`);
    }
  }
  expect(leaked, 'secret input shown in an error').toEqual([]);
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

/** Bytes from hex written with optional spaces, as standards and public sources print it. */
export function hex(text: string): Buffer {
  const compact = text.replace(/\s+/g, '');
  if (!/^(?:[0-9A-Fa-f]{2})*$/.test(compact)) throw new Error('bad hex in a test vector');
  return Buffer.from(compact, 'hex');
}
