import type { EcbCipher } from '../block-cipher.js';

/**
 * CBC chaining over a held ECB key schedule. A KBPK protects many key blocks, so its derived
 * keys are prepared once (EcbCipher) and each block is chained here instead of building a new
 * node:crypto CBC context, and its key schedule, for every key block. Callers guarantee whole
 * blocks and a block-sized IV.
 */

/** CBC encryption of `data` into `out` (same length, may not overlap `data`). */
export function cbcEncryptInto(cipher: EcbCipher, iv: Uint8Array, data: Uint8Array, out: Uint8Array): void {
  const size = cipher.blockSize;
  const state = Buffer.from(iv);
  for (let offset = 0; offset < data.length; offset += size) {
    for (let i = 0; i < size; i++) state[i] = (state[i] as number) ^ (data[offset + i] as number);
    const block = cipher.encryptUnchecked(state);
    block.copy(state);
    out.set(block, offset);
  }
}

/** CBC decryption of `data` into `out`: one ECB pass over all blocks, then the XOR chain. */
export function cbcDecryptInto(cipher: EcbCipher, iv: Uint8Array, data: Uint8Array, out: Uint8Array): void {
  const size = cipher.blockSize;
  const decrypted = cipher.decryptUnchecked(data);
  for (let i = 0; i < data.length; i++) {
    const previous = i < size ? (iv[i] as number) : (data[i - size] as number);
    out[i] = (decrypted[i] as number) ^ previous;
  }
  decrypted.fill(0);
}

/**
 * ISO 9797-1 MAC algorithm 1 (CBC-MAC with the full cipher at every step, no final
 * transformation, zero IV) over the concatenation of `parts`, each a whole number of blocks,
 * so no padding is needed. Returns the full last block; the caller truncates.
 */
export function cbcMac(cipher: EcbCipher, parts: readonly Uint8Array[]): Buffer {
  const size = cipher.blockSize;
  let state: Buffer = Buffer.alloc(size);
  for (const part of parts) {
    for (let offset = 0; offset < part.length; offset += size) {
      for (let i = 0; i < size; i++) state[i] = (state[i] as number) ^ (part[offset + i] as number);
      state = cipher.encryptUnchecked(state);
    }
  }
  return state;
}
