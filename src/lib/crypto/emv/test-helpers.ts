import { BastionError } from '../../errors/index.js';
import type { ErrorCode } from '../../errors/index.js';

/**
 * Test support (excluded from the build). Runs `action` and insists that it throws a BastionError
 * with `code` naming `argument`, and that neither its message nor its details carry any of
 * `secrets` (hex compared case-insensitively). Plain throws rather than vitest's `expect`, so that
 * this file stays free of test-only imports like the rest of the library.
 */
export function expectBastionError(action: () => unknown, code: ErrorCode, argument: string, secrets: readonly string[] = []): BastionError {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  if (!(caught instanceof BastionError)) {
    throw new Error(`expected a BastionError ${code}, got ${caught instanceof Error ? caught.name : typeof caught}`);
  }
  if (caught.code !== code) throw new Error(`expected error code ${code}, got ${caught.code}`);
  if (caught.details.argument !== argument) {
    throw new Error(`expected ${code} to name argument ${argument}, got ${String(caught.details.argument)}`);
  }
  const text = `${caught.message} ${JSON.stringify(caught.details)}`.toUpperCase();
  for (const secret of secrets) {
    if (secret.length > 0 && text.includes(secret.toUpperCase())) throw new Error(`${code} repeats a secret input in its text`);
  }
  return caught;
}
