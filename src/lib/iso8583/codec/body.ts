import { BastionError } from '../../errors/index.js';
import type { FieldEncoding, FieldType } from '../spec.js';
import { characterOfNibble, digitPairsOf, nibbleOfDigit } from './bcd.js';
import { decodeAscii, decodeEbcdic, encodeAscii, encodeEbcdic } from './text.js';

/**
 * A field body: the value's bytes without any length prefix. `units` is what the spec's length
 * counts (digits, characters or bytes); `byteCount` how many wire bytes that many units take.
 */
export interface BodyCodec {
  byteCount(units: number): number;
  unitsOf(value: string | Uint8Array): number;
  write(value: string | Uint8Array, target: Uint8Array, at: number, field: string): void;
  read(bytes: Uint8Array, start: number, units: number, field: string): string | Uint8Array;
}

type TextType = Exclude<FieldType, 'b'>;

function bcdBody(type: TextType, leftAligned: boolean, padNibble: number): BodyCodec {
  const allowSeparator = type === 'z';
  return {
    byteCount: (units) => (units + 1) >> 1,
    unitsOf: (value) => value.length,
    write(value, target, at, field) {
      const text = value as string;
      const units = text.length;
      const byteCount = (units + 1) >> 1;
      // Nibble index of the first digit: right-aligned odd counts start after the pad nibble.
      const first = !leftAligned && units % 2 === 1 ? 1 : 0;
      target.fill(0, at, at + byteCount);
      const totalNibbles = byteCount * 2;
      for (let n = 0; n < totalNibbles; n++) {
        const digitIndex = n - first;
        let nibble: number;
        if (digitIndex < 0 || digitIndex >= units) nibble = padNibble;
        else {
          nibble = nibbleOfDigit(text.charCodeAt(digitIndex), allowSeparator);
          if (nibble < 0) {
            throw new BastionError('ISO_ERR_FIELD_VALUE', `field ${field} (${type}) has a character BCD can't carry at position ${digitIndex}`, { field, position: digitIndex });
          }
        }
        const index = at + (n >> 1);
        target[index] = (target[index] as number) | (n % 2 === 0 ? nibble << 4 : nibble);
      }
    },
    read(bytes, start, units, field) {
      const byteCount = (units + 1) >> 1;
      if (units % 2 === 0 && !allowSeparator) {
        const fast = digitPairsOf(bytes, start, start + byteCount);
        if (fast !== undefined) return fast;
      }
      const first = !leftAligned && units % 2 === 1 ? 1 : 0;
      let text = '';
      for (let n = 0; n < byteCount * 2; n++) {
        const byte = bytes[start + (n >> 1)] as number;
        const nibble = n % 2 === 0 ? byte >> 4 : byte & 0x0f;
        const digitIndex = n - first;
        if (digitIndex < 0 || digitIndex >= units) {
          if (nibble !== padNibble) {
            throw new BastionError('ISO_ERR_ENCODING', `field ${field} has a BCD pad nibble other than ${padNibble.toString(16).toUpperCase()} at offset ${start + (n >> 1)}`, {
              field,
              offset: start + (n >> 1),
            });
          }
          continue;
        }
        const character = characterOfNibble(nibble, allowSeparator);
        if (character === undefined) {
          throw new BastionError('ISO_ERR_ENCODING', `field ${field} (${type}) has a nibble that is not a digit at offset ${start + (n >> 1)}`, {
            field,
            offset: start + (n >> 1),
          });
        }
        text += character;
      }
      return text;
    },
  };
}

function charBody(type: TextType, encoding: 'ascii' | 'ebcdic'): BodyCodec {
  // x+n carries a sign character before its digits; the spec's length counts the digits.
  const signChars = type === 'xn' ? 1 : 0;
  return {
    byteCount: (units) => units + signChars,
    unitsOf: (value) => value.length - signChars,
    write(value, target, at, field) {
      if (encoding === 'ascii') encodeAscii(value as string, target, at);
      else encodeEbcdic(value as string, target, at, field);
    },
    read(bytes, start, units, field) {
      return encoding === 'ascii' ? decodeAscii(type, bytes, start, units + signChars, field) : decodeEbcdic(type, bytes, start, units + signChars, field);
    },
  };
}

const binaryBody: BodyCodec = {
  byteCount: (units) => units,
  unitsOf: (value) => value.length,
  write(value, target, at) {
    target.set(value as Uint8Array, at);
  },
  read(bytes, start, units) {
    // A copy: the caller's frame buffer may be reused, and values outlive it.
    return Buffer.from(bytes.subarray(start, start + units));
  },
};

const hexDigits = '0123456789ABCDEF';

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 70) return code - 55;
  return -1;
}

/** Binary values written as uppercase ASCII hex (text dialects); lowercase is refused so packing what was unpacked gives the same bytes. */
const hexBody: BodyCodec = {
  byteCount: (units) => units * 2,
  unitsOf: (value) => value.length,
  write(value, target, at) {
    const bytes = value as Uint8Array;
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i] as number;
      target[at + 2 * i] = hexDigits.charCodeAt(byte >> 4);
      target[at + 2 * i + 1] = hexDigits.charCodeAt(byte & 0x0f);
    }
  },
  read(bytes, start, units, field) {
    const out = Buffer.allocUnsafe(units);
    for (let i = 0; i < units; i++) {
      const high = hexValue(bytes[start + 2 * i] as number);
      const low = hexValue(bytes[start + 2 * i + 1] as number);
      if (high < 0 || low < 0) {
        throw new BastionError('ISO_ERR_ENCODING', `field ${field} is not uppercase hexadecimal at offset ${start + 2 * i}`, { field, offset: start + 2 * i });
      }
      out[i] = (high << 4) | low;
    }
    return out;
  },
};

/** The body codec for a type and encoding; undefined for combinations that make no sense. */
export function bodyCodec(type: FieldType, encoding: FieldEncoding, padNibble: number): BodyCodec | undefined {
  if (type === 'b') {
    if (encoding === 'binary') return binaryBody;
    if (encoding === 'hex') return hexBody;
    return undefined;
  }
  if (encoding === 'ascii' || encoding === 'ebcdic') return charBody(type, encoding);
  if ((encoding === 'bcd' || encoding === 'bcd-left') && (type === 'n' || type === 'z')) return bcdBody(type, encoding === 'bcd-left', padNibble);
  return undefined;
}
