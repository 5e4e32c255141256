import { BastionError } from '../../errors/index.js';
import { EcbCipher } from '../block-cipher.js';
import { digitsToNibbles, xorInto } from '../bytes.js';
import { assertPan } from '../pinblock/pan.js';
import { assertFixedDigits, doubleLengthTdes, sameDigits, visaDecimalize } from './checks.js';

/**
 * Visa CVV / Mastercard CVC, one algorithm under two names. PAN, expiry (YYMM) and service code
 * are packed as digits, right-padded with zeros to 32 nibbles and split into two blocks; the first
 * is enciphered with key A (single DES), XORed with the second, and the result enciphered with
 * the double-length CVK (A, B). Decimalisation of that block gives the three digits.
 *
 * The variants differ only in the service code: CVV2 / CVC2 use 000, iCVV / chip CVC use 999,
 * the magnetic-stripe CVV uses the card's own service code.
 */
export class CvvCalculator {
  private readonly keyA: EcbCipher;
  private readonly keyAB: EcbCipher;

  /** `cvk` is key A then key B: 16 bytes. */
  constructor(cvk: Uint8Array) {
    this.keyAB = doubleLengthTdes(cvk, 'cvk');
    this.keyA = new EcbCipher('des', Buffer.from(cvk.subarray(0, 8)), 'cvk');
  }

  compute(pan: string, expiry: string, serviceCode: string): string {
    assertPan(pan);
    // Only the shape is checked, not the month: HSMs accept any four digits (and a published
    // psec vector uses 3333), and some issuers compute CVV2 over MMYY.
    assertFixedDigits(expiry, 4, 'CRYPTO_ERR_EXPIRY', 'expiry', 'an expiry date YYMM');
    assertFixedDigits(serviceCode, 3, 'CRYPTO_ERR_SERVICE_CODE', 'serviceCode', 'a service code');
    const data = digitsToNibbles(pan + expiry + serviceCode, 16, 0);
    const chained = xorInto(this.keyA.encryptUnchecked(data.subarray(0, 8)), data.subarray(8, 16));
    return visaDecimalize(this.keyAB.encryptUnchecked(chained), 3);
  }

  verify(pan: string, expiry: string, serviceCode: string, cvv: string): boolean {
    if (!/^[0-9]{3}$/.test(cvv)) {
      throw new BastionError('CRYPTO_ERR_ARGUMENT', `cvv must be 3 decimal digits (got ${cvv.length} characters)`, { argument: 'cvv', length: cvv.length });
    }
    return sameDigits(this.compute(pan, expiry, serviceCode), cvv);
  }
}

/** CVV / CVC / CVV2 (service code 000) / iCVV (service code 999) of a card. */
export function cvv(cvk: Uint8Array, pan: string, expiry: string, serviceCode: string): string {
  return new CvvCalculator(cvk).compute(pan, expiry, serviceCode);
}

export function verifyCvv(cvk: Uint8Array, pan: string, expiry: string, serviceCode: string, value: string): boolean {
  return new CvvCalculator(cvk).verify(pan, expiry, serviceCode, value);
}
