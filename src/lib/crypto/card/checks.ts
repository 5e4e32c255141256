import { BastionError } from '../../errors/index.js';
import type { ErrorCode } from '../../errors/index.js';
import { assertDoubleLengthTdesKey, EcbCipher } from '../block-cipher.js';

/** Throws `code` unless `value` is exactly `lengthDigits` decimal digits; the value never enters the message. */
export function assertFixedDigits(value: string, lengthDigits: number, code: ErrorCode, argument: string, what: string): void {
  if (value.length !== lengthDigits || !/^[0-9]+$/.test(value)) {
    throw new BastionError(code, `${argument} must be ${what}: ${lengthDigits} decimal digits (got ${value.length} characters)`, {
      argument,
      length: value.length,
    });
  }
}

/** A cipher for a key that must be a double-length TDES key (CVK, Visa PVK). The key is copied. */
export function doubleLengthTdes(key: Uint8Array, argument: string): EcbCipher {
  assertDoubleLengthTdesKey(key, argument);
  return new EcbCipher('tdes', Buffer.from(key), argument);
}

/**
 * Visa decimalisation (CVV, PVV): the decimal nibbles of `block` left to right, then, if more are
 * needed, the nibbles A–F left to right reduced by 10. Returns the first `count` digits.
 */
export function visaDecimalize(block: Uint8Array, count: number): string {
  let digits = '';
  for (let pass = 0; pass < 2 && digits.length < count; pass++) {
    for (let i = 0; i < block.length * 2 && digits.length < count; i++) {
      const byte = block[i >> 1] as number;
      const nibble = (i & 1) === 0 ? byte >> 4 : byte & 0x0f;
      if (pass === 0 && nibble < 10) digits += String.fromCharCode(48 + nibble);
      else if (pass === 1 && nibble >= 10) digits += String.fromCharCode(38 + nibble);
    }
  }
  return digits;
}

/** Equal-length digit strings compared without an early exit (verification results). */
export function sameDigits(left: string, right: string): boolean {
  if (left.length !== right.length) return false;
  let diff = 0;
  for (let i = 0; i < left.length; i++) diff |= left.charCodeAt(i) ^ right.charCodeAt(i);
  return diff === 0;
}
