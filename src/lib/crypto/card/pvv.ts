import { BastionError } from '../../errors/index.js';
import type { EcbCipher } from '../block-cipher.js';
import { digitsToNibbles } from '../bytes.js';
import { assertPan } from '../pinblock/pan.js';
import { assertPin } from '../pinblock/pin-field.js';
import { assertFixedDigits, doubleLengthTdes, sameDigits, visaDecimalize } from './checks.js';

/**
 * Visa PIN Verification Value. The transformed security parameter (TSP) is the 11 rightmost PAN
 * digits excluding the check digit, the PVKI, and the 4 leftmost PIN digits: 16 digits, one
 * block. It is enciphered with the double-length PVK and decimalised (Visa method) to 4 digits.
 */
export class PvvCalculator {
  private readonly pvk: EcbCipher;

  constructor(pvk: Uint8Array) {
    this.pvk = doubleLengthTdes(pvk, 'pvk');
  }

  compute(pvki: string, pan: string, pin: string): string {
    assertFixedDigits(pvki, 1, 'CRYPTO_ERR_PVKI', 'pvki', 'a PIN verification key index');
    assertPan(pan);
    assertPin(pin);
    const tsp = pan.slice(pan.length - 12, pan.length - 1) + pvki + pin.slice(0, 4);
    return visaDecimalize(this.pvk.encryptUnchecked(digitsToNibbles(tsp, 8, 0)), 4);
  }

  verify(pvki: string, pan: string, pin: string, pvv: string): boolean {
    if (!/^[0-9]{4}$/.test(pvv)) {
      throw new BastionError('CRYPTO_ERR_ARGUMENT', `pvv must be 4 decimal digits (got ${pvv.length} characters)`, { argument: 'pvv', length: pvv.length });
    }
    return sameDigits(this.compute(pvki, pan, pin), pvv);
  }
}

export function pvv(pvk: Uint8Array, pvki: string, pan: string, pin: string): string {
  return new PvvCalculator(pvk).compute(pvki, pan, pin);
}

export function verifyPvv(pvk: Uint8Array, pvki: string, pan: string, pin: string, value: string): boolean {
  return new PvvCalculator(pvk).verify(pvki, pan, pin, value);
}
