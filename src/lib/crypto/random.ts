import { randomBytes, randomFillSync } from 'node:crypto';

/**
 * Where random bytes come from. Functions that need randomness take one of these so that a
 * caller can supply fixed bytes and check results against published known answers; the
 * default is the operating system's CSPRNG.
 */
export type RandomSource = (lengthBytes: number) => Uint8Array;

export const secureRandom: RandomSource = (lengthBytes) => randomBytes(lengthBytes);

/** How many CSPRNG bytes `RandomBytePool` draws at once. */
export const RANDOM_POOL_BYTES = 4096;

/**
 * CSPRNG bytes drawn in blocks and handed out a few at a time, for ids made on every request:
 * one `randomFillSync` per RANDOM_POOL_BYTES instead of a call into the CSPRNG (and a new buffer)
 * per id, which cost the host about 1.5% of its CPU for one issuer reference a sale. Every byte
 * is handed out once; none is kept for keys or secrets (those use `secureRandom`).
 */
export class RandomBytePool {
  readonly #pool: Buffer;
  #offset: number;

  constructor(poolBytes: number = RANDOM_POOL_BYTES) {
    if (!Number.isInteger(poolBytes) || poolBytes < 1) throw new RangeError('the pool needs at least one byte');
    this.#pool = Buffer.alloc(poolBytes);
    this.#offset = poolBytes;
  }

  /** `count` fresh bytes, valid until the next call (copy them to keep them). */
  take(count: number): Uint8Array {
    if (!Number.isInteger(count) || count < 1 || count > this.#pool.length) throw new RangeError(`take 1 to ${this.#pool.length} bytes`);
    if (this.#offset + count > this.#pool.length) {
      randomFillSync(this.#pool);
      this.#offset = 0;
    }
    const bytes = this.#pool.subarray(this.#offset, this.#offset + count);
    this.#offset += count;
    return bytes;
  }
}
