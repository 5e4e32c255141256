import { describe, expect, it } from 'vitest';
import { emvTagDictionary, emvTagInfo, tlvDisplayPolicy } from './dictionary.js';
import { isConstructedTag, tlvTagHex, tlvTagLengthBytes } from './tag.js';

describe('EMV tag dictionary', () => {
  // The data elements the brief asks for: field 55 of a sale / ARQC and the card data around it.
  const required = [
    0x5f2a, 0x5f34, 0x82, 0x84, 0x95, 0x9a, 0x9c, 0x9f02, 0x9f03, 0x9f09, 0x9f10, 0x9f1a, 0x9f1e, 0x9f26, 0x9f27, 0x9f33, 0x9f34, 0x9f35, 0x9f36,
    0x9f37, 0x9f41, 0x9f53, 0x9f63, 0x91, 0x71, 0x72, 0x8a, 0x9f74, 0xdf31, 0x4f, 0x50, 0x57, 0x5a, 0x5f20, 0x5f24, 0x5f25, 0x5f28, 0x8c, 0x8d,
    0x8e, 0x8f, 0x90, 0x92, 0x93, 0x9f07, 0x9f08, 0x9f0d, 0x9f0e, 0x9f0f, 0x9f32, 0x9f46, 0x9f47, 0x9f48, 0x9f49, 0x9f4a, 0x9f4b, 0x9f6b, 0x56,
  ];

  it.each(required.map((tag) => [tlvTagHex(tag), tag]))('lists %s', (_, tag) => {
    expect(emvTagInfo(tag)?.tag).toBe(tag);
  });

  it('has well-formed, unique entries whose constructed flag matches the tag', () => {
    const seen = new Set<number>();
    for (const info of emvTagDictionary) {
      expect(tlvTagLengthBytes(info.tag), tlvTagHex(info.tag)).toBeGreaterThan(0);
      expect(seen.has(info.tag), tlvTagHex(info.tag)).toBe(false);
      seen.add(info.tag);
      expect(info.constructed).toBe(isConstructedTag(info.tag));
      if (info.constructed) expect(info.format).toBe('b');
      expect(info.lengthMinBytes).toBeLessThanOrEqual(info.lengthMaxBytes);
      expect(info.name.length).toBeGreaterThan(3);
      expect(Object.isFrozen(info)).toBe(true);
    }
    expect(emvTagDictionary.length).toBeGreaterThanOrEqual(130);
  });

  // Book 3 Annex A spot checks.
  it.each([
    [0x9f02, 'n', 6, 6],
    [0x9f26, 'b', 8, 8],
    [0x5a, 'cn', 1, 10],
    [0x5f20, 'ans', 2, 26],
    [0x8a, 'an', 2, 2],
    [0x9f1e, 'an', 8, 8],
    [0x9f41, 'n', 2, 4],
    [0x91, 'b', 8, 16],
    [0x9f10, 'b', 0, 32],
  ] as const)('%s is %s of %i to %i bytes', (tag, format, lengthMin, lengthMax) => {
    expect(emvTagInfo(tag)).toMatchObject({ format, lengthMinBytes: lengthMin, lengthMaxBytes: lengthMax });
  });

  it('marks the templates as constructed', () => {
    for (const tag of [0x61, 0x6f, 0x70, 0x71, 0x72, 0x73, 0x77, 0xa5, 0xbf0c]) expect(emvTagInfo(tag)?.constructed, tlvTagHex(tag)).toBe(true);
    expect(emvTagInfo(0x80)?.constructed).toBe(false);
  });

  it('knows nothing of tags it does not list', () => {
    expect(emvTagInfo(0xdf7f)).toBeUndefined();
    expect(emvTagInfo(0x9f26 + 0x100)).toBeUndefined();
  });
});

describe('sensitivity and display policy', () => {
  it.each([
    [0x5a, 'pan'],
    [0x57, 'track'],
    [0x56, 'track'],
    [0x9f6b, 'track'],
    [0x9f1f, 'track'],
    [0x9f20, 'track'],
    [0x5f20, 'name'],
    [0x9f0b, 'name'],
    [0x99, 'pin'],
    [0x9f26, 'cryptogram'],
    [0x9f10, 'cryptogram'],
    [0x9f36, 'cryptogram'],
    [0x9f37, 'cryptogram'],
    [0x91, 'cryptogram'],
    [0x71, 'cryptogram'],
    [0x72, 'cryptogram'],
    [0x86, 'cryptogram'],
    [0x9f4b, 'cryptogram'],
    [0x9f02, 'none'],
    [0x95, 'none'],
    [0x5f2a, 'none'],
  ] as const)('%s is %s', (tag, sensitivity) => {
    expect(emvTagInfo(tag)?.sensitivity).toBe(sensitivity);
  });

  it('masks the PAN, hides card data, PIN data, cryptograms and unknown tags, shows the rest', () => {
    expect(tlvDisplayPolicy(0x5a)).toBe('mask-pan');
    for (const tag of [0x57, 0x56, 0x9f6b, 0x5f20, 0x99, 0x9f26, 0x9f10, 0x91, 0xdf7f, 0x9f7f]) expect(tlvDisplayPolicy(tag), tlvTagHex(tag)).toBe('hide');
    for (const tag of [0x9f02, 0x95, 0x9a, 0x9c, 0x82, 0x84]) expect(tlvDisplayPolicy(tag), tlvTagHex(tag)).toBe('show');
  });

  it('reveals cryptograms on request, never card data or PIN data', () => {
    const reveal = { revealCryptograms: true };
    for (const tag of [0x9f26, 0x9f10, 0x9f36, 0x9f37, 0x91]) expect(tlvDisplayPolicy(tag, reveal), tlvTagHex(tag)).toBe('show');
    for (const tag of [0x57, 0x5f20, 0x99, 0xdf7f]) expect(tlvDisplayPolicy(tag, reveal), tlvTagHex(tag)).toBe('hide');
    expect(tlvDisplayPolicy(0x5a, reveal)).toBe('mask-pan');
  });
});
