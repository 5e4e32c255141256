import { BastionError } from './bastion-error.js';

/**
 * What to record of a failure: a Bastion error's code, else the system error code Node.js gave
 * it (`ENOENT`, `EIO` …), else `unknown`. Never the message, which may quote data.
 */
export function errorCodeOf(error: unknown): string {
  if (error instanceof BastionError) return error.code;
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : 'unknown';
}
