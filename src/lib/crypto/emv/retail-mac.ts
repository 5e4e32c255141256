import { BastionError } from '../../errors/index.js';
import { EcbCipher } from '../block-cipher.js';
import { assertDoubleLengthKey } from './checks.js';

/**
 * The pieces of ISO/IEC 9797-1 that EMV cryptograms need: padding methods 1 and 2 and MAC
 * algorithm 3 (the "retail MAC") over DES with a double-length key. Private to the EMV module so
 * that it does not depend on the MAC module's schedule; the two can be merged later.
 */

/** ISO/IEC 9797-1 padding method: 1 appends zeros, 2 appends 0x80 then zeros. */
export type Iso9797Padding = 1 | 2;

const desBlockBytes = 8;

export function assertIso9797Padding(padding: number, argument = 'padding'): asserts padding is Iso9797Padding {
  if (padding !== 1 && padding !== 2) {
    throw new BastionError('CRYPTO_ERR_MAC_PADDING', `${argument} must be ISO/IEC 9797-1 padding method 1 or 2`, { argument });
  }
}

/**
 * Padding method 1: as few zero bytes as make a positive whole number of blocks. Empty data
 * becomes one block of zeros, because the standard asks for a positive multiple.
 */
export function padIso9797Method1(data: Uint8Array, blockSizeBytes = desBlockBytes): Buffer {
  const blocks = Math.max(1, Math.ceil(data.length / blockSizeBytes));
  const out = Buffer.alloc(blocks * blockSizeBytes);
  out.set(data);
  return out;
}

/** Padding method 2: one 0x80 byte always, then zeros to the next block boundary. */
export function padIso9797Method2(data: Uint8Array, blockSizeBytes = desBlockBytes): Buffer {
  const blocks = Math.floor(data.length / blockSizeBytes) + 1;
  const out = Buffer.alloc(blocks * blockSizeBytes);
  out.set(data);
  out[data.length] = 0x80;
  return out;
}

/**
 * ISO/IEC 9797-1 MAC algorithm 3 with DES and a 16-byte key K || K': CBC-MAC under single-DES K,
 * then the output transformation "decrypt with K', encrypt with K" on the last block.
 *
 * The last CBC step E_K followed by D_K' and E_K is exactly two-key TDES (EDE) of the last chained
 * block, so the MAC runs single DES for all blocks but the last and one TDES for the last: the
 * same value as the textbook description with one cipher call fewer. Both key schedules are built
 * once per instance, and padding is applied on the fly without copying the message.
 */
export class RetailMac {
  private readonly leftDes: EcbCipher;
  private readonly tdes: EcbCipher;

  constructor(key: Uint8Array, keyName = 'key') {
    assertDoubleLengthKey(key, keyName);
    this.tdes = new EcbCipher('tdes', key, keyName);
    this.leftDes = new EcbCipher('des', key.subarray(0, 8), keyName);
  }

  /** The full 8-byte MAC; callers truncate to the length their protocol carries. */
  compute(data: Uint8Array, padding: Iso9797Padding): Buffer {
    const blockCount = padding === 1 ? Math.max(1, Math.ceil(data.length / desBlockBytes)) : Math.floor(data.length / desBlockBytes) + 1;
    let state: Buffer = Buffer.alloc(desBlockBytes);
    for (let block = 0; block < blockCount; block++) {
      const offset = block * desBlockBytes;
      for (let i = 0; i < desBlockBytes; i++) {
        const index = offset + i;
        let byte = 0;
        if (index < data.length) byte = data[index] as number;
        else if (padding === 2 && index === data.length) byte = 0x80;
        state[i] = (state[i] as number) ^ byte;
      }
      state = block === blockCount - 1 ? this.tdes.encryptUnchecked(state) : this.leftDes.encryptUnchecked(state);
    }
    return state;
  }

  /** Two-key TDES of one block under the same key, for callers (ARPC method 1) that need it. */
  encryptBlock(block: Uint8Array): Buffer {
    return this.tdes.encryptUnchecked(block);
  }
}
