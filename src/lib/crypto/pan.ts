import { BastionError } from '../errors/index.js';

/** PANs are 12 to 19 digits (ISO/IEC 7812-1); the limits are the error code's documented meaning. */
export const panLengthMin = 12;
export const panLengthMax = 19;

/** Whether `pan` is a string of 12 to 19 decimal digits (no Luhn check: that is a separate question). */
export function isPanShaped(pan: unknown): boolean {
  if (typeof pan !== 'string' || pan.length < panLengthMin || pan.length > panLengthMax) return false;
  for (let i = 0; i < pan.length; i++) {
    const code = pan.charCodeAt(i);
    if (code < 48 || code > 57) return false;
  }
  return true;
}

/** Throws CRYPTO_ERR_PAN unless `pan` is 12 to 19 decimal digits. The PAN never enters the message. */
export function assertPan(pan: string, argument = 'pan'): void {
  if (!isPanShaped(pan)) {
    throw new BastionError('CRYPTO_ERR_PAN', `${argument} must be ${panLengthMin} to ${panLengthMax} decimal digits (got ${pan.length} characters)`, {
      argument,
      length: pan.length,
    });
  }
}
