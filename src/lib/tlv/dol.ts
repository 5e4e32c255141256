import { BastionError, type ErrorDetails } from '../errors/index.js';
import type { TlvPrimitive } from './ber-tlv.js';
import { emvTagInfo } from './dictionary.js';
import type { EmvFormat } from './formats.js';
import { isConstructedTag, isTlvPaddingByte, tlvTagBytesMax, tlvTagHex, tlvTagLengthBytes, writeTlvTag } from './tag.js';

/**
 * Data object lists (EMV 4.4 Book 3 section 5.4): PDOL (9F38), CDOL1 (8C), CDOL2 (8D), DDOL
 * (9F49), TDOL (97). A DOL names the data a card wants and how long each piece must be: a BER tag
 * followed by a one-byte length, repeated, with no values. The terminal answers with the values
 * concatenated in that order and nothing between them; an issuer host rebuilds the same bytes from
 * field 55 to verify the ARQC.
 *
 * Errors are ISO_ERR_DOL with the offset and tag involved.
 */
export interface DolEntry {
  readonly tag: number;
  /** The number of bytes the card wants for this element (0 to 255). */
  readonly lengthBytes: number;
}

/** EMV lists PDOL, CDOL1/2, DDOL and TDOL as "var. up to 252" bytes. */
export const dolBytesMax = 252;
/** Every entry takes at least 2 bytes, so a 252-byte DOL has at most 126 entries. */
export const dolEntryCountMax = dolBytesMax / 2;
/** The length in a DOL entry is a single byte. */
export const dolEntryLengthMax = 0xff;

/** Parses a DOL (the value of 8C, 8D, 9F38, 9F49 or 97) into entries. */
export function parseDol(bytes: Uint8Array): DolEntry[] {
  if (bytes.length > dolBytesMax) {
    throw new BastionError('ISO_ERR_DOL', `a data object list is ${bytes.length} bytes; at most ${dolBytesMax} are allowed`, { length: bytes.length });
  }
  const entries: DolEntry[] = [];
  let position = 0;
  while (position < bytes.length) {
    const tagOffset = position;
    const first = bytes[position++] as number;
    // DOLs carry no padding: 00 or FF where a tag should start means the list is corrupt.
    if (isTlvPaddingByte(first)) throw dolError(`byte at offset ${tagOffset} cannot start a tag in a data object list`, { offset: tagOffset });
    let tag = first;
    if ((first & 0x1f) === 0x1f) {
      let tagBytes = 1;
      for (;;) {
        if (position >= bytes.length) throw dolError(`tag at offset ${tagOffset} is cut off by the end of the list`, { offset: tagOffset });
        const next = bytes[position++] as number;
        tag = tag * 256 + next;
        tagBytes++;
        if ((next & 0x80) === 0) break;
        if (tagBytes === tlvTagBytesMax) throw dolError(`tag at offset ${tagOffset} is longer than ${tlvTagBytesMax} bytes`, { offset: tagOffset });
      }
    }
    if (position >= bytes.length) {
      throw dolError(`entry for tag ${tlvTagHex(tag)} at offset ${tagOffset} has no length byte`, { offset: position, tag: tlvTagHex(tag) });
    }
    entries.push({ tag, lengthBytes: bytes[position++] as number });
  }
  return entries;
}

/** Encodes entries as a DOL (tag, one length byte, repeated). */
export function buildDol(entries: readonly DolEntry[]): Buffer {
  checkEntries(entries);
  let size = 0;
  for (const entry of entries) size += tlvTagLengthBytes(entry.tag) + 1;
  if (size > dolBytesMax) {
    throw new BastionError('ISO_ERR_DOL', `the data object list would be ${size} bytes; at most ${dolBytesMax} are allowed`, { argument: 'entries', length: size });
  }
  const out = Buffer.allocUnsafe(size);
  let offset = 0;
  for (const entry of entries) {
    offset = writeTlvTag(entry.tag, tlvTagLengthBytes(entry.tag), out, offset);
    out[offset++] = entry.lengthBytes;
  }
  return out;
}

/** The number of bytes of data a DOL asks for. */
export function dolDataLength(entries: readonly DolEntry[]): number {
  return checkEntries(entries);
}

export interface DolDataOptions {
  /**
   * The format of a tag, which decides padding and truncation. Defaults to the EMV dictionary;
   * tags it does not know are treated as binary.
   */
  readonly formatOf?: (tag: number) => EmvFormat | undefined;
  /**
   * What to do when `values` has no entry for a tag: 'zeros' fills the space with zero bytes, as a
   * terminal must (Book 3 5.4 b); 'error' refuses, which is what a host rebuilding CDOL data for a
   * cryptogram wants, since a guessed zero would only turn into a cryptogram mismatch. Default 'zeros'.
   */
  readonly missing?: 'zeros' | 'error';
}

/**
 * The data a DOL asks for, built from tag → value (Book 3 5.4):
 * - a constructed tag gets zeros, whatever the values say (5.4 a);
 * - a value longer than asked is cut: numeric (n) keeps its rightmost bytes, anything else its
 *   leftmost (5.4 c);
 * - a shorter value is padded: n with leading zero bytes, cn with trailing FF bytes, anything else
 *   with trailing zero bytes (5.4 d).
 */
export function buildDolData(entries: readonly DolEntry[], values: ReadonlyMap<number, Uint8Array>, options: DolDataOptions = {}): Buffer {
  const out = Buffer.alloc(checkEntries(entries));
  const formatOf = options.formatOf ?? ((tag: number) => emvTagInfo(tag)?.format);
  let offset = 0;
  for (const entry of entries) {
    const wanted = entry.lengthBytes;
    const value = values.get(entry.tag);
    if (value === undefined && options.missing === 'error') {
      throw new BastionError('ISO_ERR_DOL', `no value was given for tag ${tlvTagHex(entry.tag)}, which the data object list asks for`, {
        tag: tlvTagHex(entry.tag),
      });
    }
    if (value !== undefined && !isConstructedTag(entry.tag)) {
      const format = formatOf(entry.tag) ?? 'b';
      if (value.length >= wanted) {
        const start = format === 'n' ? value.length - wanted : 0;
        out.set(value.subarray(start, start + wanted), offset);
      } else if (format === 'n') {
        out.set(value, offset + wanted - value.length);
      } else {
        out.set(value, offset);
        if (format === 'cn') out.fill(0xff, offset + value.length, offset + wanted);
      }
    }
    offset += wanted;
  }
  return out;
}

/**
 * Splits DOL data back into one value per entry, in order (views into `data`, not copies). The
 * data must be exactly as long as the DOL asks for.
 */
export function splitDolData(entries: readonly DolEntry[], data: Uint8Array): TlvPrimitive[] {
  const expected = checkEntries(entries);
  if (data.length !== expected) {
    throw new BastionError('ISO_ERR_DOL', `the data is ${data.length} bytes but the data object list asks for ${expected}`, {
      length: data.length,
      lengthExpected: expected,
    });
  }
  const buffer = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const values: TlvPrimitive[] = [];
  let offset = 0;
  for (const entry of entries) {
    values.push({ tag: entry.tag, value: buffer.subarray(offset, offset + entry.lengthBytes) });
    offset += entry.lengthBytes;
  }
  return values;
}

/** Checks hand-made entries (bounded count, valid tags, one-byte lengths); returns the data length. */
function checkEntries(entries: readonly DolEntry[]): number {
  if (entries.length > dolEntryCountMax) {
    throw new BastionError('ISO_ERR_DOL', `a data object list has at most ${dolEntryCountMax} entries; got ${entries.length}`, {
      argument: 'entries',
      count: entries.length,
    });
  }
  let total = 0;
  for (const [index, entry] of entries.entries()) {
    if (tlvTagLengthBytes(entry.tag) === 0) {
      throw new BastionError('ISO_ERR_DOL', `entry ${index} does not have a well-formed tag`, { argument: 'entries', index });
    }
    if (!Number.isInteger(entry.lengthBytes) || entry.lengthBytes < 0 || entry.lengthBytes > dolEntryLengthMax) {
      throw new BastionError('ISO_ERR_DOL', `entry ${index} (tag ${tlvTagHex(entry.tag)}) must ask for 0 to ${dolEntryLengthMax} bytes`, {
        argument: 'entries',
        index,
        tag: tlvTagHex(entry.tag),
      });
    }
    total += entry.lengthBytes;
  }
  return total;
}

function dolError(message: string, details: ErrorDetails): BastionError {
  return new BastionError('ISO_ERR_DOL', message, details);
}
