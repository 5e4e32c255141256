import { BastionError } from '../errors/index.js';
import { buildTlv, parseTlvFrom, type TlvPrimitive } from './ber-tlv.js';
import { tlvTagHex } from './tag.js';
import { aidFromValues, aidTags, unionPayEncodeAid, type UnionPayAid, type UnionPayAidInput } from './unionpay-aid.js';
import {
  capkFromValues,
  capkIdentityFromValues,
  capkIdentityNodes,
  capkRidBytes,
  capkTags,
  unionPayEncodeCapk,
  type UnionPayCapk,
  type UnionPayCapkIdentity,
  type UnionPayCapkIdentityInput,
  type UnionPayCapkInput,
} from './unionpay-capk.js';
import { checkedByte, checkedLength, recordValues, requiredValue, unionPayField62BytesMax } from './unionpay-fields.js';

/**
 * Field 62 of the UnionPay POS parameter exchanges: CAPK query (0820 / 0830, 60.3 = 372) and
 * download (0800 / 0810, 370), IC parameter (AID) query (382) and download (380). The layouts come
 * from the host side of ConardLKL/posp_server (M_DownCAPkInfoChecker, M_DownParameterChecker) and
 * the terminal side of CaoEnXin/LiaoYang_POS (tranproc.c QueryEmvCapk, DownLoadCAPK,
 * QueryEmvParam, DownLoadEmvParam, UnpackTlvData), which agree:
 *
 * - Query request (terminal → host): ASCII '1' then the number of entries the terminal has
 *   already received, as decimal digits ("1%02d": '1', '0', '0' on the first query).
 * - Query reply (host → terminal): one status byte, then TLV. The status is ASCII '0' (0x30) none
 *   to download, '1' (0x31) this is the last page, '2' (0x32) more pages follow: the terminal asks
 *   again with its new count. CAPK pages list 9F06 RID, 9F22 index and DF05 expiry per key; AID
 *   pages list one 9F06 per AID.
 * - Download request (terminal → host): TLV only, no status byte: 9F06 + 9F22 for a CAPK, 9F06
 *   for an AID.
 * - Download reply: status '1' then the whole record (see unionpay-capk.ts, unionpay-aid.ts), or
 *   status '0' alone when the host has no such key or AID.
 *
 * Errors point into field 62 itself: offsets count the status byte.
 */
export type UnionPayParamStatus = 'none' | 'complete' | 'more';

const statusBytes: Readonly<Record<UnionPayParamStatus, number>> = { none: 0x30, complete: 0x31, more: 0x32 };
const queryMarker = 0x31;
/** Terminals write the count with "%02d"; 3 digits are read so that a host tolerates 100+ entries. */
export const paramQueryCountDigitsMax = 3;
/** Largest count a 2-digit query request can carry. */
export const paramQueryCountMax = 99;

export interface UnionPayParamQuery {
  /** How many entries the terminal already holds from earlier pages of this query. */
  readonly receivedCount: number;
}

export function unionPayEncodeParamQuery(query: UnionPayParamQuery): Buffer {
  checkedByte(query.receivedCount, 'receivedCount', paramQueryCountMax);
  return Buffer.from(`1${String(query.receivedCount).padStart(2, '0')}`, 'latin1');
}

export function unionPayDecodeParamQuery(bytes: Uint8Array): UnionPayParamQuery {
  const digits = bytes.length - 1;
  if (digits < 1 || digits > paramQueryCountDigitsMax) {
    throw new BastionError('ISO_ERR_LENGTH', `a parameter query is '1' and 1 to ${paramQueryCountDigitsMax} digits, got ${bytes.length} bytes`, {
      field: 'query',
      length: bytes.length,
    });
  }
  if (bytes[0] !== queryMarker) {
    throw new BastionError('ISO_ERR_ENCODING', "a parameter query must start with ASCII '1'", { field: 'query', offset: 0 });
  }
  let receivedCount = 0;
  for (let index = 1; index < bytes.length; index++) {
    const digit = (bytes[index] as number) - 48;
    if (digit < 0 || digit > 9) {
      throw new BastionError('ISO_ERR_ENCODING', 'the count in a parameter query must be ASCII digits', { field: 'receivedCount', offset: index });
    }
    receivedCount = receivedCount * 10 + digit;
  }
  return { receivedCount };
}

export interface UnionPayCapkList {
  readonly status: UnionPayParamStatus;
  readonly entries: UnionPayCapkIdentity[];
}

export interface UnionPayAidList {
  readonly status: UnionPayParamStatus;
  readonly aids: Buffer[];
}

/** A CAPK query reply: status, then RID, index and expiry of each key. */
export function unionPayEncodeCapkList(status: UnionPayParamStatus, entries: readonly UnionPayCapkIdentityInput[]): Buffer {
  return withStatus(status, entries.length, buildTlv(entries.flatMap(capkIdentityNodes)));
}

export function unionPayDecodeCapkList(bytes: Uint8Array): UnionPayCapkList {
  const status = readStatus(bytes, false);
  const entries: UnionPayCapkIdentity[] = [];
  let current: Map<number, Buffer> | undefined;
  for (const node of listNodes(bytes)) {
    if (node.tag === capkTags.rid) {
      if (current !== undefined) entries.push(capkIdentityFromValues(current));
      current = new Map([[node.tag, node.value]]);
    } else if (node.tag === capkTags.index || node.tag === capkTags.expiryDate) {
      if (current === undefined || current.has(node.tag)) {
        throw new BastionError('ISO_ERR_TLV', `tag ${tlvTagHex(node.tag)} must follow its own 9F06 in a CAPK list`, { tag: tlvTagHex(node.tag) });
      }
      current.set(node.tag, node.value);
    }
  }
  if (current !== undefined) entries.push(capkIdentityFromValues(current));
  return { status: expectEntries(status, entries.length), entries };
}

/** An AID query reply: status, then one 9F06 per AID. */
export function unionPayEncodeAidList(status: UnionPayParamStatus, aids: readonly Uint8Array[]): Buffer {
  return withStatus(status, aids.length, buildTlv(aids.map(aidNode)));
}

export function unionPayDecodeAidList(bytes: Uint8Array): UnionPayAidList {
  const status = readStatus(bytes, false);
  const aids = listNodes(bytes)
    .filter((node) => node.tag === aidTags.aid)
    .map((node) => checkedLength(node.value, aidTags.aid, 'aid', 5, 16));
  return { status: expectEntries(status, aids.length), aids };
}

/**
 * The reply to a CAPK query from a terminal that holds `receivedCount` entries: as many of the
 * remaining keys as fit in `bytesMax` bytes, marked '2' when more remain and '1' when this page is
 * the last, or '0' when the host has no keys at all.
 */
export function unionPayCapkListPage(all: readonly UnionPayCapkIdentityInput[], receivedCount: number, bytesMax = unionPayField62BytesMax): Buffer {
  return page(
    all.map((entry) => buildTlv(capkIdentityNodes(entry))),
    receivedCount,
    bytesMax,
  );
}

/** The reply to an AID query, paged like unionPayCapkListPage. */
export function unionPayAidListPage(all: readonly Uint8Array[], receivedCount: number, bytesMax = unionPayField62BytesMax): Buffer {
  return page(
    all.map((aid) => buildTlv([aidNode(aid)])),
    receivedCount,
    bytesMax,
  );
}

export interface UnionPayCapkKey {
  readonly rid: Buffer;
  readonly index: number;
}

export function unionPayEncodeCapkDownloadRequest(key: { readonly rid: Uint8Array; readonly index: number }): Buffer {
  return buildTlv([
    { tag: capkTags.rid, value: checkedLength(key.rid, capkTags.rid, 'rid', capkRidBytes) },
    { tag: capkTags.index, value: Buffer.of(checkedByte(key.index, 'index')) },
  ]);
}

export function unionPayDecodeCapkDownloadRequest(bytes: Uint8Array): UnionPayCapkKey {
  const values = recordValues(bytes);
  return {
    rid: checkedLength(requiredValue(values, capkTags.rid, 'rid'), capkTags.rid, 'rid', capkRidBytes),
    index: checkedLength(requiredValue(values, capkTags.index, 'index'), capkTags.index, 'index', 1)[0] as number,
  };
}

export function unionPayEncodeAidDownloadRequest(aid: Uint8Array): Buffer {
  return buildTlv([aidNode(aid)]);
}

export function unionPayDecodeAidDownloadRequest(bytes: Uint8Array): Buffer {
  return checkedLength(requiredValue(recordValues(bytes), aidTags.aid, 'aid'), aidTags.aid, 'aid', 5, 16);
}

/** Status '1' and the key's record, or '0' alone when the host has no such key. */
export function unionPayEncodeCapkDownloadReply(capk: UnionPayCapkInput | undefined): Buffer {
  return capk === undefined ? Buffer.of(statusBytes.none) : Buffer.concat([Buffer.of(statusBytes.complete), unionPayEncodeCapk(capk)]);
}

/** The key in a download reply, or undefined when the host said it has none. */
export function unionPayDecodeCapkDownloadReply(bytes: Uint8Array): UnionPayCapk | undefined {
  return readStatus(bytes, true) === 'none' ? undefined : capkFromValues(recordValues(bytes, 1));
}

export function unionPayEncodeAidDownloadReply(params: UnionPayAidInput | undefined): Buffer {
  return params === undefined ? Buffer.of(statusBytes.none) : Buffer.concat([Buffer.of(statusBytes.complete), unionPayEncodeAid(params)]);
}

export function unionPayDecodeAidDownloadReply(bytes: Uint8Array): UnionPayAid | undefined {
  return readStatus(bytes, true) === 'none' ? undefined : aidFromValues(recordValues(bytes, 1));
}

function aidNode(aid: Uint8Array): TlvPrimitive {
  return { tag: aidTags.aid, value: Buffer.from(checkedLength(aid, aidTags.aid, 'aid', 5, 16)) };
}

function withStatus(status: UnionPayParamStatus, count: number, tlv: Buffer): Buffer {
  if (!Object.hasOwn(statusBytes, status)) {
    throw new BastionError('ISO_ERR_FIELD_VALUE', "status must be 'none', 'complete' or 'more'", { field: 'status' });
  }
  if (status === 'none' && count > 0) {
    throw new BastionError('ISO_ERR_FIELD_VALUE', "a reply with status 'none' cannot list entries", { field: 'status', count });
  }
  return Buffer.concat([Buffer.of(statusBytes[status]), tlv]);
}

/** The status byte; a download reply knows only '0' and '1', and '0' stands alone. */
function readStatus(bytes: Uint8Array, download: boolean): UnionPayParamStatus {
  if (bytes.length === 0) {
    throw new BastionError('ISO_ERR_LENGTH', 'a parameter reply needs at least its status byte', { field: 'status', length: 0 });
  }
  const byte = bytes[0];
  const status = byte === statusBytes.none ? 'none' : byte === statusBytes.complete ? 'complete' : byte === statusBytes.more && !download ? 'more' : undefined;
  if (status === undefined) {
    throw new BastionError('ISO_ERR_ENCODING', `a parameter reply status must be ASCII ${download ? "'0' or '1'" : "'0', '1' or '2'"}`, {
      field: 'status',
      offset: 0,
    });
  }
  if (status === 'none' && download && bytes.length > 1) {
    throw new BastionError('ISO_ERR_TRAILING_DATA', `a download reply with status '0' carries nothing else, but ${bytes.length - 1} bytes follow`, {
      field: 'status',
      offset: 1,
    });
  }
  return status;
}

function listNodes(bytes: Uint8Array): TlvPrimitive[] {
  // Depth 1: pages hold primitives only. A template with content fails the parse; an empty one
  // carries nothing and is skipped like any other tag the list does not use.
  return parseTlvFrom(bytes, 1, { depthMax: 1 }).filter((node): node is TlvPrimitive => 'value' in node);
}

function expectEntries(status: UnionPayParamStatus, count: number): UnionPayParamStatus {
  if (status === 'none' && count > 0) {
    throw new BastionError('ISO_ERR_TRAILING_DATA', `a reply with status '0' lists ${count} entries`, { field: 'status', count });
  }
  return status;
}

function page(chunks: readonly Buffer[], receivedCount: number, bytesMax: number): Buffer {
  if (!Number.isInteger(receivedCount) || receivedCount < 0) {
    throw new BastionError('ISO_ERR_FIELD_VALUE', 'receivedCount must be a whole number from 0', { field: 'receivedCount' });
  }
  if (!Number.isInteger(bytesMax) || bytesMax < 2 || bytesMax > 999) {
    throw new BastionError('ISO_ERR_FIELD_VALUE', 'bytesMax must be an integer from 2 to 999 (field 62 is LLLVAR)', { field: 'bytesMax' });
  }
  if (chunks.length === 0) return Buffer.of(statusBytes.none);
  const first = Math.min(receivedCount, chunks.length);
  let next = first;
  let size = 1;
  while (next < chunks.length && size + (chunks[next] as Buffer).length <= bytesMax) size += (chunks[next++] as Buffer).length;
  if (next === first && next < chunks.length) {
    throw new BastionError('ISO_ERR_LENGTH', `entry ${first} alone does not fit a reply of ${bytesMax} bytes`, { field: 'bytesMax', index: first });
  }
  const status = next < chunks.length ? statusBytes.more : statusBytes.complete;
  return Buffer.concat([Buffer.of(status), ...chunks.slice(first, next)], size);
}
