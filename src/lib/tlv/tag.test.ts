import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertTlvTag, isConstructedTag, isTlvPaddingByte, tlvTagFromHex, tlvTagHex, tlvTagLengthBytes } from './tag.js';
import { expectIsoError, tagArbitrary } from './test-helpers.js';

describe('tags', () => {
  it.each([
    [0x5a, 1],
    [0x9c, 1],
    [0x70, 1],
    [0x9f26, 2],
    [0x5f2a, 2],
    [0xbf0c, 2],
    [0x9f00, 2],
    [0xdf8101, 3],
    [0xdf818101, 4],
  ])('%s is a well-formed tag of %i bytes', (tag, lengthBytes) => {
    expect(tlvTagLengthBytes(tag)).toBe(lengthBytes);
    expect(assertTlvTag(tag)).toBe(lengthBytes);
  });

  it.each([
    ['zero', 0],
    ['0x1F, which announces a second byte', 0x1f],
    ['0x9F, which announces a second byte', 0x9f],
    ['0x5A26, whose first byte does not announce one', 0x5a26],
    ['0x9F8026, whose middle byte continues but last byte is missing', 0x9f81],
    ['0xDF8181, whose last byte still continues', 0xdf8181],
    ['0xDF2601, where 0x26 should have been the last byte', 0xdf2601],
    ['0xFF01, which parsers skip as padding', 0xff01],
    ['0x1_0000_0000, more than four bytes', 0x1_0000_0000],
    ['a fraction', 1.5],
    ['NaN', Number.NaN],
  ])('refuses %s', (_, tag) => {
    expect(tlvTagLengthBytes(tag)).toBe(0);
    expectIsoError(() => assertTlvTag(tag, 'myTag'), 'ISO_ERR_TLV', { argument: 'myTag' });
  });

  it('reads the constructed bit from the first byte only', () => {
    expect(isConstructedTag(0x70)).toBe(true);
    expect(isConstructedTag(0x61)).toBe(true);
    expect(isConstructedTag(0xbf0c)).toBe(true);
    expect(isConstructedTag(0xff20)).toBe(true);
    expect(isConstructedTag(0x9f26)).toBe(false);
    expect(isConstructedTag(0x5a)).toBe(false);
    // 0x9F20: bit 6 of the second byte is set, yet the tag is primitive.
    expect(isConstructedTag(0x9f20)).toBe(false);
  });

  it('treats exactly 00 and FF as padding bytes', () => {
    const padding = Array.from({ length: 256 }, (_, byte) => byte).filter(isTlvPaddingByte);
    expect(padding).toEqual([0x00, 0xff]);
  });

  it('writes and reads uppercase hex, two digits a byte', () => {
    expect(tlvTagHex(0x5a)).toBe('5A');
    expect(tlvTagHex(0x9f26)).toBe('9F26');
    expect(tlvTagHex(0xdf8101)).toBe('DF8101');
    expect(tlvTagFromHex('9f26')).toBe(0x9f26);
    expect(tlvTagFromHex('0A')).toBe(0x0a);
    expect(tlvTagFromHex('DF818101')).toBe(0xdf818101);
  });

  it.each(['', '9F', '9F2', '9F2601', 'XYZW', '9F 26', 'DF81818101', '00', '009F26', 'FF01'])('tlvTagFromHex refuses %j', (text) => {
    expectIsoError(() => tlvTagFromHex(text, 'tag'), 'ISO_ERR_TLV', { argument: 'tag', length: text.length });
  });

  it('hex round trip for every well-formed tag (property)', () => {
    fc.assert(
      fc.property(fc.boolean().chain(tagArbitrary), (tag) => {
        expect(tlvTagFromHex(tlvTagHex(tag))).toBe(tag);
        expect(tlvTagHex(tag)).toHaveLength(2 * tlvTagLengthBytes(tag));
      }),
      { numRuns: 300 },
    );
  });
});
