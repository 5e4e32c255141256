import { BastionError } from '../../errors/index.js';

/**
 * ISO/IEC 9797-1 padding methods, for MACs and for any protocol that pads "the ISO 9797 way"
 * (EMV secure messaging and cryptograms use methods 1 and 2):
 *
 * 1. zeros up to a whole number of blocks; empty data becomes one block of zeros;
 * 2. one 0x80 byte, then zeros up to a whole number of blocks (always at least one byte added);
 * 3. a first block holding the data length in bits (big-endian), then the data padded by method 1.
 */
export type Iso9797PaddingMethod = 1 | 2 | 3;

export const iso9797PaddingMethods: readonly Iso9797PaddingMethod[] = [1, 2, 3];

export function isIso9797PaddingMethod(value: number): value is Iso9797PaddingMethod {
  return value === 1 || value === 2 || value === 3;
}

/** Throws CRYPTO_ERR_MAC_PADDING unless `value` is 1, 2 or 3; `name` is the argument named. */
export function assertIso9797PaddingMethod(value: number, name = 'padding'): asserts value is Iso9797PaddingMethod {
  if (!isIso9797PaddingMethod(value)) {
    throw new BastionError('CRYPTO_ERR_MAC_PADDING', `${name} must be ISO 9797-1 padding method 1, 2 or 3`, { argument: name });
  }
}

/** The padded data as one new buffer (a whole number of `blockSize` blocks, never empty). */
export function padIso9797(data: Uint8Array, method: Iso9797PaddingMethod, blockSize: number = 8): Buffer {
  assertIso9797PaddingMethod(method);
  if (blockSize !== 8 && blockSize !== 16) {
    throw new BastionError('CRYPTO_ERR_ARGUMENT', 'block size must be 8 or 16 bytes', { argument: 'blockSize', value: blockSize });
  }
  const view = iso9797Blocks(data, method, blockSize);
  const parts: Uint8Array[] = [];
  if (view.lengthBlock !== undefined) parts.push(view.lengthBlock);
  if (view.body.length > 0) parts.push(view.body);
  if (view.tail !== undefined) parts.push(view.tail);
  return Buffer.concat(parts);
}

/**
 * The padded message in three pieces, so that MACs can run over the caller's data without
 * padding it into a new buffer: an optional length block (method 3), the data's whole blocks (a view, not a copy)
 * and an optional final block holding the last partial block with its padding. At least one
 * piece is non-empty, and each is a whole number of blocks.
 */
export interface Iso9797Blocks {
  readonly lengthBlock: Buffer | undefined;
  readonly body: Uint8Array;
  readonly tail: Buffer | undefined;
}

export function iso9797Blocks(data: Uint8Array, method: Iso9797PaddingMethod, blockSize: 8 | 16): Iso9797Blocks {
  const wholeBytes = data.length - (data.length % blockSize);
  const body = data.subarray(0, wholeBytes);
  const rest = data.subarray(wholeBytes);
  let tail: Buffer | undefined;
  if (method === 2) {
    tail = Buffer.alloc(blockSize);
    tail.set(rest);
    tail[rest.length] = 0x80;
  } else if (rest.length > 0 || data.length === 0) {
    // Method 1 (and 3 after its length block): a partial block is zero-filled, and empty data
    // still MACs one block of zeros.
    tail = Buffer.alloc(blockSize);
    tail.set(rest);
  }
  return { lengthBlock: method === 3 ? lengthInBits(data.length, blockSize) : undefined, body, tail };
}

function lengthInBits(lengthBytes: number, blockSize: 8 | 16): Buffer {
  const block = Buffer.alloc(blockSize);
  // Messages here are far below 2^53 bits, so a 64-bit big-endian field in the last 8 bytes
  // holds the whole value; any leading bytes of a 16-byte block stay zero.
  block.writeBigUInt64BE(BigInt(lengthBytes) * 8n, blockSize - 8);
  return block;
}
