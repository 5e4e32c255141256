import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emvGenerateArqc } from '../crypto/emv/index.js';
import { buildTlv, parseTlv } from './ber-tlv.js';
import { buildDol, buildDolData, dolBytesMax, dolDataLength, dolEntryCountMax, parseDol, splitDolData, type DolEntry } from './dol.js';
import { tlvMap } from './query.js';
import { expectIsoError, hex, tagArbitrary } from './test-helpers.js';

// A Visa CDOL1 as cards personalise it: amount, other amount, terminal country, TVR, currency,
// date, type, unpredictable number.
const visaCdol1 = hex('9F02069F03069F1A0295055F2A029A039C019F3704');
const visaCdol1Entries: DolEntry[] = [
  { tag: 0x9f02, lengthBytes: 6 },
  { tag: 0x9f03, lengthBytes: 6 },
  { tag: 0x9f1a, lengthBytes: 2 },
  { tag: 0x95, lengthBytes: 5 },
  { tag: 0x5f2a, lengthBytes: 2 },
  { tag: 0x9a, lengthBytes: 3 },
  { tag: 0x9c, lengthBytes: 1 },
  { tag: 0x9f37, lengthBytes: 4 },
];

// CyberSource/cybersource-rest-samples-ruby, sale-using-emv-technology-with-contact-read-with-visa-platform-connect.rb
const cyberSourceField55 = hex(
  '9F3303204000950500000000009F3704518823719F100706011103A000009F26081E1756ED0E2134E29F36020015' +
    '820200009C01009F1A0208409A030006219F02060000000020005F2A0208409F0306000000000000',
);

describe('parseDol / buildDol', () => {
  it('parses the Visa CDOL1 into eight entries asking for 29 bytes', () => {
    expect(parseDol(visaCdol1)).toEqual(visaCdol1Entries);
    expect(dolDataLength(visaCdol1Entries)).toBe(29);
    expect(buildDol(visaCdol1Entries)).toEqual(visaCdol1);
  });

  it('parses a PDOL with a three-byte tag and an empty DOL', () => {
    expect(parseDol(hex('9F66 04 9F02 06 DF8101 02'))).toEqual([
      { tag: 0x9f66, lengthBytes: 4 },
      { tag: 0x9f02, lengthBytes: 6 },
      { tag: 0xdf8101, lengthBytes: 2 },
    ]);
    expect(parseDol(new Uint8Array(0))).toEqual([]);
  });

  it('reads the length as one byte, even 0x81 and above', () => {
    expect(parseDol(hex('9F10 81 9F37 FF'))).toEqual([
      { tag: 0x9f10, lengthBytes: 0x81 },
      { tag: 0x9f37, lengthBytes: 0xff },
    ]);
  });

  it.each([
    ['a tag cut off', '9F02 06 9F', 3, undefined],
    ['a tag of five bytes', 'DF 81 81 81 81 01 04', 0, undefined],
    ['a tag without its length (as in a malformed DDOL "9F37")', '9F37', 2, '9F37'],
    ['a padding byte where a tag should be', '9F02 06 00 9F37 04', 3, undefined],
    ['an FF byte where a tag should be', 'FF 9F37 04', 0, undefined],
  ])('refuses %s', (_, input, offset, tag) => {
    expectIsoError(() => parseDol(hex(input)), 'ISO_ERR_DOL', tag === undefined ? { offset } : { offset, tag });
  });

  it(`refuses a list longer than ${dolBytesMax} bytes`, () => {
    const long = Buffer.concat(Array.from({ length: 127 }, () => hex('95 05')));
    expectIsoError(() => parseDol(long), 'ISO_ERR_DOL', { length: 254 });
    expect(parseDol(long.subarray(2))).toHaveLength(126);
  });

  it('refuses hand-made entries with a bad tag, a length outside 0–255, or too many entries', () => {
    expectIsoError(() => buildDol([{ tag: 0x9f, lengthBytes: 1 }]), 'ISO_ERR_DOL', { argument: 'entries', index: 0 });
    expectIsoError(() => buildDol([{ tag: 0x95, lengthBytes: 5 }, { tag: 0x9f37, lengthBytes: 256 }]), 'ISO_ERR_DOL', { index: 1, tag: '9F37' });
    expectIsoError(() => dolDataLength([{ tag: 0x95, lengthBytes: -1 }]), 'ISO_ERR_DOL', { index: 0 });
    expectIsoError(() => buildDolData([{ tag: 0x95, lengthBytes: 2.5 }], new Map()), 'ISO_ERR_DOL', { index: 0 });
    const tooMany = Array.from({ length: dolEntryCountMax + 1 }, () => ({ tag: 0x95, lengthBytes: 1 }));
    expectIsoError(() => dolDataLength(tooMany), 'ISO_ERR_DOL', { count: dolEntryCountMax + 1 });
    // 85 entries of 3 bytes each: 255 bytes, over the 252-byte limit.
    const tooLong = Array.from({ length: 85 }, () => ({ tag: 0x9f37, lengthBytes: 1 }));
    expectIsoError(() => buildDol(tooLong), 'ISO_ERR_DOL', { argument: 'entries', length: 255 });
    expect(buildDol(tooLong.slice(1))).toHaveLength(252);
  });

  it('round trips (property)', () => {
    const entry = fc.record({ tag: fc.boolean().chain(tagArbitrary), lengthBytes: fc.integer({ min: 0, max: 255 }) });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 40 }), (entries) => {
        fc.pre(entries.reduce((size, e) => size + e.tag.toString(16).length / 2 + 1, 0) <= dolBytesMax);
        expect(parseDol(buildDol(entries))).toEqual(entries);
      }),
      { numRuns: 200 },
    );
  });
});

describe('buildDolData (Book 3 5.4)', () => {
  it('builds the Visa CDOL1 data from the CyberSource field 55', () => {
    const data = buildDolData(visaCdol1Entries, tlvMap(parseTlv(cyberSourceField55)), { missing: 'error' });
    expect(data).toEqual(hex('000000002000' + '000000000000' + '0840' + '0000000000' + '0840' + '000621' + '00' + '51882371'));
  });

  // pyemv pyemv/ac.py generate_ac docstring: the CDOL1 data of its example and the ARQC it gives.
  it('rebuilds the CDOL1 data behind the pyemv generate_ac ARQC from field 55', () => {
    const cdol1 = parseDol(hex('9F0206 9F0306 9F1A02 9505 5F2A02 9A03 9C01 9F3704 8202 9F3602'));
    const field55 = buildTlv([
      { tag: 0x9f26, value: hex('3B76CF10FECD8789') },
      { tag: 0x82, value: hex('5800') },
      { tag: 0x9f36, value: hex('0001') },
      { tag: 0x9f37, value: hex('3804823E') },
      { tag: 0x9f02, value: hex('000000002000') },
      { tag: 0x9f03, value: hex('000000000000') },
      { tag: 0x9f1a, value: hex('0124') },
      { tag: 0x95, value: hex('0000008000') },
      { tag: 0x5f2a, value: hex('0124') },
      { tag: 0x9a, value: hex('110309') },
      { tag: 0x9c, value: hex('00') },
    ]);
    const values = tlvMap(parseTlv(field55));
    const data = buildDolData(cdol1, values, { missing: 'error' });
    expect(data).toEqual(hex('000000002000' + '000000000000' + '0124' + '0000008000' + '0124' + '110309' + '00' + '3804823E' + '5800' + '0001'));
    expect(emvGenerateArqc(hex('AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBB'), data, 2)).toEqual(values.get(0x9f26));
  });

  it('pads and truncates n on the left, cn with FF on the right, others with zeros on the right', () => {
    const values = new Map<number, Uint8Array>([
      [0x9f02, hex('2000')],
      [0x9f03, hex('00 000000001234')],
      [0x5a, hex('4761739001')],
      [0x5f34, hex('0102')],
      [0x9f37, hex('A1B2')],
      [0x9f10, hex('06011103A00000')],
      [0x8a, hex('5931')],
    ]);
    const entries = parseDol(hex('9F02 06 9F03 06 5A 08 5F34 01 9F37 04 9F10 03 8A 03'));
    expect(buildDolData(entries, values)).toEqual(
      hex(
        '000000002000' + // n, short: zeros on the left
          '000000001234' + // n, long: leftmost byte dropped
          '4761739001FFFFFF' + // cn, short: FF on the right
          '02' + // n, long: rightmost byte kept
          'A1B20000' + // b, short: zeros on the right
          '060111' + // b, long: rightmost bytes dropped
          '593100', // an, short: zeros on the right
      ),
    );
  });

  it('truncates cn on the right', () => {
    expect(buildDolData([{ tag: 0x5a, lengthBytes: 3 }], new Map([[0x5a, hex('4761739001010119')]]))).toEqual(hex('476173'));
  });

  it('fills zeros for a missing value and for a constructed tag, whatever its value', () => {
    const entries = parseDol(hex('9F37 04 70 03 9F02 06'));
    const values = new Map<number, Uint8Array>([
      [0x70, hex('9C0100')],
      [0x9f02, hex('000000000100')],
    ]);
    expect(buildDolData(entries, values)).toEqual(hex('00000000' + '000000' + '000000000100'));
  });

  it("with missing: 'error', refuses a DOL entry it has no value for", () => {
    expectIsoError(() => buildDolData(visaCdol1Entries, new Map([[0x9f02, hex('000000000100')]]), { missing: 'error' }), 'ISO_ERR_DOL', { tag: '9F03' });
  });

  it('treats tags the dictionary does not know as binary, unless told their format', () => {
    const entries = [{ tag: 0xdf7f, lengthBytes: 4 }];
    const values = new Map([[0xdf7f, hex('1234')]]);
    expect(buildDolData(entries, values)).toEqual(hex('12340000'));
    expect(buildDolData(entries, values, { formatOf: () => 'n' })).toEqual(hex('00001234'));
    expect(buildDolData(entries, values, { formatOf: () => 'cn' })).toEqual(hex('1234FFFF'));
  });

  it('asks for zero bytes of a zero-length entry', () => {
    expect(buildDolData([{ tag: 0x9f02, lengthBytes: 0 }], new Map([[0x9f02, hex('000000000100')]]))).toEqual(Buffer.alloc(0));
  });
});

describe('splitDolData', () => {
  it('splits CDOL1 data back into its values, as views', () => {
    const data = hex('000000002000' + '000000000000' + '0840' + '0000000000' + '0840' + '000621' + '00' + '51882371');
    const values = splitDolData(visaCdol1Entries, data);
    expect(values.map((v) => [v.tag, v.value.toString('hex').toUpperCase()])).toEqual([
      [0x9f02, '000000002000'],
      [0x9f03, '000000000000'],
      [0x9f1a, '0840'],
      [0x95, '0000000000'],
      [0x5f2a, '0840'],
      [0x9a, '000621'],
      [0x9c, '00'],
      [0x9f37, '51882371'],
    ]);
    expect(values[7]?.value.buffer).toBe(data.buffer);
  });

  it('refuses data of the wrong length, without echoing it', () => {
    const data = hex('A1B2C3D4E5F6A7B8');
    expectIsoError(() => splitDolData(visaCdol1Entries, data), 'ISO_ERR_DOL', { length: 8, lengthExpected: 29 }, [data]);
  });

  it('build then split gives each value back when values have the asked length (property)', () => {
    const entry = fc.record({ tag: tagArbitrary(false), lengthBytes: fc.integer({ min: 0, max: 12 }) });
    fc.assert(
      fc.property(
        fc.uniqueArray(entry, { maxLength: 12, selector: (e) => e.tag }).chain((entries) =>
          fc.tuple(fc.constant(entries), fc.tuple(...entries.map((e) => fc.uint8Array({ minLength: e.lengthBytes, maxLength: e.lengthBytes })))),
        ),
        ([entries, values]) => {
          const map = new Map(entries.map((e, index) => [e.tag, values[index] as Uint8Array]));
          const split = splitDolData(entries, buildDolData(entries, map));
          expect(split.map((v) => new Uint8Array(v.value))).toEqual(values.map((v) => new Uint8Array(v)));
        },
      ),
      { numRuns: 200 },
    );
  });
});
