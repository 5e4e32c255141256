import { BastionError } from '../../errors/index.js';
import { CbcEncryptor, type BlockAlgorithm } from '../block-cipher.js';
import { assertMacLengthToVerify, assertMacMatches } from './mac-check.js';

/**
 * CMAC (NIST SP 800-38B, RFC 4493 for AES) over any of the block ciphers. The subkeys and the
 * cipher context are derived once per key, so one instance MACs many messages cheaply: a
 * message costs one CBC pass over all blocks but the last plus one block, and is never padded
 * into a new buffer.
 */
export class Cmac {
  readonly algorithm: BlockAlgorithm;
  private readonly cbc: CbcEncryptor;
  private readonly subkey1: Buffer;
  private readonly subkey2: Buffer;
  private readonly lastInput: Buffer;

  constructor(algorithm: BlockAlgorithm, key: Uint8Array, keyName = 'key') {
    this.algorithm = algorithm;
    this.cbc = new CbcEncryptor(algorithm, Buffer.from(key), keyName);
    const blockSize = this.cbc.blockSize;
    const l = this.cbc.lastBlockUnchecked(Buffer.alloc(blockSize));
    this.subkey1 = doubleInField(l);
    this.subkey2 = doubleInField(this.subkey1);
    this.lastInput = Buffer.alloc(blockSize);
  }

  get blockSize(): 8 | 16 {
    return this.cbc.blockSize;
  }

  /** The full-block MAC; callers truncate to the length their protocol carries. */
  compute(data: Uint8Array): Buffer {
    const size = this.cbc.blockSize;
    const length = data.length;
    const lastComplete = length > 0 && length % size === 0;
    // Bytes before the last block: those go through plain CBC.
    const leadBytes = lastComplete ? length - size : length - (length % size);
    const subkey = lastComplete ? this.subkey1 : this.subkey2;
    const last = this.lastInput;
    for (let i = 0; i < size; i++) {
      const index = leadBytes + i;
      let byte: number;
      if (index < length) byte = data[index] as number;
      else if (index === length) byte = 0x80;
      else byte = 0;
      last[i] = byte ^ (subkey[i] as number);
    }
    const chain = leadBytes > 0 ? this.cbc.lastBlockUnchecked(data.subarray(0, leadBytes)) : undefined;
    return this.cbc.lastBlockUnchecked(last, chain);
  }

  /** Throws CRYPTO_ERR_MAC_MISMATCH unless `mac` (4 bytes to a block, leftmost) matches. */
  verify(data: Uint8Array, mac: Uint8Array): void {
    assertMacLengthToVerify(mac, this.cbc.blockSize);
    assertMacMatches(this.compute(data), mac);
  }
}

/** Multiplication by x in GF(2^64) or GF(2^128), as SP 800-38B defines for subkey generation. */
function doubleInField(block: Buffer): Buffer {
  const size = block.length;
  const polynomial = size === 16 ? 0x87 : 0x1b;
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i++) {
    const next = i + 1 < size ? (block[i + 1] as number) : 0;
    out[i] = (((block[i] as number) << 1) | (next >> 7)) & 0xff;
  }
  if (((block[0] as number) & 0x80) !== 0) out[size - 1] = (out[size - 1] as number) ^ polynomial;
  return out;
}

export function cmac(algorithm: BlockAlgorithm, key: Uint8Array, data: Uint8Array): Buffer {
  return new Cmac(algorithm, key).compute(data);
}

export function verifyCmac(algorithm: BlockAlgorithm, key: Uint8Array, data: Uint8Array, mac: Uint8Array): void {
  new Cmac(algorithm, key).verify(data, mac);
}

/** Ensures a requested MAC truncation length fits the block. */
export function assertMacLength(lengthBytes: number, blockSize: number): void {
  if (!Number.isInteger(lengthBytes) || lengthBytes < 1 || lengthBytes > blockSize) {
    throw new BastionError('CRYPTO_ERR_ARGUMENT', `MAC length must be 1 to ${blockSize} bytes`, { argument: 'length', value: lengthBytes });
  }
}
