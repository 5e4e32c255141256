import fc from 'fast-check';
import { bastionErrorOr } from '../errors/test-helpers.js';
import { isConstructedTag } from './tag.js';
import type { TlvNode } from './ber-tlv.js';

/**
 * Test support for the TLV library (left out of the build by its `test-*` name).
 */

export { expectBastionError as expectIsoError, hex } from '../errors/test-helpers.js';

/** Runs `run`; any throw other than a BastionError fails the test. Returns whether it succeeded. */
export function onlyBastionErrors(run: () => unknown): boolean {
  return bastionErrorOr(() => {
    run();
    return true;
  }) ?? false;
}

/** A well-formed tag with the requested constructed bit (never a first byte of 0x00 or 0xFF). */
export function tagArbitrary(constructed: boolean): fc.Arbitrary<number> {
  const classBits = fc.constantFrom(0x00, 0x40, 0x80, 0xc0);
  const single = fc
    .tuple(classBits, fc.integer({ min: 0, max: 0x1e }))
    .map(([cls, low]) => cls | (constructed ? 0x20 : 0) | low)
    .filter((byte) => byte !== 0x00);
  const multi = fc
    .tuple(classBits, fc.array(fc.integer({ min: 0x81, max: 0xff }), { maxLength: 2 }), fc.integer({ min: 0x00, max: 0x7f }))
    .map(([cls, middle, last]) => [cls | (constructed ? 0x20 : 0) | 0x1f, ...middle, last])
    .filter((bytes) => bytes[0] !== 0xff)
    .map((bytes) => bytes.reduce((tag, byte) => tag * 256 + byte, 0));
  return fc.oneof(single, multi).filter((tag) => isConstructedTag(tag) === constructed);
}

/** Values whose lengths stress every length form: short, 0x81 and 0x82. */
const valueArbitrary = fc.oneof(
  { weight: 6, arbitrary: fc.uint8Array({ maxLength: 20 }) },
  { weight: 1, arbitrary: fc.constantFrom(127, 128, 255, 256, 300).chain((length) => fc.uint8Array({ minLength: length, maxLength: length })) },
);

/** Trees of TLV nodes up to `depth` levels, as parseTlv returns them (values as Buffers). */
export function tlvTreeArbitrary(depth = 4): fc.Arbitrary<TlvNode[]> {
  const { tree } = fc.letrec<{ tree: TlvNode[]; node: TlvNode }>((tie) => ({
    tree: fc.array(tie('node'), { maxLength: 5 }),
    node: fc.oneof(
      { maxDepth: depth - 1, withCrossShrink: true },
      fc.record({ tag: tagArbitrary(false), value: valueArbitrary.map((bytes) => Buffer.from(bytes)) }),
      fc.record({ tag: tagArbitrary(true), children: tie('tree') }),
    ),
  }));
  return tree.filter((nodes) => depthOf(nodes) <= depth);
}

function depthOf(nodes: readonly TlvNode[]): number {
  let deepest = 0;
  for (const node of nodes) deepest = Math.max(deepest, 1 + ('children' in node ? depthOf(node.children) : 0));
  return deepest;
}
