import { expect } from 'vitest';
import { isBastionError } from '../../errors/index.js';
import type { ErrorCode } from '../../errors/index.js';

/**
 * Runs `action`, expects a BastionError with `code` naming `argument`, and checks that neither
 * the message nor the details carry any of the `secrets` (as uppercase or lowercase hex).
 */
export function expectBastionError(action: () => unknown, code: ErrorCode, argument: string, secrets: readonly Uint8Array[] = []): void {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  expect(isBastionError(caught), 'a BastionError is thrown').toBe(true);
  if (!isBastionError(caught)) return;
  expect(caught.code).toBe(code);
  expect(caught.details.argument).toBe(argument);
  const text = `${caught.message} ${JSON.stringify(caught.details)}`;
  for (const secret of secrets) {
    const hex = Buffer.from(secret).toString('hex');
    expect(text.toLowerCase()).not.toContain(hex.slice(0, 8));
  }
}

/** The same bytes with one bit flipped. */
export function flipBit(bytes: Uint8Array, bitIndex: number): Buffer {
  const copy = Buffer.from(bytes);
  const index = Math.floor(bitIndex / 8) % copy.length;
  copy[index] = (copy[index] as number) ^ (1 << bitIndex % 8);
  return copy;
}
