import { BastionError } from '../errors/index.js';

/**
 * BER-TLV tags (EMV 4.4 Book 3 Annex B1, ISO/IEC 7816-4 5.2, ISO/IEC 8825-1).
 *
 * A tag is held as the number its bytes spell, big-endian: `0x9F26` is the two bytes 9F 26, not
 * ASN.1's decoded tag number 0x26. That is how EMV books, terminals and logs name tags, and it
 * makes a tag round-trip to exactly the bytes it came from.
 *
 * Layout: if the low five bits of the first byte are all set, more tag bytes follow; each further
 * byte with b8 set announces yet another. Bit 6 (0x20) of the first byte marks a constructed data
 * object, whose value is itself a list of TLV objects. EMV tags are at most 3 bytes long; we accept
 * 4 so that proprietary tags still parse, and nothing longer.
 */
export const tlvTagBytesMax = 4;

/** Bytes 0x00 and 0xFF may sit before, between and after objects (EMV Book 3 B1) and are skipped. */
export function isTlvPaddingByte(byte: number): boolean {
  return byte === 0x00 || byte === 0xff;
}

/**
 * The number of bytes in the encoding of `tag`, or 0 when `tag` is not a well-formed tag: a
 * positive integer whose bytes follow the rules above, and whose first byte is not 0xFF (a parser
 * would skip it as padding, so it could never be read back).
 */
export function tlvTagLengthBytes(tag: number): number {
  if (!Number.isInteger(tag) || tag <= 0 || tag > 0xffff_ffff) return 0;
  const lengthBytes = tag <= 0xff ? 1 : tag <= 0xffff ? 2 : tag <= 0xff_ffff ? 3 : 4;
  const first = tagByte(tag, lengthBytes - 1);
  if (first === 0xff) return 0;
  const announcesMore = (first & 0x1f) === 0x1f;
  if (lengthBytes === 1) return announcesMore ? 0 : 1;
  if (!announcesMore) return 0;
  for (let index = lengthBytes - 2; index >= 0; index--) {
    const hasMoreBit = (tagByte(tag, index) & 0x80) !== 0;
    // Every subsequent byte but the last has b8 set; the last has it clear.
    if (hasMoreBit !== index > 0) return 0;
  }
  return lengthBytes;
}

/** True when `tag` names a constructed object (a template): bit 6 of its first byte. */
export function isConstructedTag(tag: number): boolean {
  const lengthBytes = Math.max(1, tlvTagLengthBytes(tag));
  return (tagByte(tag, lengthBytes - 1) & 0x20) !== 0;
}

/** Uppercase hex of a tag, two characters per byte: 0x9F26 → '9F26', 0x5A → '5A'. */
export function tlvTagHex(tag: number): string {
  const hex = tag.toString(16).toUpperCase();
  return hex.length % 2 === 0 ? hex : `0${hex}`;
}

const tagHexPattern = /^(?:[0-9A-Fa-f]{2}){1,4}$/;

/** Parses a tag from hex ('9F26' → 0x9F26); throws ISO_ERR_TLV unless it is a well-formed tag. */
export function tlvTagFromHex(text: string, argument = 'tag'): number {
  const tag = tagHexPattern.test(text) ? Number.parseInt(text, 16) : 0;
  const lengthBytes = tlvTagLengthBytes(tag);
  // Also refuses leading zero bytes ('009F26'): they would not survive a round trip.
  if (lengthBytes === 0 || lengthBytes * 2 !== text.length) {
    throw new BastionError('ISO_ERR_TLV', `${argument} must be a BER-TLV tag of 1 to ${tlvTagBytesMax} bytes in hex, such as 9F26`, {
      argument,
      length: text.length,
    });
  }
  return tag;
}

/** Throws ISO_ERR_TLV unless `tag` is a well-formed tag number; returns its length in bytes. */
export function assertTlvTag(tag: number, argument = 'tag'): number {
  const lengthBytes = tlvTagLengthBytes(tag);
  if (lengthBytes === 0) {
    const named = Number.isInteger(tag) && tag > 0 && tag <= 0xffff_ffff ? { tag: tlvTagHex(tag) } : {};
    throw new BastionError('ISO_ERR_TLV', `${argument} is not a well-formed BER-TLV tag of 1 to ${tlvTagBytesMax} bytes`, { argument, ...named });
  }
  return lengthBytes;
}

/** Writes the bytes of a valid tag of `lengthBytes` bytes at `offset`; returns the next offset. */
export function writeTlvTag(tag: number, lengthBytes: number, out: Buffer, offset: number): number {
  for (let index = lengthBytes - 1; index >= 0; index--) out[offset++] = tagByte(tag, index);
  return offset;
}

/** Byte `index` of `tag`, counting from the least significant; `>>>` reads all 32 bits unsigned. */
function tagByte(tag: number, index: number): number {
  return (tag >>> (8 * index)) & 0xff;
}
