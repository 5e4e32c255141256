import { createHash } from 'node:crypto';
import { BastionError } from '../errors/index.js';
import { buildTlv, type TlvPrimitive } from './ber-tlv.js';
import { readNumeric } from './formats.js';
import { checkedByte, checkedLength, recordValues, requiredValue } from './unionpay-fields.js';

/**
 * Certification authority public keys (CAPKs) as UnionPay POS hosts send them in field 62 of the
 * CAPK download reply (0810, 60.3 = 370). The tags and their order follow ConardLKL/posp_server
 * (M_DownCAPkInfoChecker) and the records of teddy-lee/AIAUnionPay (CapkParamsInfo); the meanings
 * are those of EMV 4.4 Book 2 section 11.2.2, which lists the same key-related data:
 *
 * | tag | field | value |
 * |---|---|---|
 * | 9F06 | rid | registered application provider identifier, 5 bytes (A000000333 is UnionPay) |
 * | 9F22 | index | CA public key index, 1 byte |
 * | DF05 | expiryDate | key expiry date YYYYMMDD, sent as 8 ASCII digits ("CUP returns an ASCII digit string", LiaoYang_POS tranproc.c); 4 BCD bytes are accepted when reading |
 * | DF06 | hashAlgorithm | hash algorithm indicator, 1 byte: 0x01 = SHA-1 |
 * | DF07 | publicKeyAlgorithm | public key algorithm indicator, 1 byte: 0x01 = RSA (posp_server marks SM2 keys 0x04) |
 * | DF02 | modulus | public key modulus, 1 to 248 bytes |
 * | DF04 | exponent | public key exponent, 1 or 3 bytes (3 or 65537) |
 * | DF03 | checksum | optional, 20 bytes: SHA-1 of RID ‖ index ‖ modulus ‖ exponent |
 */
export const capkTags = {
  rid: 0x9f06,
  index: 0x9f22,
  expiryDate: 0xdf05,
  hashAlgorithm: 0xdf06,
  publicKeyAlgorithm: 0xdf07,
  modulus: 0xdf02,
  exponent: 0xdf04,
  checksum: 0xdf03,
} as const;

export const capkRidBytes = 5;
/** EMV's largest CA modulus (Book 2 table: NCA ≤ 248). */
export const capkModulusBytesMax = 248;
export const capkChecksumBytes = 20;

/** The fields every CAPK list entry carries: which key, and until when. */
export interface UnionPayCapkIdentityFields<Bytes extends Uint8Array> {
  readonly rid: Bytes;
  readonly index: number;
  /** YYYYMMDD. */
  readonly expiryDate: string;
}

export interface UnionPayCapkFields<Bytes extends Uint8Array> extends UnionPayCapkIdentityFields<Bytes> {
  readonly hashAlgorithm: number;
  readonly publicKeyAlgorithm: number;
  readonly modulus: Bytes;
  readonly exponent: Bytes;
  readonly checksum?: Bytes;
}

export type UnionPayCapkIdentity = UnionPayCapkIdentityFields<Buffer>;
export type UnionPayCapkIdentityInput = UnionPayCapkIdentityFields<Uint8Array>;
export type UnionPayCapk = UnionPayCapkFields<Buffer>;
export type UnionPayCapkInput = UnionPayCapkFields<Uint8Array>;

/** The TLV objects of a CAPK's identity (9F06, 9F22, DF05), as the query reply lists them. */
export function capkIdentityNodes(capk: UnionPayCapkIdentityInput): TlvPrimitive[] {
  return [
    { tag: capkTags.rid, value: Buffer.from(checkedLength(capk.rid, capkTags.rid, 'rid', capkRidBytes)) },
    { tag: capkTags.index, value: Buffer.of(checkedByte(capk.index, 'index')) },
    { tag: capkTags.expiryDate, value: encodeExpiryDate(capk.expiryDate) },
  ];
}

/** A CAPK as the TLV record of the download reply, in posp_server's tag order. */
export function unionPayEncodeCapk(capk: UnionPayCapkInput): Buffer {
  const nodes = capkIdentityNodes(capk);
  nodes.push(
    { tag: capkTags.hashAlgorithm, value: Buffer.of(checkedByte(capk.hashAlgorithm, 'hashAlgorithm')) },
    { tag: capkTags.publicKeyAlgorithm, value: Buffer.of(checkedByte(capk.publicKeyAlgorithm, 'publicKeyAlgorithm')) },
    { tag: capkTags.modulus, value: Buffer.from(checkedLength(capk.modulus, capkTags.modulus, 'modulus', 1, capkModulusBytesMax)) },
    { tag: capkTags.exponent, value: Buffer.from(checkedLength(capk.exponent, capkTags.exponent, 'exponent', 1, 3)) },
  );
  if (capk.checksum !== undefined) {
    nodes.push({ tag: capkTags.checksum, value: Buffer.from(checkedLength(capk.checksum, capkTags.checksum, 'checksum', capkChecksumBytes)) });
  }
  return buildTlv(nodes);
}

/** Reads a CAPK record. Tags it does not know are ignored, so that newer hosts can add some. */
export function unionPayDecodeCapk(bytes: Uint8Array): UnionPayCapk {
  return capkFromValues(recordValues(bytes));
}

export function capkFromValues(values: ReadonlyMap<number, Buffer>): UnionPayCapk {
  const capk: UnionPayCapk = {
    ...capkIdentityFromValues(values),
    hashAlgorithm: byteOf(values, capkTags.hashAlgorithm, 'hashAlgorithm'),
    publicKeyAlgorithm: byteOf(values, capkTags.publicKeyAlgorithm, 'publicKeyAlgorithm'),
    modulus: checkedLength(requiredValue(values, capkTags.modulus, 'modulus'), capkTags.modulus, 'modulus', 1, capkModulusBytesMax),
    exponent: checkedLength(requiredValue(values, capkTags.exponent, 'exponent'), capkTags.exponent, 'exponent', 1, 3),
  };
  const checksum = values.get(capkTags.checksum);
  return checksum === undefined ? capk : { ...capk, checksum: checkedLength(checksum, capkTags.checksum, 'checksum', capkChecksumBytes) };
}

export function capkIdentityFromValues(values: ReadonlyMap<number, Buffer>): UnionPayCapkIdentity {
  return {
    rid: checkedLength(requiredValue(values, capkTags.rid, 'rid'), capkTags.rid, 'rid', capkRidBytes),
    index: byteOf(values, capkTags.index, 'index'),
    expiryDate: decodeExpiryDate(requiredValue(values, capkTags.expiryDate, 'expiryDate')),
  };
}

/**
 * The CAPK check sum of EMV Book 2 11.2.2: SHA-1 over RID ‖ index ‖ modulus ‖ exponent. A host
 * checks it when it loads keys; terminals check it before they install one.
 */
export function unionPayCapkChecksum(capk: Pick<UnionPayCapkInput, 'rid' | 'index' | 'modulus' | 'exponent'>): Buffer {
  return createHash('sha1')
    .update(capk.rid)
    .update(Buffer.of(checkedByte(capk.index, 'index')))
    .update(capk.modulus)
    .update(capk.exponent)
    .digest();
}

function byteOf(values: ReadonlyMap<number, Buffer>, tag: number, field: string): number {
  return checkedLength(requiredValue(values, tag, field), tag, field, 1)[0] as number;
}

const expiryDigits = 8;

function encodeExpiryDate(expiryDate: string): Buffer {
  if (!isCalendarDate(expiryDate)) {
    throw new BastionError('ISO_ERR_FIELD_VALUE', 'expiryDate must be a date written YYYYMMDD', { field: 'expiryDate', length: expiryDate.length });
  }
  return Buffer.from(expiryDate, 'latin1');
}

function decodeExpiryDate(value: Buffer): string {
  if (value.length !== expiryDigits && value.length !== expiryDigits / 2) {
    throw new BastionError('ISO_ERR_LENGTH', `expiryDate (tag DF05) must be 8 ASCII digits or 4 BCD bytes, got ${value.length} bytes`, {
      tag: 'DF05',
      field: 'expiryDate',
      length: value.length,
    });
  }
  const text = value.length === expiryDigits ? value.toString('latin1') : readNumeric(value, capkTags.expiryDate);
  if (!isCalendarDate(text)) {
    throw new BastionError('ISO_ERR_ENCODING', 'expiryDate (tag DF05) is not a date YYYYMMDD in ASCII digits or BCD', {
      tag: 'DF05',
      field: 'expiryDate',
      length: value.length,
    });
  }
  return text;
}

/** Eight digits YYYYMMDD with a month 01–12 and a day 01–31 (the calendar beyond that is not checked). */
function isCalendarDate(text: string): boolean {
  if (text.length !== expiryDigits) return false;
  for (let index = 0; index < expiryDigits; index++) {
    const code = text.charCodeAt(index);
    if (code < 48 || code > 57) return false;
  }
  const month = Number(text.slice(4, 6));
  const day = Number(text.slice(6, 8));
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}
