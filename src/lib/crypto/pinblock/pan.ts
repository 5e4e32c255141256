import { BastionError } from '../../errors/index.js';
import { digitsToNibbles } from '../bytes.js';

/** PANs are 12 to 19 digits (ISO/IEC 7812-1); the limits are the error code's documented meaning. */
export const panLengthMin = 12;
export const panLengthMax = 19;

const decimal = /^[0-9]+$/;

/** Throws CRYPTO_ERR_PAN unless `pan` is 12 to 19 decimal digits. The PAN never enters the message. */
export function assertPan(pan: string, argument = 'pan'): void {
  if (!decimal.test(pan) || pan.length < panLengthMin || pan.length > panLengthMax) {
    throw new BastionError('CRYPTO_ERR_PAN', `${argument} must be ${panLengthMin} to ${panLengthMax} decimal digits (got ${pan.length} characters)`, {
      argument,
      length: pan.length,
    });
  }
}

/** Like assertPan, for the formats that need a PAN but may be called without one. */
export function requirePan(pan: string | undefined, why: string, argument = 'pan'): string {
  if (pan === undefined) {
    throw new BastionError('CRYPTO_ERR_PAN', `${argument} is required for ${why}`, { argument });
  }
  assertPan(pan, argument);
  return pan;
}

/**
 * The account number field of formats 0 and 3: four zero nibbles, then the 12 rightmost PAN
 * digits excluding the check digit. A 12-digit PAN leaves 11 digits, which ISO 9564-1 right-
 * justifies with a zero on the left.
 */
export function panFieldIso0(pan: string, argument = 'pan'): Buffer {
  assertPan(pan, argument);
  const digits = pan.slice(Math.max(0, pan.length - 13), pan.length - 1).padStart(12, '0');
  return digitsToNibbles(`0000${digits}`, 8, 0);
}

/**
 * The PAN field of format 4 (ISO 9564-1:2017): one nibble M = PAN length − 12, the whole PAN,
 * then zero nibbles to 16 bytes. (The standard also allows PANs under 12 digits with M = 0; the
 * library keeps the common 12-to-19 rule for every format.)
 */
export function panFieldIso4(pan: string, argument = 'pan'): Buffer {
  assertPan(pan, argument);
  return digitsToNibbles(`${pan.length - panLengthMin}${pan}`, 16, 0);
}
