import { createHash } from 'node:crypto';
import { BastionError } from '../../errors/index.js';
import { EcbCipher } from '../block-cipher.js';
import { digitsToNibbles } from '../bytes.js';
import { adjustOddParity } from '../des-parity.js';
import { assertDoubleLengthKey, assertPan, assertPsn } from './checks.js';

/**
 * ICC master key derivation from an issuer master key (EMV 4.3 Book 2, Annex A1.4).
 *
 * Option A: Y is the rightmost 16 digits of PAN || PSN (zero-filled on the left when shorter),
 * as 8 BCD bytes. MK = TDES(IMK)[Y] || TDES(IMK)[Y XOR FF..FF], each byte set to odd parity.
 *
 * Option B (A1.4.2) exists for PANs longer than 16 digits, where cutting to 16 digits would let
 * two cards share a key: X = PAN || PSN (a leading 0 when the digit count is odd) is hashed with
 * SHA-1, the 16-digit Y is decimalised out of the hash, and the rest is option A. For PANs of 16
 * digits or fewer the specification says to use option A, so option B falls back to it (pyemv's
 * derive_icc_mk_b does the same, and its known answers depend on it).
 */
export type EmvIccMasterKeyOption = 'A' | 'B';

export const emvIccMasterKeyOptions: readonly EmvIccMasterKeyOption[] = ['A', 'B'];

const yLengthDigits = 16;

/**
 * An issuer master key (IMK-AC) with its TDES key schedule prepared once: an issuer derives
 * every card's ICC master key from the same few IMKs, so it pays for the key set-up once per
 * IMK, not per transaction. The key is copied; each holder owns its instance.
 */
export class EmvIssuerMasterKey {
  private readonly cipher: EcbCipher;

  constructor(issuerMasterKey: Uint8Array, keyName = 'issuerMasterKey') {
    assertDoubleLengthKey(issuerMasterKey, keyName);
    this.cipher = new EcbCipher('tdes', Buffer.from(issuerMasterKey), keyName);
  }

  /**
   * The 16-byte ICC master key of one card. `psn` is the two-digit PAN sequence number; EMV
   * uses '00' when the card has none.
   */
  deriveIccMasterKey(pan: string, psn: string, option: EmvIccMasterKeyOption): Buffer {
    assertPan(pan);
    assertPsn(psn);
    if (!(emvIccMasterKeyOptions as readonly string[]).includes(option)) {
      throw new BastionError('CRYPTO_ERR_ALGORITHM', 'option must be A or B', { argument: 'option' });
    }
    const y = option === 'B' && pan.length > yLengthDigits ? optionBInput(pan, psn) : optionAInput(pan, psn);
    return encryptWithComplement(this.cipher, y);
  }
}

/**
 * Derives the 16-byte ICC master key. `psn` is the two-digit PAN sequence number; EMV uses '00'
 * when the card has none.
 */
export function emvDeriveIccMasterKey(issuerMasterKey: Uint8Array, pan: string, psn: string, option: EmvIccMasterKeyOption): Buffer {
  return new EmvIssuerMasterKey(issuerMasterKey).deriveIccMasterKey(pan, psn, option);
}

/** Rightmost 16 digits of PAN || PSN, zero-filled on the left, as 8 BCD bytes. */
function optionAInput(pan: string, psn: string): Buffer {
  const digits = (pan + psn).slice(-yLengthDigits).padStart(yLengthDigits, '0');
  return digitsToNibbles(digits, yLengthDigits / 2, 0);
}

/**
 * Option B's Y: the first 16 decimal nibbles of SHA-1(PAN || PSN) in order; if the hash has
 * fewer than 16, its nibbles A to F, in order, decimalised as A→0 … F→5, fill the rest.
 */
function optionBInput(pan: string, psn: string): Buffer {
  const digits = pan + psn;
  const x = digitsToNibbles(digits.length % 2 === 0 ? digits : `0${digits}`, Math.ceil(digits.length / 2), 0);
  const hash = createHash('sha1').update(x).digest();
  const y = Buffer.alloc(yLengthDigits / 2);
  let taken = takeNibbles(hash, y, 0, (nibble) => (nibble < 10 ? nibble : -1));
  if (taken < yLengthDigits) taken = takeNibbles(hash, y, taken, (nibble) => (nibble >= 10 ? nibble - 10 : -1));
  return y;
}

/** Appends to `y` (from nibble `start`) every nibble of `hash` that `map` accepts, up to 16. */
function takeNibbles(hash: Buffer, y: Buffer, start: number, map: (nibble: number) => number): number {
  let taken = start;
  for (let i = 0; i < hash.length * 2 && taken < yLengthDigits; i++) {
    const byte = hash[i >> 1] as number;
    const digit = map(i % 2 === 0 ? byte >> 4 : byte & 0x0f);
    if (digit < 0) continue;
    const index = taken >> 1;
    y[index] = taken % 2 === 0 ? digit << 4 : (y[index] as number) | digit;
    taken++;
  }
  return taken;
}

/** TDES(IMK)[Y] || TDES(IMK)[Y XOR FF..FF], parity-adjusted: one cipher call for both halves. */
function encryptWithComplement(issuerMasterKey: EcbCipher, y: Buffer): Buffer {
  const blocks = Buffer.allocUnsafe(16);
  for (let i = 0; i < 8; i++) {
    const byte = y[i] as number;
    blocks[i] = byte;
    blocks[i + 8] = byte ^ 0xff;
  }
  return adjustOddParity(issuerMasterKey.encryptUnchecked(blocks));
}
