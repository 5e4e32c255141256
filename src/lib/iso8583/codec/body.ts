import { BastionError } from '../../errors/index.js';
import type { FieldEncoding, FieldType } from '../spec.js';
import { characterOfNibble, characterPairsOf, nibbleOfDigit } from './bcd.js';
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
  // Track data (`z`) reads every nibble: digits, '=' for D, letters for A–C, E, F (bcd.ts).
  const track = type === 'z';
  /**
   * The value when every nibble is valid: whole bytes through the pair tables, and for an odd
   * count the one lone character beside the pad nibble. Undefined sends read to the nibble walk.
   */
  function readValidPairs(bytes: Uint8Array, start: number, units: number, byteCount: number): string | undefined {
    if (units % 2 === 0) return characterPairsOf(bytes, start, start + byteCount, track);
    if (leftAligned) {
      const last = bytes[start + byteCount - 1] as number;
      if ((last & 0x0f) !== padNibble) return undefined;
      const lone = characterOfNibble(last >> 4, track);
      const head = characterPairsOf(bytes, start, start + byteCount - 1, track);
      return lone === undefined || head === undefined ? undefined : head + lone;
    }
    const first = bytes[start] as number;
    if (first >> 4 !== padNibble) return undefined;
    const lone = characterOfNibble(first & 0x0f, track);
    const rest = characterPairsOf(bytes, start + 1, start + byteCount, track);
    return lone === undefined || rest === undefined ? undefined : lone + rest;
  }
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
          nibble = nibbleOfDigit(text.charCodeAt(digitIndex), track);
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
      const fast = readValidPairs(bytes, start, units, byteCount);
      if (fast !== undefined) return fast;
      // Something is invalid: walk the nibbles to report which, and where.
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
        const character = characterOfNibble(nibble, track);
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
    // A copy: the caller's frame buffer may be reused, and values outlive it. Short values (PIN
    // blocks, MACs) copy faster byte by byte than through a subarray view.
    if (units > 32) return Buffer.from(bytes.subarray(start, start + units));
    const out = Buffer.allocUnsafe(units);
    for (let i = 0; i < units; i++) out[i] = bytes[start + i] as number;
    return out;
  },
};

const hexDigits = '0123456789ABCDEF';

/** ASCII code → its value as an uppercase hex digit, -1 for anything else (lowercase included). */
const hexValueOf: Int8Array = new Int8Array(256).fill(-1);
for (let i = 0; i < 16; i++) hexValueOf[hexDigits.charCodeAt(i)] = i;

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
      const high = hexValueOf[bytes[start + 2 * i] as number] as number;
      const low = hexValueOf[bytes[start + 2 * i + 1] as number] as number;
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
