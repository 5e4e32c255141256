import { BastionError } from '../errors/index.js';
import { tlvLengthBytesMax, tlvLengthFieldBytes, tlvLongFormMinimum, tlvValueBytesMax, writeTlvLength } from './length.js';
import { assertTlvTag, isConstructedTag, isTlvPaddingByte, tlvTagBytesMax, tlvTagHex, writeTlvTag } from './tag.js';

/**
 * EMV BER-TLV (EMV 4.4 Book 3 Annex B, ISO/IEC 7816-4): parse bytes into a tree of nodes and
 * build it back. Field 55 of a card transaction, the card's records and templates, and UnionPay's
 * field 62 parameter lists all use it.
 *
 * Parsing treats its input as hostile: every length is checked against the bytes that are really
 * there before anything is sliced, nesting depth and node count are bounded, and every failure is
 * an ISO_ERR_TLV whose details give the offset and the tag number, never the value bytes.
 */

/** A primitive data object: a tag and its value (a view into the parsed input, not a copy). */
export interface TlvPrimitive {
  readonly tag: number;
  readonly value: Buffer;
}

/** A constructed data object (a template): a tag and the objects inside it, in order. */
export interface TlvConstructed {
  readonly tag: number;
  readonly children: readonly TlvNode[];
}

export type TlvNode = TlvPrimitive | TlvConstructed;

/** What `buildTlv` accepts: the same shapes, with any Uint8Array as a value. */
export type TlvNodeInput = { readonly tag: number; readonly value: Uint8Array } | { readonly tag: number; readonly children: readonly TlvNodeInput[] };

export function isTlvConstructed<T extends TlvNodeInput>(node: T): node is Extract<T, { readonly children: unknown }> {
  return 'children' in node;
}

/** Nesting bound: top-level objects are at depth 1. EMV's deepest usual nesting is 5 (6F → A5 → BF0C → 61 → 4F). */
export const tlvDepthMax = 8;
/** The largest depthMax a caller may ask for. */
export const tlvDepthCeiling = 16;
/** Objects per parse, all levels together; field 55 holds about 30, a UnionPay parameter page about 50. */
export const tlvNodeCountMax = 2048;
/** The largest nodeCountMax a caller may ask for. */
export const tlvNodeCountCeiling = 65_536;

export interface TlvParseOptions {
  /** Deepest nesting accepted, 1 to tlvDepthCeiling; default tlvDepthMax. 1 means a flat list. */
  readonly depthMax?: number;
  /** Most objects accepted, 1 to tlvNodeCountCeiling; default tlvNodeCountMax. */
  readonly nodeCountMax?: number;
  /**
   * Refuse long-form lengths that a shorter form could state (81 05, 82 00 80). Off by default:
   * such lengths are unambiguous and some terminals send them; turn it on to accept only the
   * canonical encoding that `buildTlv` produces.
   */
  readonly minimalLengths?: boolean;
}

/**
 * Parses BER-TLV bytes into nodes. Constructed objects are parsed recursively; padding bytes 0x00
 * and 0xFF between objects are skipped; repeated tags are kept, in order.
 */
export function parseTlv(bytes: Uint8Array, options: TlvParseOptions = {}): TlvNode[] {
  return parseTlvFrom(bytes, 0, options);
}

/**
 * Parses the TLV objects in bytes[start..], reporting error offsets from the start of `bytes`: for
 * fields where TLV follows a header, such as UnionPay's status byte before a parameter list.
 */
export function parseTlvFrom(bytes: Uint8Array, start: number, options: TlvParseOptions = {}): TlvNode[] {
  const depthMax = boundedOption(options.depthMax, tlvDepthMax, tlvDepthCeiling, 'depthMax');
  const nodeCountMax = boundedOption(options.nodeCountMax, tlvNodeCountMax, tlvNodeCountCeiling, 'nodeCountMax');
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!Number.isInteger(start) || start < 0 || start > buffer.length) {
    throw new BastionError('ISO_ERR_TLV', 'start must be an offset inside the data', { argument: 'start', length: buffer.length });
  }
  return new TlvReader(buffer, depthMax, nodeCountMax, options.minimalLengths === true).list(start, buffer.length, 1);
}

/** One parse: the input, the limits and the running node count (no state outlives the call). */
class TlvReader {
  private nodeCount = 0;

  constructor(
    private readonly bytes: Buffer,
    private readonly depthMax: number,
    private readonly nodeCountMax: number,
    private readonly minimalLengths: boolean,
  ) {}

  /** The objects in bytes[start, end) at nesting `depth`. */
  list(start: number, end: number, depth: number): TlvNode[] {
    const bytes = this.bytes;
    const nodes: TlvNode[] = [];
    let position = start;
    while (position < end) {
      const first = bytes[position] as number;
      if (isTlvPaddingByte(first)) {
        position++;
        continue;
      }
      const tagOffset = position++;
      let tag = first;
      if ((first & 0x1f) === 0x1f) {
        let tagBytes = 1;
        for (;;) {
          if (position >= end) throw tlvError(`tag at offset ${tagOffset} is cut off by the end of the data`, tagOffset);
          const next = bytes[position++] as number;
          tag = tag * 256 + next;
          tagBytes++;
          if ((next & 0x80) === 0) break;
          if (tagBytes === tlvTagBytesMax) {
            throw tlvError(`tag at offset ${tagOffset} is longer than ${tlvTagBytesMax} bytes`, tagOffset);
          }
        }
      }
      if (depth > this.depthMax) {
        throw tlvError(`tag ${tlvTagHex(tag)} at offset ${tagOffset} is nested deeper than ${this.depthMax} levels`, tagOffset, tag);
      }
      if (++this.nodeCount > this.nodeCountMax) {
        throw tlvError(`tag ${tlvTagHex(tag)} at offset ${tagOffset} exceeds the limit of ${this.nodeCountMax} data objects`, tagOffset, tag);
      }
      if (position >= end) throw tlvError(`tag ${tlvTagHex(tag)} at offset ${tagOffset} has no length field`, position, tag);
      const lengthOffset = position;
      let valueBytes = bytes[position++] as number;
      if (valueBytes >= 0x80) {
        const count = valueBytes & 0x7f;
        if (count === 0) {
          throw tlvError(`length of tag ${tlvTagHex(tag)} at offset ${lengthOffset} uses the indefinite form 0x80, which EMV does not allow`, lengthOffset, tag);
        }
        if (count > tlvLengthBytesMax) {
          throw tlvError(`length of tag ${tlvTagHex(tag)} at offset ${lengthOffset} has ${count} length bytes; at most ${tlvLengthBytesMax} are allowed`, lengthOffset, tag);
        }
        if (end - position < count) {
          throw tlvError(`length of tag ${tlvTagHex(tag)} at offset ${lengthOffset} is cut off by the end of the data`, lengthOffset, tag);
        }
        valueBytes = 0;
        for (let index = 0; index < count; index++) valueBytes = valueBytes * 256 + (bytes[position++] as number);
        if (this.minimalLengths && valueBytes < tlvLongFormMinimum(count)) {
          throw tlvError(`length of tag ${tlvTagHex(tag)} at offset ${lengthOffset} is not in its shortest form`, lengthOffset, tag);
        }
      }
      if (valueBytes > end - position) {
        throw tlvError(
          `value of tag ${tlvTagHex(tag)} at offset ${lengthOffset} claims ${valueBytes} bytes but only ${end - position} remain`,
          lengthOffset,
          tag,
        );
      }
      const valueEnd = position + valueBytes;
      if ((first & 0x20) !== 0) nodes.push({ tag, children: this.list(position, valueEnd, depth + 1) });
      else nodes.push({ tag, value: bytes.subarray(position, valueEnd) });
      position = valueEnd;
    }
    return nodes;
  }
}

/**
 * Encodes nodes as BER-TLV with canonical (shortest) lengths and no padding. A tag's constructed
 * bit must match the node's shape: templates carry children, primitives a value.
 */
export function buildTlv(nodes: readonly TlvNodeInput[]): Buffer {
  const out = Buffer.allocUnsafe(listBytes(nodes, 1));
  const end = writeList(nodes, out, 0);
  if (end !== out.length) throw new BastionError('ISO_ERR_TLV', 'TLV nodes changed while they were being encoded', { argument: 'nodes' });
  return out;
}

/** Encoded size of a list, checking every node on the way (tag, shape, size, depth). */
function listBytes(nodes: readonly TlvNodeInput[], depth: number): number {
  if (depth > tlvDepthCeiling) {
    throw new BastionError('ISO_ERR_TLV', `TLV nodes are nested deeper than ${tlvDepthCeiling} levels (or contain themselves)`, {
      argument: 'nodes',
      depth,
    });
  }
  let total = 0;
  for (const node of nodes) total += nodeBytes(node, depth);
  return total;
}

function nodeBytes(node: TlvNodeInput, depth: number): number {
  const tagBytes = assertTlvTag(node.tag);
  const contentBytes = contentBytesOf(node, depth);
  return tagBytes + tlvLengthFieldBytes(contentBytes) + contentBytes;
}

function contentBytesOf(node: TlvNodeInput, depth: number): number {
  const constructed = isConstructedTag(node.tag);
  if (constructed !== isTlvConstructed(node)) {
    throw new BastionError(
      'ISO_ERR_TLV',
      constructed
        ? `tag ${tlvTagHex(node.tag)} is constructed and needs children, not a value`
        : `tag ${tlvTagHex(node.tag)} is primitive and needs a value, not children`,
      { argument: 'nodes', tag: tlvTagHex(node.tag) },
    );
  }
  const contentBytes = isTlvConstructed(node) ? listBytes(node.children, depth + 1) : node.value.length;
  if (contentBytes > tlvValueBytesMax) {
    throw new BastionError('ISO_ERR_TLV', `value of tag ${tlvTagHex(node.tag)} is ${contentBytes} bytes; at most ${tlvValueBytesMax} fit a TLV length`, {
      argument: 'nodes',
      tag: tlvTagHex(node.tag),
      length: contentBytes,
    });
  }
  return contentBytes;
}

/** Writes nodes that listBytes has already checked. */
function writeList(nodes: readonly TlvNodeInput[], out: Buffer, offset: number): number {
  for (const node of nodes) {
    offset = writeTlvTag(node.tag, assertTlvTag(node.tag), out, offset);
    if (isTlvConstructed(node)) {
      offset = writeTlvLength(listBytes(node.children, 1), out, offset);
      offset = writeList(node.children, out, offset);
    } else {
      offset = writeTlvLength(node.value.length, out, offset);
      out.set(node.value, offset);
      offset += node.value.length;
    }
  }
  return offset;
}

function boundedOption(value: number | undefined, fallback: number, ceiling: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > ceiling) {
    throw new BastionError('ISO_ERR_TLV', `${name} must be an integer from 1 to ${ceiling}`, { argument: name });
  }
  return value;
}

function tlvError(message: string, offset: number, tag?: number): BastionError {
  return new BastionError('ISO_ERR_TLV', message, tag === undefined ? { offset } : { offset, tag: tlvTagHex(tag) });
}
