import { BastionError } from '../../errors/index.js';
import { EcbCipher } from '../block-cipher.js';
import { assertMacMatches } from './mac-check.js';

/**
 * Which cipher a double-length MAK drives in the UnionPay POS "ECB" MAC. Terminal models differ,
 * so the host keeps it as a per-model setting: `des-left` is single DES under the key's left
 * half, `tdes` is TDES under the whole key. An 8-byte MAK is always single DES.
 */
export type UnionPayEcbVariant = 'des-left' | 'tdes';

export const unionPayEcbVariants: readonly UnionPayEcbVariant[] = ['des-left', 'tdes'];

export interface UnionPayEcbOptions {
  readonly variant?: UnionPayEcbVariant;
  /** The argument name errors about the key should carry (default `key`). */
  readonly keyName?: string;
}

/** Length of the MAC field 64 carries: eight ASCII hex characters. */
export const unionPayEcbMacLengthBytes = 8;

const blockSize = 8;
const hexDigits = Buffer.from('0123456789ABCDEF', 'latin1');

/**
 * The MAC of China UnionPay's POS terminal specification (field 64), called "ECB" there:
 *
 * 1. XOR every 8-byte block of the data (the message from the MTI to the end of field 63), the
 *    last block zero-padded; empty data gives a block of zeros;
 * 2. write the 8-byte result as 16 uppercase hex characters;
 * 3. encrypt the first 8 characters (their ASCII bytes) with the MAK, XOR with the last 8;
 * 4. encrypt again; the MAC is the first 8 uppercase hex characters of the result, as ASCII.
 *
 * The hex text is part of the algorithm itself, so it is written here byte by byte rather than
 * through a string. One instance holds the key schedule for many messages.
 */
export class UnionPayEcbMac {
  readonly variant: UnionPayEcbVariant;
  private readonly cipher: EcbCipher;
  private readonly sum = Buffer.alloc(blockSize);
  private readonly text = Buffer.alloc(2 * blockSize);

  constructor(key: Uint8Array, options: UnionPayEcbOptions = {}) {
    const keyName = options.keyName ?? 'key';
    const variant = options.variant ?? 'des-left';
    if (!(unionPayEcbVariants as readonly string[]).includes(variant)) {
      throw new BastionError('CRYPTO_ERR_ALGORITHM', `variant must be one of ${unionPayEcbVariants.join(', ')}`, { argument: 'variant' });
    }
    if (key.length !== 8 && key.length !== 16) {
      throw new BastionError('CRYPTO_ERR_KEY_LENGTH', `${keyName} must be 8 or 16 bytes for the UnionPay ECB MAC, got ${key.length}`, {
        argument: keyName,
        length: key.length,
      });
    }
    if (variant === 'tdes' && key.length !== 16) {
      throw new BastionError('CRYPTO_ERR_KEY_LENGTH', `the tdes variant needs a 16-byte ${keyName}, got ${key.length}`, {
        argument: keyName,
        length: key.length,
      });
    }
    this.variant = variant;
    const ownKey = Buffer.from(key);
    this.cipher = variant === 'tdes' ? new EcbCipher('tdes', ownKey, keyName) : new EcbCipher('des', ownKey.subarray(0, 8), keyName);
  }

  /** The 8 bytes field 64 carries (ASCII hex characters). */
  compute(data: Uint8Array): Buffer {
    const sum = this.sum;
    sum.fill(0);
    // XOR of all blocks; the zero padding of the last block changes nothing, so it is implicit.
    for (let i = 0; i < data.length; i++) sum[i & 7] = (sum[i & 7] as number) ^ (data[i] as number);
    const text = this.text;
    writeHexAscii(sum, blockSize, text);
    const first = this.cipher.encryptUnchecked(text.subarray(0, blockSize));
    for (let i = 0; i < blockSize; i++) first[i] = (first[i] as number) ^ (text[blockSize + i] as number);
    const second = this.cipher.encryptUnchecked(first);
    const mac = Buffer.allocUnsafe(unionPayEcbMacLengthBytes);
    writeHexAscii(second, unionPayEcbMacLengthBytes / 2, mac);
    return mac;
  }

  /** Throws CRYPTO_ERR_MAC_MISMATCH unless `mac` is the 8 bytes field 64 should carry. */
  verify(data: Uint8Array, mac: Uint8Array): void {
    if (mac.length !== unionPayEcbMacLengthBytes) {
      throw new BastionError('CRYPTO_ERR_ARGUMENT', `mac must be ${unionPayEcbMacLengthBytes} bytes (eight ASCII hex characters), got ${mac.length}`, {
        argument: 'mac',
        length: mac.length,
      });
    }
    assertMacMatches(this.compute(data), mac);
  }
}

/** Writes the first `byteCount` bytes of `source` as uppercase ASCII hex into `target`. */
function writeHexAscii(source: Uint8Array, byteCount: number, target: Uint8Array): void {
  for (let i = 0; i < byteCount; i++) {
    const byte = source[i] as number;
    target[2 * i] = hexDigits[byte >> 4] as number;
    target[2 * i + 1] = hexDigits[byte & 0x0f] as number;
  }
}

export function unionPayEcbMac(key: Uint8Array, data: Uint8Array, variant: UnionPayEcbVariant = 'des-left'): Buffer {
  return new UnionPayEcbMac(key, { variant }).compute(data);
}

export function verifyUnionPayEcbMac(key: Uint8Array, data: Uint8Array, mac: Uint8Array, variant: UnionPayEcbVariant = 'des-left'): void {
  new UnionPayEcbMac(key, { variant }).verify(data, mac);
}
