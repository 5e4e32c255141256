/**
 * BER-TLV length fields (EMV 4.4 Book 3 Annex B2). Short form: one byte 0x00–0x7F is the length.
 * Long form: 0x81, 0x82 or 0x83 says that 1, 2 or 3 big-endian bytes of length follow. The
 * indefinite form 0x80 and anything from 0x84 up are not EMV and are refused when reading.
 */

/** Long-form length fields carry at most 3 bytes after the 0x8n byte. */
export const tlvLengthBytesMax = 3;

/** The largest value length a 3-byte long form can state. */
export const tlvValueBytesMax = 0xff_ffff;

/** How many bytes the canonical (shortest) length field for `lengthBytes` takes. */
export function tlvLengthFieldBytes(lengthBytes: number): number {
  if (lengthBytes < 0x80) return 1;
  if (lengthBytes <= 0xff) return 2;
  if (lengthBytes <= 0xffff) return 3;
  return 4;
}

/** The smallest length that needs `count` long-form bytes; smaller ones are not minimal there. */
export function tlvLongFormMinimum(count: number): number {
  return count === 1 ? 0x80 : 2 ** (8 * (count - 1));
}

/** Writes the canonical length field for `lengthBytes` (≤ tlvValueBytesMax) at `offset`. */
export function writeTlvLength(lengthBytes: number, out: Buffer, offset: number): number {
  const fieldBytes = tlvLengthFieldBytes(lengthBytes);
  if (fieldBytes === 1) {
    out[offset] = lengthBytes;
    return offset + 1;
  }
  const count = fieldBytes - 1;
  out[offset++] = 0x80 | count;
  for (let index = count - 1; index >= 0; index--) out[offset++] = (lengthBytes >>> (8 * index)) & 0xff;
  return offset;
}
