import { BastionError } from '../errors/index.js';
import { buildTlv, isTlvConstructed, tlvDepthCeiling, type TlvNode } from './ber-tlv.js';
import { tlvTagHex } from './tag.js';

/**
 * Reading parsed TLV: find an object anywhere in a tree, or turn a flat list (field 55, a
 * parameter record) into a map from tag to value.
 */

/** The first node with `tag`, searching depth-first in document order; undefined if absent. */
export function findTlv(nodes: readonly TlvNode[], tag: number): TlvNode | undefined {
  return findIn(nodes, tag, 1);
}

function findIn(nodes: readonly TlvNode[], tag: number, depth: number): TlvNode | undefined {
  // Parsed trees are bounded already; the check guards hand-built nodes that contain themselves.
  if (depth > tlvDepthCeiling) {
    throw new BastionError('ISO_ERR_TLV', `TLV nodes are nested deeper than ${tlvDepthCeiling} levels (or contain themselves)`, { argument: 'nodes', depth });
  }
  for (const node of nodes) {
    if (node.tag === tag) return node;
    if (isTlvConstructed(node)) {
      const found = findIn(node.children, tag, depth + 1);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** The value of the first primitive node with `tag` (depth-first); throws ISO_ERR_TLV if that node is a template. */
export function findTlvValue(nodes: readonly TlvNode[], tag: number): Buffer | undefined {
  const node = findTlv(nodes, tag);
  if (node === undefined) return undefined;
  if (isTlvConstructed(node)) {
    throw new BastionError('ISO_ERR_TLV', `tag ${tlvTagHex(tag)} is a template, not a primitive value`, { tag: tlvTagHex(tag) });
  }
  return node.value;
}

/**
 * The top-level objects of a flat list as tag → value. A template's value is the canonical
 * encoding of its children. A tag that appears twice is refused (ISO_ERR_TLV): two amounts or two
 * cryptograms in one field 55 would leave it open which one counts, so the caller must decide by
 * walking the node list instead.
 */
export function tlvMap(nodes: readonly TlvNode[]): Map<number, Buffer> {
  const map = new Map<number, Buffer>();
  for (const node of nodes) {
    if (map.has(node.tag)) {
      throw new BastionError('ISO_ERR_TLV', `tag ${tlvTagHex(node.tag)} appears more than once in the list`, { tag: tlvTagHex(node.tag) });
    }
    map.set(node.tag, isTlvConstructed(node) ? buildTlv(node.children) : node.value);
  }
  return map;
}
