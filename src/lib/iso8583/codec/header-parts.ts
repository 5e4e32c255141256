import { BastionError } from '../../errors/index.js';
import type { MessageSpec } from '../spec.js';
import { digitPairsOf } from './bcd.js';
import type { ByteWriter, ReadCursor } from './cursor.js';
import { asciiToEbcdic, ebcdicToAscii } from './ebcdic.js';

/** MTI and bitmap codecs: the fixed parts in front of the fields. */

function mtiError(offset: number, message: string): BastionError {
  return new BastionError('ISO_ERR_MTI', message, { field: 'mti', offset });
}

export function isMti(value: string): boolean {
  return value.length === 4 && /^[0-9]{4}$/.test(value);
}

export function writeMti(encoding: MessageSpec['mti']['encoding'], mti: string, writer: ByteWriter): void {
  if (!isMti(mti)) throw new BastionError('ISO_ERR_MTI', 'the MTI must be four digits', { field: 'mti' });
  if (encoding === 'bcd') {
    const at = writer.reserve(2);
    writer.bytes[at] = ((mti.charCodeAt(0) - 48) << 4) | (mti.charCodeAt(1) - 48);
    writer.bytes[at + 1] = ((mti.charCodeAt(2) - 48) << 4) | (mti.charCodeAt(3) - 48);
    return;
  }
  const at = writer.reserve(4);
  for (let i = 0; i < 4; i++) writer.bytes[at + i] = encoding === 'ascii' ? mti.charCodeAt(i) : (asciiToEbcdic[mti.charCodeAt(i)] as number);
}

export function readMti(encoding: MessageSpec['mti']['encoding'], cursor: ReadCursor): string {
  const at = cursor.offset;
  if (encoding === 'bcd') {
    if (at + 2 > cursor.bytes.length) throw mtiError(at, 'the message ends before its MTI');
    const mti = digitPairsOf(cursor.bytes, at, at + 2);
    if (mti === undefined) throw mtiError(at, 'the MTI is not BCD digits');
    cursor.offset = at + 2;
    return mti;
  }
  if (at + 4 > cursor.bytes.length) throw mtiError(at, 'the message ends before its MTI');
  let mti = '';
  for (let i = 0; i < 4; i++) {
    const byte = cursor.bytes[at + i] as number;
    const code = encoding === 'ascii' ? byte : (ebcdicToAscii[byte] as number);
    if (code < 48 || code > 57) throw mtiError(at, 'the MTI is not four digits');
    mti += String.fromCharCode(code);
  }
  cursor.offset = at + 4;
  return mti;
}

const hexDigits = '0123456789ABCDEF';

function hexNibble(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 70) return code - 55;
  return -1;
}

/**
 * Writes the bitmap for the present fields: 8 bytes (binary) or 16 hex characters, twice as many
 * with a secondary bitmap (bit 1) when any field above 64 is present.
 */
export function writeBitmap(encoding: MessageSpec['bitmap']['encoding'], present: readonly boolean[], writer: ByteWriter): void {
  let secondary = false;
  for (let field = 65; field <= 128; field++) if (present[field] === true) secondary = true;
  const bitmap = new Uint8Array(secondary ? 16 : 8);
  if (secondary) bitmap[0] = 0x80;
  for (let field = 2; field <= bitmap.length * 8; field++) {
    if (present[field] === true) bitmap[(field - 1) >> 3] = (bitmap[(field - 1) >> 3] as number) | (0x80 >> ((field - 1) & 7));
  }
  if (encoding === 'binary') {
    writer.writeBytes(bitmap);
    return;
  }
  const at = writer.reserve(bitmap.length * 2);
  for (let i = 0; i < bitmap.length; i++) {
    const high = hexDigits.charCodeAt((bitmap[i] as number) >> 4);
    const low = hexDigits.charCodeAt((bitmap[i] as number) & 0x0f);
    writer.bytes[at + 2 * i] = encoding === 'hex' ? high : (asciiToEbcdic[high] as number);
    writer.bytes[at + 2 * i + 1] = encoding === 'hex' ? low : (asciiToEbcdic[low] as number);
  }
}

function readBitmapBytes(encoding: MessageSpec['bitmap']['encoding'], cursor: ReadCursor, target: Uint8Array, targetAt: number): void {
  const at = cursor.offset;
  if (encoding === 'binary') {
    if (at + 8 > cursor.bytes.length) throw new BastionError('ISO_ERR_BITMAP', 'the message ends inside its bitmap', { field: 'bitmap', offset: at });
    target.set(cursor.bytes.subarray(at, at + 8), targetAt);
    cursor.offset = at + 8;
    return;
  }
  if (at + 16 > cursor.bytes.length) throw new BastionError('ISO_ERR_BITMAP', 'the message ends inside its bitmap', { field: 'bitmap', offset: at });
  for (let i = 0; i < 8; i++) {
    const highByte = cursor.bytes[at + 2 * i] as number;
    const lowByte = cursor.bytes[at + 2 * i + 1] as number;
    const high = hexNibble(encoding === 'hex' ? highByte : (ebcdicToAscii[highByte] as number));
    const low = hexNibble(encoding === 'hex' ? lowByte : (ebcdicToAscii[lowByte] as number));
    if (high < 0 || low < 0) throw new BastionError('ISO_ERR_BITMAP', 'the bitmap is not uppercase hexadecimal', { field: 'bitmap', offset: at + 2 * i });
    target[targetAt + i] = (high << 4) | low;
  }
  cursor.offset = at + 16;
}

/** Reads the primary bitmap and, when bit 1 says so, the secondary one. */
export function readBitmap(encoding: MessageSpec['bitmap']['encoding'], cursor: ReadCursor): Uint8Array {
  const target = new Uint8Array(16);
  return target.subarray(0, readBitmapInto(encoding, cursor, target));
}

/**
 * Like readBitmap, into `target` (16 bytes, reusable between messages): returns how many bitmap
 * bytes it holds now, 8 or 16.
 */
export function readBitmapInto(encoding: MessageSpec['bitmap']['encoding'], cursor: ReadCursor, target: Uint8Array): 8 | 16 {
  readBitmapBytes(encoding, cursor, target, 0);
  if (((target[0] as number) & 0x80) === 0) return 8;
  readBitmapBytes(encoding, cursor, target, 8);
  return 16;
}

export function requireNothingLeft(cursor: ReadCursor): void {
  if (cursor.offset !== cursor.bytes.length) {
    throw new BastionError('ISO_ERR_TRAILING_DATA', `${cursor.bytes.length - cursor.offset} bytes are left after the last field`, {
      field: 'message',
      offset: cursor.offset,
    });
  }
}

