import { BastionError } from '../../errors/index.js';
import { EcbCipher, type BlockAlgorithm } from '../block-cipher.js';

/**
 * CMAC (NIST SP 800-38B, RFC 4493 for AES) over any of the block ciphers. The subkeys and the
 * cipher's key schedule are derived once per key, so one instance MACs many messages cheaply.
 */
export class Cmac {
  private readonly cipher: EcbCipher;
  private readonly subkey1: Buffer;
  private readonly subkey2: Buffer;

  constructor(algorithm: BlockAlgorithm, key: Uint8Array, keyName = 'key') {
    this.cipher = new EcbCipher(algorithm, key, keyName);
    const blockSize = this.cipher.blockSize;
    const l = this.cipher.encryptUnchecked(Buffer.alloc(blockSize));
    this.subkey1 = doubleInField(l);
    this.subkey2 = doubleInField(this.subkey1);
  }

  get blockSize(): number {
    return this.cipher.blockSize;
  }

  /** The full-block MAC; callers truncate to the length their protocol carries. */
  compute(data: Uint8Array): Buffer {
    const size = this.cipher.blockSize;
    const blockCount = Math.max(1, Math.ceil(data.length / size));
    const lastComplete = data.length > 0 && data.length % size === 0;
    const state = Buffer.alloc(size);
    for (let block = 0; block < blockCount - 1; block++) {
      const offset = block * size;
      for (let i = 0; i < size; i++) state[i] = (state[i] as number) ^ (data[offset + i] as number);
      this.cipher.encryptUnchecked(state).copy(state);
    }
    const lastOffset = (blockCount - 1) * size;
    const subkey = lastComplete ? this.subkey1 : this.subkey2;
    for (let i = 0; i < size; i++) {
      const index = lastOffset + i;
      let byte: number;
      if (index < data.length) byte = data[index] as number;
      else if (index === data.length) byte = 0x80;
      else byte = 0;
      state[i] = (state[i] as number) ^ byte ^ (subkey[i] as number);
    }
    return this.cipher.encryptUnchecked(state);
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

/** Ensures a requested MAC truncation length fits the block. */
export function assertMacLength(lengthBytes: number, blockSize: number): void {
  if (!Number.isInteger(lengthBytes) || lengthBytes < 1 || lengthBytes > blockSize) {
    throw new BastionError('CRYPTO_ERR_ARGUMENT', `MAC length must be 1 to ${blockSize} bytes`, { argument: 'length', value: lengthBytes });
  }
}
