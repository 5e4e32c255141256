import { BastionError } from '../../errors/index.js';

/**
 * ISO 9564-1 PIN block formats. 0 (ANSI X9.8), 1, 2 and 3 are 8-byte blocks for DES / TDES;
 * format 4 is the 16-byte block of ISO 9564-1:2017 for AES. The control nibble of every block
 * is its format number, which is why the number itself serves as the type.
 */
export type PinBlockFormat = 0 | 1 | 2 | 3 | 4;

export const pinBlockFormats: readonly PinBlockFormat[] = [0, 1, 2, 3, 4];

/** The formats whose PIN field is XORed with (format 0, 3) or enciphered with (format 4) a PAN field. */
export function pinBlockBindsPan(format: PinBlockFormat): boolean {
  return format === 0 || format === 3 || format === 4;
}

/** Throws CRYPTO_ERR_PINBLOCK_FORMAT unless `format` is one of `allowed`. */
export function assertPinBlockFormat(
  format: number,
  allowed: readonly PinBlockFormat[] = pinBlockFormats,
  argument = 'format',
): asserts format is PinBlockFormat {
  if (!(allowed as readonly number[]).includes(format)) {
    throw new BastionError('CRYPTO_ERR_PINBLOCK_FORMAT', `${argument} must be one of ${allowed.join(', ')} for this operation, got ${format}`, {
      argument,
      value: format,
    });
  }
}
