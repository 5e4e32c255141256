import { BastionError } from '../../errors/index.js';
import type { FieldType } from '../spec.js';
import { asciiToEbcdic, ebcdicToAscii } from './ebcdic.js';

/**
 * Which characters each text type allows. `an` admits the space as well, because real terminals
 * pad alphanumeric fields with spaces; `ans` is printable ASCII; `z` (track data) digits, '=' and
 * the letters A, B, C, E, F (an enciphered track's nibbles as BCD reads them; see bcd.ts).
 */
const allowedByType: Readonly<Record<Exclude<FieldType, 'b'>, Uint8Array>> = {
  n: table((code) => code >= 48 && code <= 57),
  z: table((code) => (code >= 48 && code <= 57) || code === 61 || (code >= 65 && code <= 70 && code !== 68)),
  an: table((code) => (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 32),
  ans: table((code) => code >= 32 && code <= 126),
  xn: table((code) => code >= 48 && code <= 57),
};

function table(allowed: (code: number) => boolean): Uint8Array {
  const out = new Uint8Array(256);
  for (let code = 0; code < 256; code++) out[code] = allowed(code) ? 1 : 0;
  return out;
}

/** Whether `code` may appear in a value of `type` (for `xn`, at positions after the sign). */
export function isAllowedCharacter(type: Exclude<FieldType, 'b'>, code: number): boolean {
  return allowedByType[type][code] === 1;
}

/** Checks a value before packing; the error names the field and position, never the value. */
export function assertTextValue(type: Exclude<FieldType, 'b'>, value: string, field: string): void {
  const allowed = allowedByType[type];
  const start = type === 'xn' ? 1 : 0;
  if (type === 'xn' && value.length > 0 && value[0] !== 'C' && value[0] !== 'D') {
    throw new BastionError('ISO_ERR_FIELD_VALUE', `field ${field} (x+n) must start with C (credit) or D (debit)`, { field, position: 0 });
  }
  for (let i = start; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code > 255 || allowed[code] !== 1) {
      throw new BastionError('ISO_ERR_FIELD_VALUE', `field ${field} (${type}) has a character it does not allow at position ${i}`, { field, position: i });
    }
  }
}

/** Decodes `count` bytes of ASCII text, checking each against the type's characters. */
/** From this many characters on, a Buffer's native latin1 decoding beats building the string in a loop. */
const nativeDecodeFrom = 24;

export function decodeAscii(type: Exclude<FieldType, 'b'>, bytes: Uint8Array, start: number, count: number, field: string): string {
  const allowed = allowedByType[type];
  const native = count >= nativeDecodeFrom && bytes instanceof Buffer;
  let text = '';
  for (let i = 0; i < count; i++) {
    const code = bytes[start + i] as number;
    const ok = type === 'xn' && i === 0 ? code === 67 || code === 68 : allowed[code] === 1;
    if (!ok) {
      throw new BastionError('ISO_ERR_ENCODING', `field ${field} (${type}) has a byte its character set does not allow at offset ${start + i}`, {
        field,
        offset: start + i,
      });
    }
    if (!native) text += String.fromCharCode(code);
  }
  // Every byte is checked to be printable ASCII, so latin1 decoding gives the same characters.
  return native ? bytes.toString('latin1', start, start + count) : text;
}

export function encodeAscii(value: string, target: Uint8Array, at: number): void {
  for (let i = 0; i < value.length; i++) target[at + i] = value.charCodeAt(i);
}

export function decodeEbcdic(type: Exclude<FieldType, 'b'>, bytes: Uint8Array, start: number, count: number, field: string): string {
  let text = '';
  for (let i = 0; i < count; i++) {
    const code = ebcdicToAscii[bytes[start + i] as number] as number;
    const ok = code >= 0 && (type === 'xn' && i === 0 ? code === 67 || code === 68 : isAllowedCharacter(type, code));
    if (!ok) {
      throw new BastionError('ISO_ERR_ENCODING', `field ${field} (${type}) has a byte that is not a valid EBCDIC character for it at offset ${start + i}`, {
        field,
        offset: start + i,
      });
    }
    text += String.fromCharCode(code);
  }
  return text;
}

export function encodeEbcdic(value: string, target: Uint8Array, at: number, field: string): void {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    const mapped = code < 128 ? (asciiToEbcdic[code] as number) : -1;
    if (mapped < 0) {
      throw new BastionError('ISO_ERR_FIELD_VALUE', `field ${field} has a character with no EBCDIC code at position ${i}`, { field, position: i });
    }
    target[at + i] = mapped;
  }
}
