import { BastionError } from '../errors/index.js';

/**
 * DES keys carry odd parity in the low bit of every byte. HSMs refuse keys with even-parity
 * bytes because such a byte usually means a typing or transmission error.
 */

function hasOddParity(byte: number): boolean {
  let ones = 0;
  for (let b = byte; b !== 0; b >>= 1) ones += b & 1;
  return ones % 2 === 1;
}

export function isOddParity(key: Uint8Array): boolean {
  for (const byte of key) if (!hasOddParity(byte)) return false;
  return true;
}

/** A copy of `key` with the low bit of each byte set so that every byte has odd parity. */
export function adjustOddParity(key: Uint8Array): Buffer {
  const out = Buffer.from(key);
  for (let i = 0; i < out.length; i++) {
    const byte = out[i] as number;
    if (!hasOddParity(byte)) out[i] = byte ^ 0x01;
  }
  return out;
}

export function assertOddParity(key: Uint8Array, name = 'key'): void {
  if (!isOddParity(key)) {
    throw new BastionError('CRYPTO_ERR_KEY_PARITY', `${name} does not have odd parity in every byte`, { argument: name });
  }
}
