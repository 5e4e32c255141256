import { BastionError, type ErrorDetails } from '../errors/index.js';
import { tlvTagHex } from './tag.js';

/**
 * Typed readers and writers for the EMV data element formats (EMV 4.4 Book 3 section 4.3):
 *
 * | format | bytes hold |
 * |---|---|
 * | `n`   | BCD digits, right-justified, left-padded with zero nibbles (amounts, dates, codes) |
 * | `cn`  | BCD digits, left-justified, right-padded with F nibbles (the PAN) |
 * | `a`   | one letter per byte |
 * | `an`  | one letter or digit per byte |
 * | `ans` | one printable character per byte (EMV's common character set, 0x20–0x7E) |
 * | `b`   | binary: bit fields, keys, cryptograms, or unsigned big-endian numbers |
 *
 * Readers throw ISO_ERR_ENCODING and writers ISO_ERR_FIELD_VALUE; details name the tag and the
 * byte offset or lengths, never the content (a cn value is usually a PAN).
 */
export type EmvFormat = 'a' | 'an' | 'ans' | 'b' | 'cn' | 'n';

export type EmvTextFormat = 'a' | 'an' | 'ans';

/** Unsigned binary numbers are read up to 6 bytes, which stays within Number's exact integers. */
export const unsignedBytesMax = 6;

/** Digits of an `n` value: two per byte, leading zeros kept (they are part of the value). */
export function readNumeric(value: Uint8Array, tag?: number): string {
  let digits = '';
  for (let index = 0; index < value.length; index++) {
    const byte = value[index] as number;
    if (byte >> 4 > 9 || (byte & 0x0f) > 9) throw readError(`has a nibble that is not a decimal digit at byte ${index}`, tag, index);
    digits += String.fromCharCode(48 + (byte >> 4), 48 + (byte & 0x0f));
  }
  return digits;
}

/** An `n` value as an integer, such as an amount in minor units (9F02). */
export function readNumericBigInt(value: Uint8Array, tag?: number): bigint {
  return value.length === 0 ? 0n : BigInt(readNumeric(value, tag));
}

/** Digits of a `cn` value: decimal nibbles, then only F nibbles to the end. */
export function readCompressedNumeric(value: Uint8Array, tag?: number): string {
  let digits = '';
  let padding = false;
  for (let index = 0; index < value.length * 2; index++) {
    const byte = value[index >> 1] as number;
    const nibble = index % 2 === 0 ? byte >> 4 : byte & 0x0f;
    if (nibble === 0x0f) padding = true;
    else if (padding || nibble > 9) throw readError(`is not decimal digits followed only by F padding (byte ${index >> 1})`, tag, index >> 1);
    else digits += String.fromCharCode(48 + nibble);
  }
  return digits;
}

/** Text of an `a`, `an` or `ans` value; throws if a byte is outside the format's character set. */
export function readText(value: Uint8Array, format: EmvTextFormat, tag?: number): string {
  const index = firstInvalidCharacter(value, format);
  if (index >= 0) throw readError(`has a byte that is not allowed in format ${format} at byte ${index}`, tag, index);
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('latin1');
}

/** A binary value as an unsigned big-endian number (9F1B floor limit, 9F36 ATC); at most 6 bytes. */
export function readUnsigned(value: Uint8Array, tag?: number): number {
  if (value.length > unsignedBytesMax) {
    throw new BastionError('ISO_ERR_LENGTH', `a binary number${ofTag(tag)} is ${value.length} bytes; at most ${unsignedBytesMax} are read as a number`, {
      ...tagDetail(tag),
      length: value.length,
    });
  }
  let result = 0;
  for (const byte of value) result = result * 256 + byte;
  return result;
}

/** `digits` as an `n` value of `lengthBytes` bytes, left-padded with zeros. */
export function writeNumeric(digits: string | bigint, lengthBytes: number, argument = 'value'): Buffer {
  const text = typeof digits === 'bigint' ? (digits >= 0n ? digits.toString() : '-') : digits;
  assertDigits(text, argument);
  if (text.length > lengthBytes * 2) throw tooLong(argument, text.length, lengthBytes * 2);
  const out = Buffer.alloc(lengthBytes);
  const skip = lengthBytes * 2 - text.length;
  for (let index = 0; index < text.length; index++) {
    const position = skip + index;
    const nibble = text.charCodeAt(index) - 48;
    out[position >> 1] = (out[position >> 1] as number) | (position % 2 === 0 ? nibble << 4 : nibble);
  }
  return out;
}

/** `digits` as a `cn` value of `lengthBytes` bytes, right-padded with F nibbles. */
export function writeCompressedNumeric(digits: string, lengthBytes: number, argument = 'value'): Buffer {
  assertDigits(digits, argument);
  if (digits.length > lengthBytes * 2) throw tooLong(argument, digits.length, lengthBytes * 2);
  const out = Buffer.alloc(lengthBytes, 0xff);
  for (let index = 0; index < digits.length; index++) {
    const nibble = digits.charCodeAt(index) - 48;
    const byte = out[index >> 1] as number;
    out[index >> 1] = index % 2 === 0 ? (nibble << 4) | (byte & 0x0f) : (byte & 0xf0) | nibble;
  }
  return out;
}

/** `text` as an `a`, `an` or `ans` value (one byte per character). */
export function writeText(text: string, format: EmvTextFormat, argument = 'value'): Buffer {
  const out = Buffer.from(text, 'latin1');
  // A character above U+00FF would have been squeezed into one byte: compare lengths and content.
  if (out.length !== text.length || firstInvalidCharacter(out, format) >= 0 || out.toString('latin1') !== text) {
    throw new BastionError('ISO_ERR_FIELD_VALUE', `${argument} has characters that format ${format} does not allow`, { argument, length: text.length });
  }
  return out;
}

/** `value` as an unsigned big-endian binary number of `lengthBytes` bytes. */
export function writeUnsigned(value: number | bigint, lengthBytes: number, argument = 'value'): Buffer {
  const big = typeof value === 'bigint' ? value : Number.isSafeInteger(value) ? BigInt(value) : -1n;
  if (big < 0n || big >= 1n << BigInt(8 * lengthBytes)) {
    throw new BastionError('ISO_ERR_FIELD_VALUE', `${argument} must be a whole number from 0 that fits ${lengthBytes} bytes`, { argument, lengthBytes });
  }
  const out = Buffer.alloc(lengthBytes);
  let rest = big;
  for (let index = lengthBytes - 1; index >= 0; index--) {
    out[index] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
}

function firstInvalidCharacter(value: Uint8Array, format: EmvTextFormat): number {
  for (let index = 0; index < value.length; index++) {
    const byte = value[index] as number;
    const letter = (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a);
    const digit = byte >= 0x30 && byte <= 0x39;
    const allowed = format === 'a' ? letter : format === 'an' ? letter || digit : byte >= 0x20 && byte <= 0x7e;
    if (!allowed) return index;
  }
  return -1;
}

function assertDigits(text: string, argument: string): void {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 48 || code > 57) {
      throw new BastionError('ISO_ERR_FIELD_VALUE', `${argument} must contain decimal digits only`, { argument, length: text.length });
    }
  }
}

function tooLong(argument: string, digits: number, digitsMax: number): BastionError {
  return new BastionError('ISO_ERR_FIELD_VALUE', `${argument} has ${digits} digits; at most ${digitsMax} fit`, { argument, length: digits, lengthMax: digitsMax });
}

function readError(what: string, tag: number | undefined, offset: number): BastionError {
  return new BastionError('ISO_ERR_ENCODING', `the value${ofTag(tag)} ${what}`, { ...tagDetail(tag), offset });
}

function ofTag(tag: number | undefined): string {
  return tag === undefined ? '' : ` of tag ${tlvTagHex(tag)}`;
}

function tagDetail(tag: number | undefined): ErrorDetails {
  return tag === undefined ? {} : { tag: tlvTagHex(tag) };
}
