import { BastionError } from '../../errors/index.js';
import { isDecimal } from '../bytes.js';

/**
 * Input checks shared by the EMV functions. Messages name the argument and, at most, a length:
 * never the key, PAN or cryptogram itself.
 */

/** EMV master and session keys are double-length (16-byte) TDES keys (EMV Book 2 Annex A1). */
export { assertDoubleLengthTdesKey as assertDoubleLengthKey } from '../block-cipher.js';

/** The application transaction counter (tag 9F36) is two bytes. */
export function assertAtc(atc: Uint8Array, argument = 'atc'): void {
  if (atc.length !== 2) {
    throw new BastionError('CRYPTO_ERR_EMV_ATC', `${argument} must be 2 bytes (4 hex digits), got ${atc.length} bytes`, {
      argument,
      length: atc.length,
    });
  }
}

/** A PAN (tag 5A) is 12 to 19 decimal digits. */
export { assertPan } from '../pan.js';

/** The PAN sequence number (tag 5F34) is used as exactly two decimal digits. */
export function assertPsn(psn: string, argument = 'psn'): void {
  if (psn.length !== 2 || !isDecimal(psn)) {
    throw new BastionError('CRYPTO_ERR_EMV_PSN', `${argument} must be exactly two decimal digits, such as 00 or 01`, {
      argument,
      length: psn.length,
    });
  }
}
