import { BastionError } from '../../errors/index.js';
import { CbcEncryptor, EcbCipher } from '../block-cipher.js';
import type { Iso9797MacOptions } from './iso9797-alg1.js';
import { assertMacLengthToVerify, assertMacMatches } from './mac-check.js';
import { assertIso9797PaddingMethod, iso9797Blocks, type Iso9797PaddingMethod } from './padding.js';

const blockSize = 8;

/**
 * ISO/IEC 9797-1 MAC algorithm 3, the ANSI X9.19 "retail MAC": single-DES CBC-MAC under the left
 * key half K, then the last chaining value is decrypted with the right half K' and encrypted
 * again with K. With a 24-byte key K1 || K2 || K3 the final encryption uses K3 (the convention of
 * Bouncy Castle's ISO9797Alg3Mac). The result is the full 8-byte block.
 *
 * Speed: the output transformation E_K(D_K'(E_K(x))) on the last block is exactly TDES-EDE
 * encryption under the whole key, so a message costs one DES-CBC pass over all blocks but the
 * last (one native call on a context kept for the key) plus one TDES block; the data is never
 * padded into a new buffer.
 */
export class RetailMac {
  readonly padding: Iso9797PaddingMethod;
  /** Single DES under K1 over every block but the last. */
  private readonly chainCipher: CbcEncryptor;
  /** TDES under the whole key, for the last block and the output transformation at once. */
  private readonly finalCipher: EcbCipher;
  private readonly lastInput = Buffer.alloc(blockSize);

  constructor(key: Uint8Array, options: Iso9797MacOptions = {}) {
    const keyName = options.keyName ?? 'key';
    if (key.length !== 16 && key.length !== 24) {
      throw new BastionError(
        'CRYPTO_ERR_KEY_LENGTH',
        `${keyName} must be 16 or 24 bytes for the retail MAC (ISO 9797-1 algorithm 3), got ${key.length}`,
        { argument: keyName, length: key.length },
      );
    }
    const padding = options.padding ?? 1;
    assertIso9797PaddingMethod(padding);
    this.padding = padding;
    const ownKey = Buffer.from(key);
    this.chainCipher = new CbcEncryptor('des', ownKey.subarray(0, 8), keyName);
    this.finalCipher = new EcbCipher('tdes', ownKey, keyName);
  }

  compute(data: Uint8Array): Buffer {
    const blocks = iso9797Blocks(data, this.padding, blockSize);
    let body = blocks.body;
    let last: Uint8Array;
    if (blocks.tail !== undefined) {
      last = blocks.tail;
    } else {
      // No padding block: the data ended on a block boundary, so its last block is the last one.
      last = body.subarray(body.length - blockSize);
      body = body.subarray(0, body.length - blockSize);
    }
    let chain: Buffer | undefined;
    if (blocks.lengthBlock !== undefined) chain = this.chainCipher.lastBlockUnchecked(blocks.lengthBlock);
    if (body.length > 0) chain = this.chainCipher.lastBlockUnchecked(body, chain);
    const input = this.lastInput;
    if (chain === undefined) input.set(last);
    else for (let i = 0; i < blockSize; i++) input[i] = (last[i] as number) ^ (chain[i] as number);
    return this.finalCipher.encryptUnchecked(input);
  }

  /** Throws CRYPTO_ERR_MAC_MISMATCH unless `mac` (4 to 8 bytes, leftmost) matches. */
  verify(data: Uint8Array, mac: Uint8Array): void {
    assertMacLengthToVerify(mac, blockSize);
    assertMacMatches(this.compute(data), mac);
  }
}

export function retailMac(key: Uint8Array, data: Uint8Array, padding: Iso9797PaddingMethod = 1): Buffer {
  return new RetailMac(key, { padding }).compute(data);
}

export function verifyRetailMac(key: Uint8Array, data: Uint8Array, mac: Uint8Array, padding: Iso9797PaddingMethod = 1): void {
  new RetailMac(key, { padding }).verify(data, mac);
}
