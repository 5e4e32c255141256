import { CbcEncryptor, type BlockAlgorithm } from '../block-cipher.js';
import { assertMacLengthToVerify, assertMacMatches } from './mac-check.js';
import { assertIso9797PaddingMethod, iso9797Blocks, type Iso9797PaddingMethod } from './padding.js';

export interface Iso9797MacOptions {
  /** ISO 9797-1 padding method 1, 2 or 3 (default 1, as ANSI X9.9 / X9.19 use). */
  readonly padding?: Iso9797PaddingMethod;
  /** The argument name errors about the key should carry (default `key`). */
  readonly keyName?: string;
}

/**
 * ISO/IEC 9797-1 MAC algorithm 1: CBC-MAC with a zero IV, the last cipher block is the MAC
 * (ANSI X9.9 with DES; "TDES CBC-MAC" with a double or triple-length key; AES and SM4 work the
 * same way with 16-byte blocks). One instance holds the key schedule for many messages.
 * The result is the full block; protocols that carry fewer bytes keep the leftmost ones.
 */
export class Iso9797Alg1Mac {
  readonly algorithm: BlockAlgorithm;
  readonly padding: Iso9797PaddingMethod;
  private readonly cbc: CbcEncryptor;

  constructor(algorithm: BlockAlgorithm, key: Uint8Array, options: Iso9797MacOptions = {}) {
    const padding = options.padding ?? 1;
    assertIso9797PaddingMethod(padding);
    this.algorithm = algorithm;
    this.padding = padding;
    this.cbc = new CbcEncryptor(algorithm, Buffer.from(key), options.keyName ?? 'key');
  }

  get blockSize(): 8 | 16 {
    return this.cbc.blockSize;
  }

  compute(data: Uint8Array): Buffer {
    const blocks = iso9797Blocks(data, this.padding, this.cbc.blockSize);
    // Run the pieces through one CBC chain without first copying the data into a padded buffer.
    let chain: Buffer | undefined;
    if (blocks.lengthBlock !== undefined) chain = this.cbc.lastBlockUnchecked(blocks.lengthBlock);
    if (blocks.body.length > 0) chain = this.cbc.lastBlockUnchecked(blocks.body, chain);
    if (blocks.tail !== undefined) chain = this.cbc.lastBlockUnchecked(blocks.tail, chain);
    // iso9797Blocks never returns three empty pieces, so the chain has run at least once.
    return chain as Buffer;
  }

  /** Throws CRYPTO_ERR_MAC_MISMATCH unless `mac` (4 bytes to a block, leftmost) matches. */
  verify(data: Uint8Array, mac: Uint8Array): void {
    assertMacLengthToVerify(mac, this.cbc.blockSize);
    assertMacMatches(this.compute(data), mac);
  }
}

export function iso9797Alg1Mac(algorithm: BlockAlgorithm, key: Uint8Array, data: Uint8Array, padding: Iso9797PaddingMethod = 1): Buffer {
  return new Iso9797Alg1Mac(algorithm, key, { padding }).compute(data);
}

export function verifyIso9797Alg1Mac(
  algorithm: BlockAlgorithm,
  key: Uint8Array,
  data: Uint8Array,
  mac: Uint8Array,
  padding: Iso9797PaddingMethod = 1,
): void {
  new Iso9797Alg1Mac(algorithm, key, { padding }).verify(data, mac);
}
