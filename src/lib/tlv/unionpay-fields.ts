import { BastionError } from '../errors/index.js';
import { parseTlvFrom } from './ber-tlv.js';
import { tlvMap } from './query.js';
import { tlvTagHex } from './tag.js';

/**
 * Shared checks for the UnionPay field 62 parameter records (CAPK and AID). Records are flat TLV
 * lists of primitive objects; a tag given twice is refused (tlvMap), a required tag that is missing
 * is ISO_ERR_TLV, a value of the wrong size ISO_ERR_LENGTH, each naming the tag and the record
 * field, never the value.
 */

/** Field 62 is LLLVAR; the LiaoYang_POS terminal keeps 512 bytes for it (st8583.h LEN_FIELD62). */
export const unionPayField62BytesMax = 512;

/** A flat record from bytes[start..]: top-level primitives only (depth 1), as tag → value. */
export function recordValues(bytes: Uint8Array, start = 0): Map<number, Buffer> {
  return tlvMap(parseTlvFrom(bytes, start, { depthMax: 1 }));
}

export function requiredValue(values: ReadonlyMap<number, Buffer>, tag: number, field: string): Buffer {
  const value = values.get(tag);
  if (value === undefined) {
    throw new BastionError('ISO_ERR_TLV', `the record has no tag ${tlvTagHex(tag)} (${field})`, { tag: tlvTagHex(tag), field });
  }
  return value;
}

/** Throws ISO_ERR_LENGTH unless `value` is `lengthMin` to `lengthMax` bytes; returns it. */
export function checkedLength<T extends Uint8Array>(value: T, tag: number, field: string, lengthMin: number, lengthMax = lengthMin): T {
  if (value.length < lengthMin || value.length > lengthMax) {
    const range = lengthMin === lengthMax ? `${lengthMin}` : `${lengthMin} to ${lengthMax}`;
    throw new BastionError('ISO_ERR_LENGTH', `${field} (tag ${tlvTagHex(tag)}) must be ${range} bytes, got ${value.length}`, {
      tag: tlvTagHex(tag),
      field,
      length: value.length,
    });
  }
  return value;
}

/** Throws ISO_ERR_FIELD_VALUE unless `value` is an integer from 0 to `max`. */
export function checkedByte(value: number, field: string, max = 0xff): number {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new BastionError('ISO_ERR_FIELD_VALUE', `${field} must be an integer from 0 to ${max}`, { field });
  }
  return value;
}
