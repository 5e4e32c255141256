import { BastionError } from '../errors/index.js';
import { buildTlv, type TlvPrimitive } from './ber-tlv.js';
import { dolBytesMax } from './dol.js';
import { readNumeric, readNumericBigInt, readUnsigned, writeNumeric, writeUnsigned } from './formats.js';
import { tlvTagHex } from './tag.js';
import { checkedLength, recordValues, requiredValue } from './unionpay-fields.js';

/**
 * IC card application parameters (one record per AID) as UnionPay POS hosts send them in field 62
 * of the IC parameter download reply (0810, 60.3 = 380). Tags and order follow ConardLKL/posp_server
 * (M_DownParameterChecker); value formats follow how terminals read them (CaoEnXin/LiaoYang_POS
 * tranproc.c SaveAppParamItem) and the records of teddy-lee/AIAUnionPay (CapkParamsInfo.aParams).
 * The terminal risk management meanings are those of EMV 4.4 Book 3 section 10.6 and Book 4.
 *
 * | tag | field | value |
 * |---|---|---|
 * | 9F06 | aid | application identifier, 5 to 16 bytes |
 * | DF01 | partialSelection | application selection indicator, 1 byte: 0x00 the card's AID must match exactly, 0x01 it may extend this AID (partial match) |
 * | 9F08 | appVersion | application version number, 2 bytes (posp_server notes that real terminals use 9F08 where the written spec says 9F09) |
 * | DF11 | tacDefault | terminal action code - default, 5 bytes |
 * | DF12 | tacOnline | terminal action code - online, 5 bytes |
 * | DF13 | tacDenial | terminal action code - denial, 5 bytes |
 * | 9F1B | floorLimitMinor | terminal floor limit, 4-byte binary, minor units |
 * | DF15 | biasedRandomThresholdMinor | threshold value for biased random selection, 4-byte binary, minor units |
 * | DF16 | biasedRandomMaxPercent | maximum target percentage for biased random selection, 1 BCD byte 0–99 |
 * | DF17 | randomTargetPercent | target percentage for random selection, 1 BCD byte 0–99 |
 * | DF14 | defaultDdol | default DDOL, up to 252 bytes, carried as bytes: read it with parseDol when needed. It is not checked here because real configurations hold malformed ones (AIAUnionPay sends DF14 02 9F37, a tag without its length); LiaoYang_POS loads it as the default TDOL |
 * | DF18 | onlinePinSupported | terminal online PIN capability, 1 byte: 0x01 yes, 0x00 no |
 * | 9F7B | ecTerminalLimitMinor | electronic cash terminal transaction limit, n12 BCD, minor units |
 * | DF19 | contactlessFloorLimitMinor | contactless offline floor limit, n12 BCD, minor units |
 * | DF20 | contactlessTransactionLimitMinor | contactless transaction limit, n12 BCD, minor units |
 * | DF21 | contactlessCvmLimitMinor | CVM required limit (above it the cardholder must be verified), n12 BCD, minor units |
 *
 * Every field but the AID is optional: hosts omit what a terminal does not use (older terminals
 * have no contactless reader). Amounts are bigint minor units, like all money in Bastion.
 */
export interface UnionPayAidFields<Bytes extends Uint8Array> {
  readonly aid: Bytes;
  readonly partialSelection?: boolean;
  readonly appVersion?: Bytes;
  readonly tacDefault?: Bytes;
  readonly tacOnline?: Bytes;
  readonly tacDenial?: Bytes;
  readonly floorLimitMinor?: bigint;
  readonly biasedRandomThresholdMinor?: bigint;
  readonly biasedRandomMaxPercent?: number;
  readonly randomTargetPercent?: number;
  readonly defaultDdol?: Bytes;
  readonly onlinePinSupported?: boolean;
  readonly ecTerminalLimitMinor?: bigint;
  readonly contactlessFloorLimitMinor?: bigint;
  readonly contactlessTransactionLimitMinor?: bigint;
  readonly contactlessCvmLimitMinor?: bigint;
}

export type UnionPayAid = UnionPayAidFields<Buffer>;
export type UnionPayAidInput = UnionPayAidFields<Uint8Array>;

type Field = keyof UnionPayAidFields<Uint8Array>;

/** How each field is carried: raw bytes of a length range, a 0/1 flag, or a number in some encoding. */
type Kind =
  | { readonly type: 'bytes'; readonly lengthMin: number; readonly lengthMax: number }
  | { readonly type: 'flag' }
  | { readonly type: 'binaryAmount'; readonly lengthBytes: number }
  | { readonly type: 'bcdAmount'; readonly lengthBytes: number }
  | { readonly type: 'bcdPercent' };

const tac: Kind = { type: 'bytes', lengthMin: 5, lengthMax: 5 };
const binary4: Kind = { type: 'binaryAmount', lengthBytes: 4 };
const n12: Kind = { type: 'bcdAmount', lengthBytes: 6 };
const percent: Kind = { type: 'bcdPercent' };
const flag: Kind = { type: 'flag' };

/** The record layout, in the order hosts send it. */
const layout: readonly (readonly [field: Field, tag: number, kind: Kind])[] = [
  ['aid', 0x9f06, { type: 'bytes', lengthMin: 5, lengthMax: 16 }],
  ['partialSelection', 0xdf01, flag],
  ['appVersion', 0x9f08, { type: 'bytes', lengthMin: 2, lengthMax: 2 }],
  ['tacDefault', 0xdf11, tac],
  ['tacOnline', 0xdf12, tac],
  ['tacDenial', 0xdf13, tac],
  ['floorLimitMinor', 0x9f1b, binary4],
  ['biasedRandomThresholdMinor', 0xdf15, binary4],
  ['biasedRandomMaxPercent', 0xdf16, percent],
  ['randomTargetPercent', 0xdf17, percent],
  ['defaultDdol', 0xdf14, { type: 'bytes', lengthMin: 0, lengthMax: dolBytesMax }],
  ['onlinePinSupported', 0xdf18, flag],
  ['ecTerminalLimitMinor', 0x9f7b, n12],
  ['contactlessFloorLimitMinor', 0xdf19, n12],
  ['contactlessTransactionLimitMinor', 0xdf20, n12],
  ['contactlessCvmLimitMinor', 0xdf21, n12],
];

/** Tag of each AID record field, for callers that build or inspect records by hand. */
export const aidTags: Readonly<Record<Field, number>> = Object.freeze(Object.fromEntries(layout.map(([field, tag]) => [field, tag])) as Record<Field, number>);

const percentMax = 99;

/** The TLV record of one AID, in posp_server's tag order; absent fields are left out. */
export function unionPayEncodeAid(params: UnionPayAidInput): Buffer {
  const nodes: TlvPrimitive[] = [];
  for (const [field, tag, kind] of layout) {
    const value: unknown = params[field];
    if (value === undefined && field !== 'aid') continue;
    nodes.push({ tag, value: encodeField(field, tag, kind, value) });
  }
  return buildTlv(nodes);
}

/** Reads one AID record. Tags it does not know are ignored, so that newer hosts can add some. */
export function unionPayDecodeAid(bytes: Uint8Array): UnionPayAid {
  return aidFromValues(recordValues(bytes));
}

export function aidFromValues(values: ReadonlyMap<number, Buffer>): UnionPayAid {
  const out: Record<string, unknown> = {};
  for (const [field, tag, kind] of layout) {
    const value = field === 'aid' ? requiredValue(values, tag, field) : values.get(tag);
    if (value !== undefined) out[field] = decodeField(field, tag, kind, value);
  }
  return out as unknown as UnionPayAid;
}

function encodeField(field: Field, tag: number, kind: Kind, value: unknown): Buffer {
  switch (kind.type) {
    case 'bytes':
      return Buffer.from(checkedLength(expectBytes(value, field), tag, field, kind.lengthMin, kind.lengthMax));
    case 'flag':
      if (typeof value !== 'boolean') throw wrongType(field, 'true or false');
      return Buffer.of(value ? 1 : 0);
    case 'binaryAmount':
      if (typeof value !== 'bigint') throw wrongType(field, 'a bigint amount in minor units');
      return writeUnsigned(value, kind.lengthBytes, field);
    case 'bcdAmount':
      if (typeof value !== 'bigint') throw wrongType(field, 'a bigint amount in minor units');
      return writeNumeric(value, kind.lengthBytes, field);
    case 'bcdPercent':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > percentMax) throw wrongType(field, `an integer percentage from 0 to ${percentMax}`);
      return writeNumeric(String(value), 1, field);
  }
}

function decodeField(field: Field, tag: number, kind: Kind, value: Buffer): unknown {
  switch (kind.type) {
    case 'bytes':
      return checkedLength(value, tag, field, kind.lengthMin, kind.lengthMax);
    case 'flag': {
      const byte = checkedLength(value, tag, field, 1)[0];
      if (byte !== 0 && byte !== 1) {
        throw new BastionError('ISO_ERR_ENCODING', `${field} (tag ${tlvTagHex(tag)}) must be 0x00 or 0x01`, { tag: tlvTagHex(tag), field });
      }
      return byte === 1;
    }
    case 'binaryAmount':
      return BigInt(readUnsigned(checkedLength(value, tag, field, kind.lengthBytes), tag));
    case 'bcdAmount':
      return readNumericBigInt(checkedLength(value, tag, field, kind.lengthBytes), tag);
    case 'bcdPercent':
      return Number(readNumeric(checkedLength(value, tag, field, 1), tag));
  }
}

function expectBytes(value: unknown, field: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw wrongType(field, 'bytes');
  return value;
}

function wrongType(field: string, what: string): BastionError {
  return new BastionError('ISO_ERR_FIELD_VALUE', `${field} must be ${what}`, { field });
}
