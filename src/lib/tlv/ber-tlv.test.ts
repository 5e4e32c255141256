import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildTlv, parseTlv, parseTlvFrom, tlvDepthMax, tlvNodeCountMax, type TlvNode, type TlvNodeInput } from './ber-tlv.js';
import { findTlv, findTlvValue, tlvMap } from './query.js';
import { expectIsoError, hex, tlvTreeArbitrary } from './test-helpers.js';

// Field 55 of a contact EMV sale, published in CyberSource's REST samples
// (CyberSource/cybersource-rest-samples-ruby, Samples/Payments/Payments/
// sale-using-emv-technology-with-contact-read-with-visa-platform-connect.rb, `emv.tags`).
const cyberSourceField55 = hex(
  '9F3303204000950500000000009F3704518823719F100706011103A000009F26081E1756ED0E2134E29F36020015' +
    '820200009C01009F1A0208409A030006219F02060000000020005F2A0208409F0306000000000000',
);

const primitive = (tag: number, value: string): TlvNode => ({ tag, value: hex(value) });

describe('parseTlv known answers', () => {
  it('splits the CyberSource field 55 into its thirteen objects, in order and byte for byte', () => {
    expect(parseTlv(cyberSourceField55)).toEqual([
      primitive(0x9f33, '204000'),
      primitive(0x95, '0000000000'),
      primitive(0x9f37, '51882371'),
      primitive(0x9f10, '06011103A00000'),
      primitive(0x9f26, '1E1756ED0E2134E2'),
      primitive(0x9f36, '0015'),
      primitive(0x82, '0000'),
      primitive(0x9c, '00'),
      primitive(0x9f1a, '0840'),
      primitive(0x9a, '000621'),
      primitive(0x9f02, '000000002000'),
      primitive(0x5f2a, '0840'),
      primitive(0x9f03, '000000000000'),
    ]);
    expect(buildTlv(parseTlv(cyberSourceField55))).toEqual(cyberSourceField55);
  });

  it('returns values as views into the input, not copies', () => {
    const nodes = parseTlv(cyberSourceField55);
    const cryptogram = findTlvValue(nodes, 0x9f26);
    expect(cryptogram?.buffer).toBe(cyberSourceField55.buffer);
    expect(cryptogram?.byteOffset).toBe(cyberSourceField55.byteOffset + 33);
  });

  it('parses a plain Uint8Array as well as a Buffer', () => {
    expect(parseTlv(new Uint8Array([0x9c, 0x01, 0x20]))).toEqual([primitive(0x9c, '20')]);
  });

  // Built by hand from Book 1 / Book 3: a record template 70 holding an application template 61
  // that names the Visa credit AID and its label.
  it('parses nested templates 70 → 61 → 4F, 50', () => {
    const bytes = hex('70 11 61 0F 4F 07 A0000000031010 50 04 56495341');
    const expected: TlvNode[] = [{ tag: 0x70, children: [{ tag: 0x61, children: [primitive(0x4f, 'A0000000031010'), primitive(0x50, '56495341')] }] }];
    expect(parseTlv(bytes)).toEqual(expected);
    expect(buildTlv(expected)).toEqual(bytes);
  });

  // A PPSE SELECT response shape (EMV contactless Book B): FCI 6F → A5 → BF0C → 61 → 4F, four levels.
  it('parses a four-level FCI with a two-byte template tag BF0C', () => {
    const bytes = hex('6F 1E 84 0E 325041592E5359532E4444463031 A5 0C BF0C 09 61 07 4F 05 A000000333');
    const nodes = parseTlv(bytes);
    expect(findTlvValue(nodes, 0x84)?.toString('latin1')).toBe('2PAY.SYS.DDF01');
    expect(findTlv(nodes, 0xbf0c)).toEqual({ tag: 0xbf0c, children: [{ tag: 0x61, children: [primitive(0x4f, 'A000000333')] }] });
    expect(buildTlv(nodes)).toEqual(bytes);
  });

  it('reads three- and four-byte tags', () => {
    expect(parseTlv(hex('DF8101 01 AA DF818101 00'))).toEqual([primitive(0xdf8101, 'AA'), primitive(0xdf818101, '')]);
  });

  it('reads a zero-length value and an empty template', () => {
    expect(parseTlv(hex('95 00 70 00'))).toEqual([primitive(0x95, ''), { tag: 0x70, children: [] }]);
  });

  it.each([
    [128, '81 80'],
    [200, '81 C8'],
    [255, '81 FF'],
    [256, '82 0100'],
    [300, '82 012C'],
    [65_535, '82 FFFF'],
    [65_536, '83 010000'],
    [70_000, '83 011170'],
  ])('uses and reads the long form for a %i-byte value (%s)', (length, lengthField) => {
    const value = Buffer.alloc(length, 0xa5);
    const header = hex(`DF02 ${lengthField}`);
    const bytes = buildTlv([{ tag: 0xdf02, value }]);
    expect(bytes.subarray(0, header.length)).toEqual(header);
    expect(bytes.length).toBe(header.length + length);
    const [node, ...rest] = parseTlv(bytes);
    expect(rest).toEqual([]);
    expect(node?.tag).toBe(0xdf02);
    // Buffer.equals: vitest's deep comparison of 64 KiB buffers is needlessly slow.
    expect(node !== undefined && 'value' in node && node.value.equals(value)).toBe(true);
  });

  it('uses the short form up to 127 bytes', () => {
    expect(buildTlv([{ tag: 0x5a, value: Buffer.alloc(127) }]).subarray(0, 2)).toEqual(hex('5A 7F'));
  });

  it('skips 00 and FF padding before, between and after objects, also inside templates', () => {
    const bytes = hex('00 FF 9C 01 00 00 00 FF 70 05 00 95 01 00 FF FF 00');
    expect(parseTlv(bytes)).toEqual([primitive(0x9c, '00'), { tag: 0x70, children: [primitive(0x95, '00')] }]);
  });

  it('keeps repeated tags, in order', () => {
    expect(parseTlv(hex('9F18 04 00000001 9F18 04 00000002'))).toEqual([primitive(0x9f18, '00000001'), primitive(0x9f18, '00000002')]);
  });

  it('accepts a long-form length that a short form could state, unless minimal lengths are required', () => {
    const bytes = hex('9F37 81 04 01020304');
    expect(parseTlv(bytes)).toEqual([primitive(0x9f37, '01020304')]);
    expect(buildTlv(parseTlv(bytes))).toEqual(hex('9F37 04 01020304'));
    expectIsoError(() => parseTlv(bytes, { minimalLengths: true }), 'ISO_ERR_TLV', { offset: 2, tag: '9F37' });
    expectIsoError(() => parseTlv(hex('9F37 82 0004 01020304'), { minimalLengths: true }), 'ISO_ERR_TLV', { offset: 2, tag: '9F37' });
    expectIsoError(() => parseTlv(hex('9F37 83 000004 01020304'), { minimalLengths: true }), 'ISO_ERR_TLV', { offset: 2, tag: '9F37' });
  });

  it('reads an empty input as an empty list, and padding alone too', () => {
    expect(parseTlv(new Uint8Array(0))).toEqual([]);
    expect(parseTlv(hex('00 FF 00'))).toEqual([]);
  });

  it('parseTlvFrom reads after a header and reports offsets from the start of the field', () => {
    const field = hex('31 9F06 05 A000000333');
    expect(parseTlvFrom(field, 1)).toEqual([primitive(0x9f06, 'A000000333')]);
    expectIsoError(() => parseTlvFrom(hex('31 9F06 09 A000000333'), 1), 'ISO_ERR_TLV', { offset: 3, tag: '9F06' });
    expectIsoError(() => parseTlvFrom(field, 12), 'ISO_ERR_TLV', { argument: 'start' });
  });
});

describe('parseTlv refuses malformed input with the offset and tag, never the value', () => {
  const secretValue = 'A1B2C3D4E5F6';

  it.each([
    ['a lone multi-byte tag start', '9F', 0],
    ['a tag whose continuation is cut off', '9F 81', 0],
    ['a tag of five bytes', 'DF 81 81 81 81 01 00', 0],
    ['a five-byte tag inside a template', '70 07 DF 81 81 81 81 01 00', 2],
  ])('%s', (_, input, offset) => {
    const error = expectIsoError(() => parseTlv(hex(input)), 'ISO_ERR_TLV', { offset });
    expect(error.details.tag).toBeUndefined();
  });

  it.each([
    ['a tag with no length', '9F26', 2, '9F26'],
    ['the indefinite length 0x80', `9F26 80 ${secretValue} 0000`, 2, '9F26'],
    ['a length of four length bytes (0x84)', `5A 84 00000006 ${secretValue}`, 1, '5A'],
    ['a length of 127 length bytes (0xFF)', `5A FF ${secretValue}`, 1, '5A'],
    ['a long-form length cut off', '5A 82 01', 1, '5A'],
    ['a value longer than the data', `9F26 08 ${secretValue}`, 2, '9F26'],
    ['a long-form value longer than the data', `DF02 81 90 ${secretValue}`, 2, 'DF02'],
    ['a template longer than the data', `70 10 9F26 02 ${secretValue}`, 1, '70'],
    ['a child longer than its template', `70 08 9F26 08 ${secretValue} 9000`, 4, '9F26'],
    ['a child tag cut off at the end of its template', `70 01 9F 26 02 ${secretValue}`, 2, undefined],
  ])('%s', (_, input, offset, tag) => {
    expectIsoError(() => parseTlv(hex(input)), 'ISO_ERR_TLV', tag === undefined ? { offset } : { offset, tag }, [secretValue]);
  });

  it(`refuses templates nested deeper than ${tlvDepthMax} levels, at the offset of the first too-deep tag`, () => {
    const nested = (levels: number): Buffer => {
      let inner: Buffer = hex('9C 01 00');
      for (let level = 0; level < levels; level++) inner = buildTlv([{ tag: 0x70, children: parseTlv(inner) }]);
      return inner;
    };
    expect(parseTlv(nested(tlvDepthMax - 1))).toHaveLength(1);
    // depth tlvDepthMax - 1 templates + the primitive at depth tlvDepthMax: allowed; one more is not.
    expectIsoError(() => parseTlv(nested(tlvDepthMax)), 'ISO_ERR_TLV', { offset: 2 * tlvDepthMax, tag: '9C' });
    expectIsoError(() => parseTlv(nested(3), { depthMax: 3 }), 'ISO_ERR_TLV', { offset: 6, tag: '9C' });
    expect(parseTlv(nested(2), { depthMax: 3 })).toHaveLength(1);
  });

  it('stops a depth bomb of thousands of levels at the limit without deep recursion', () => {
    // 70 82 LLLL around 70 82 LLLL around … : 5,000 levels, each announcing the rest.
    const levels = 5000;
    const bomb = Buffer.alloc(levels * 4);
    for (let level = 0; level < levels; level++) {
      const rest = (levels - level - 1) * 4;
      bomb.set([0x70, 0x82, rest >> 8, rest & 0xff], level * 4);
    }
    expectIsoError(() => parseTlv(bomb), 'ISO_ERR_TLV', { offset: 4 * tlvDepthMax, tag: '70' });
  });

  it(`refuses more than ${tlvNodeCountMax} objects`, () => {
    const many = Buffer.concat(Array.from({ length: tlvNodeCountMax + 1 }, () => hex('95 00')));
    expectIsoError(() => parseTlv(many), 'ISO_ERR_TLV', { offset: 2 * tlvNodeCountMax, tag: '95' });
    expect(parseTlv(many.subarray(2))).toHaveLength(tlvNodeCountMax);
    expectIsoError(() => parseTlv(hex('95 00 95 00 95 00'), { nodeCountMax: 2 }), 'ISO_ERR_TLV', { offset: 4 });
  });

  it.each([
    ['depthMax', { depthMax: 0 }],
    ['depthMax', { depthMax: 17 }],
    ['depthMax', { depthMax: 1.5 }],
    ['nodeCountMax', { nodeCountMax: 0 }],
    ['nodeCountMax', { nodeCountMax: 1_000_000 }],
  ])('refuses an out-of-range %s option', (argument, options) => {
    expectIsoError(() => parseTlv(hex('9C 01 00'), options), 'ISO_ERR_TLV', { argument });
  });
});

describe('buildTlv', () => {
  it('writes canonical lengths and no padding', () => {
    expect(buildTlv([primitive(0x9f02, '000000002000'), { tag: 0x70, children: [primitive(0x57, '')] }])).toEqual(hex('9F02 06 000000002000 70 02 57 00'));
  });

  it('accepts plain Uint8Array values', () => {
    expect(buildTlv([{ tag: 0x9c, value: new Uint8Array([0x20]) }])).toEqual(hex('9C 01 20'));
  });

  it('builds an empty list as no bytes', () => {
    expect(buildTlv([])).toEqual(Buffer.alloc(0));
  });

  it.each([
    ['0 (no tag)', 0],
    ['0x1F (announces more bytes but has none)', 0x1f],
    ['0x9F (announces more bytes but has none)', 0x9f],
    ['0x9F80 80 (last byte still announces more)', 0x9f8080],
    ['0x5A01 (a one-byte tag with a stray byte)', 0x5a01],
    ['0xFF01 (would be read back as padding)', 0xff01],
    ['a fraction', 0x9f02 + 0.5],
    ['a negative number', -0x9f02],
    ['a five-byte number', 0x1_df81_8181],
  ])('refuses the tag %s', (_, tag) => {
    expectIsoError(() => buildTlv([{ tag, value: hex('00') }]), 'ISO_ERR_TLV', { argument: 'tag' });
  });

  it('refuses a primitive tag with children and a constructed tag with a value', () => {
    expectIsoError(() => buildTlv([{ tag: 0x9f02, children: [] }]), 'ISO_ERR_TLV', { tag: '9F02' });
    expectIsoError(() => buildTlv([{ tag: 0x70, value: hex('9C0100') }]), 'ISO_ERR_TLV', { tag: '70' });
  });

  it('refuses a node that contains itself instead of recursing forever', () => {
    const children: TlvNodeInput[] = [];
    const loop = { tag: 0x70, children };
    children.push(loop);
    expectIsoError(() => buildTlv([loop]), 'ISO_ERR_TLV', { argument: 'nodes' });
    expectIsoError(() => findTlv([loop as TlvNode], 0x9f26), 'ISO_ERR_TLV', { argument: 'nodes' });
  });

  it('refuses a value longer than a three-byte length can state', () => {
    const huge = { length: 0x100_0000 } as unknown as Uint8Array;
    expectIsoError(() => buildTlv([{ tag: 0xdf02, value: huge }]), 'ISO_ERR_TLV', { tag: 'DF02', length: 0x100_0000 });
  });
});

describe('finding values', () => {
  const nodes = parseTlv(hex('9F02 06 000000002000 70 0B 9F26 08 1E1756ED0E2134E2 70 05 9F26 02 0102'));

  it('findTlv searches depth-first in document order', () => {
    expect(findTlv(nodes, 0x9f26)).toEqual(primitive(0x9f26, '1E1756ED0E2134E2'));
    expect(findTlv(nodes, 0x70)).toEqual(nodes[1]);
    expect(findTlv(nodes, 0x5a)).toBeUndefined();
  });

  it('findTlvValue returns a primitive value and refuses a template', () => {
    expect(findTlvValue(nodes, 0x9f02)).toEqual(hex('000000002000'));
    expect(findTlvValue(nodes, 0x5a)).toBeUndefined();
    expectIsoError(() => findTlvValue(nodes, 0x70), 'ISO_ERR_TLV', { tag: '70' });
  });

  it('tlvMap maps a flat list and re-encodes a template', () => {
    const map = tlvMap(parseTlv(hex('9F02 06 000000002000 71 07 9F18 04 00000001 8A 02 3030')));
    expect([...map.keys()]).toEqual([0x9f02, 0x71, 0x8a]);
    expect(map.get(0x71)).toEqual(hex('9F18 04 00000001'));
    expect(map.get(0x8a)?.toString('latin1')).toBe('00');
  });

  it('tlvMap refuses a repeated tag rather than pick one silently', () => {
    expectIsoError(() => tlvMap(parseTlv(hex('9F02 06 000000002000 9F02 06 000000009999'))), 'ISO_ERR_TLV', { tag: '9F02' }, ['000000009999']);
  });
});

describe('round trips (properties)', () => {
  it('parse(build(nodes)) gives the nodes back', () => {
    fc.assert(
      fc.property(tlvTreeArbitrary(), (nodes) => {
        expect(parseTlv(buildTlv(nodes))).toEqual(nodes);
      }),
      { numRuns: 300 },
    );
  });

  it('build(parse(bytes)) gives canonical bytes back, also under minimalLengths', () => {
    fc.assert(
      fc.property(tlvTreeArbitrary(), (nodes) => {
        const bytes = buildTlv(nodes);
        expect(buildTlv(parseTlv(bytes, { minimalLengths: true }))).toEqual(bytes);
      }),
      { numRuns: 300 },
    );
  });

  it('a prefix of a non-empty encoding never parses to the same nodes', () => {
    fc.assert(
      fc.property(
        tlvTreeArbitrary().filter((nodes) => nodes.length > 0),
        fc.nat(),
        (nodes, cut) => {
          const bytes = buildTlv(nodes);
          const prefix = bytes.subarray(0, cut % bytes.length);
          let parsed: TlvNode[] | undefined;
          try {
            parsed = parseTlv(prefix);
          } catch {
            return;
          }
          expect(parsed).not.toEqual(nodes);
        },
      ),
      { numRuns: 200 },
    );
  });
});
