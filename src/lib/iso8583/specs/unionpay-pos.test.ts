import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encryptEcb, fromHex, toHex } from '../../crypto/index.js';
import { BastionError } from '../../errors/index.js';
import { IsoMessage } from '../message.js';
import { MessageCodec } from '../message-codec.js';
import type { FieldSpec } from '../spec.js';
import { unionPayPosSettlementSpec, unionPayPosSpec } from './unionpay-pos.js';

/**
 * The UnionPay POS spec's edge cases: exact bytes of the fields whose layout is a choice
 * (alignment, pad, prefix unit), every length limit on both sides (one over the maximum is
 * ISO_ERR_FIELD_VALUE when packing and ISO_ERR_LENGTH when a frame declares it), the composite
 * fields with each number of sub-fields, and the field table of docs/protocol.md against the spec.
 */

const codec = new MessageCodec(unionPayPosSpec);
const settlementCodec = new MessageCodec(unionPayPosSettlementSpec);
const fields = unionPayPosSpec.fields as Readonly<Record<number, FieldSpec>>;

/** MTI 0200 (2 bytes) and a bitmap (8 bytes) come before the first field. */
const headerBytes = 10;

function thrown(run: () => unknown): BastionError {
  try {
    run();
  } catch (error) {
    if (error instanceof BastionError) return error;
    throw new Error(`not a BastionError: ${String(error)}`);
  }
  throw new Error('nothing was thrown');
}

/** The bytes of one field packed alone (after MTI and bitmap), as uppercase hex. */
function packedField(field: number, value: unknown, fieldCodec: MessageCodec = codec): string {
  const message = new IsoMessage(fieldCodec.spec, '0200');
  message.setUnchecked(field, value);
  return toHex(fieldCodec.pack(message).subarray(headerBytes));
}

/** The error of packing one field alone. */
function packError(field: number, value: unknown, fieldCodec: MessageCodec = codec): BastionError {
  const message = new IsoMessage(fieldCodec.spec, '0200');
  message.setUnchecked(field, value);
  return thrown(() => fieldCodec.pack(message));
}

/** A 0200 frame holding only `field`, whose bytes (prefix included) are `fieldHex`. */
function frameWith(field: number, fieldHex: string): Buffer {
  const bitmap = Buffer.alloc(8);
  bitmap[(field - 1) >> 3] = 0x80 >> ((field - 1) & 7);
  return Buffer.concat([fromHex('0200'), bitmap, fromHex(fieldHex.replace(/\s+/g, ''))]);
}

/** The value of one field unpacked from a frame that holds only it. */
function unpackedField(field: number, fieldHex: string, fieldCodec: MessageCodec = codec): unknown {
  return fieldCodec.unpack(frameWith(field, fieldHex)).valueAt(field);
}

function unpackError(field: number, fieldHex: string, fieldCodec: MessageCodec = codec): BastionError {
  return thrown(() => fieldCodec.unpack(frameWith(field, fieldHex)));
}

/** Checks both directions: the value packs to `hex`, and `hex` unpacks to the value. */
function expectField(field: number, value: unknown, hex: string, fieldCodec: MessageCodec = codec): void {
  expect(packedField(field, value, fieldCodec)).toBe(hex.replace(/\s+/g, ''));
  expect(unpackedField(field, hex.replace(/\s+/g, ''), fieldCodec)).toEqual(value);
}

/** A BCD LL / LLL prefix for a count. */
function bcdPrefix(kind: 'LL' | 'LLL', count: number): string {
  return kind === 'LL' ? String(count).padStart(2, '0') : String(count).padStart(4, '0');
}

/** A value of `units` units for a plain field of this spec. */
function valueOf(spec: FieldSpec, units: number): string | Buffer {
  if (spec.type === 'b') return Buffer.alloc(units, 0xa5);
  if (spec.type === 'n' || spec.type === 'z') return '7'.repeat(units);
  return 'A'.repeat(units);
}

/** Body bytes for `units` units of a field (filler: unpacking stops before reading them). */
function bodyHexOf(spec: FieldSpec, units: number): string {
  const bytes = spec.type === 'n' || spec.type === 'z' ? (units + 1) >> 1 : units;
  return '41'.repeat(bytes);
}

describe('the field table of docs/protocol.md is the spec', () => {
  const docsPath = join(dirname(fileURLToPath(import.meta.url)), '../../../../docs/protocol.md');
  const docs = readFileSync(docsPath, 'utf8');
  const section = docs.slice(docs.indexOf('\n## Fields\n'), docs.indexOf('\n### Composite fields\n'));
  const rows = section
    .split('\n')
    .filter((line) => /^\| \d+ \|/.test(line))
    .map((line) => line.split('|').map((cell) => cell.trim()));

  const bodyOf: Record<string, string> = { bcd: 'BCD right', 'bcd-left': 'BCD left', ascii: 'ASCII', binary: 'binary' };

  it('lists every field of the spec, once, in order', () => {
    expect(rows.map((row) => Number(row[1]))).toEqual(Object.keys(fields).map(Number));
  });

  it('gives each field the type, length, prefix and body the spec has', () => {
    for (const row of rows) {
      const [, number, , type, length, prefix, body] = row;
      const spec = fields[Number(number)] as FieldSpec;
      const expected = [spec.type, spec.prefix === undefined ? String(spec.length) : `..${spec.length}`, spec.prefix ?? '—', bodyOf[spec.encoding]];
      expect([type, length, prefix, body], `field ${number}`).toEqual(expected);
      if (spec.prefix !== undefined) expect(spec.prefixEncoding, `field ${number}`).toBe('bcd');
      expect(spec.padNibble ?? 0, `field ${number}`).toBe(0);
    }
  });
});

describe('primary account number (2): n..19, LL BCD counting digits, left-aligned, pad 0', () => {
  it('13 to 19 digits, odd and even, byte by byte', () => {
    expectField(2, '6212345678901', '13 6212345678901 0');
    expectField(2, '62123456789012', '14 62123456789012');
    expectField(2, '621234567890123', '15 621234567890123 0');
    expectField(2, '6212345678901234', '16 6212345678901234');
    expectField(2, '62123456789012345', '17 62123456789012345 0');
    expectField(2, '621234567890123456', '18 621234567890123456');
    expectField(2, '6212345678901234567', '19 6212345678901234567 0');
  });

  it('any 13 to 19 digits: prefix = digit count, then ceil(count / 2) bytes, round trip', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{13,19}$/), (pan) => {
        const hex = packedField(2, pan);
        expect(hex.slice(0, 2)).toBe(String(pan.length));
        expect(hex.length).toBe(2 + 2 * Math.ceil(pan.length / 2));
        expect(hex.slice(2)).toBe(pan.length % 2 === 1 ? `${pan}0` : pan);
        expect(unpackedField(2, hex)).toBe(pan);
      }),
      { numRuns: 100 },
    );
  });

  it('20 digits: refused when packing and when a frame declares it', () => {
    expect(packError(2, '6'.repeat(20))).toMatchObject({ code: 'ISO_ERR_FIELD_VALUE', details: { field: '2' } });
    expect(unpackError(2, `20${'6'.repeat(20)}`)).toMatchObject({ code: 'ISO_ERR_LENGTH', details: { field: '2', offset: headerBytes, declared: 20 } });
  });

  it('a PAN with a letter is refused without echoing it', () => {
    const error = packError(2, '621234567890123X');
    expect(error).toMatchObject({ code: 'ISO_ERR_FIELD_VALUE', details: { field: '2', position: 15 } });
    expect(JSON.stringify(error.toJSON())).not.toContain('621234567890123');
  });

  it('an odd PAN whose pad nibble is not 0 is refused (F-padding terminals need their own spec)', () => {
    expect(unpackError(2, '13 6212345678901F')).toMatchObject({ code: 'ISO_ERR_ENCODING', details: { field: '2', offset: headerBytes + 7 } });
  });
});

describe('tracks (35, 36): z, "=" as the nibble D, left-aligned, pad 0, prefix counts characters', () => {
  it('track 2 of odd length with "=" (LL 37, the maximum)', () => {
    expectField(35, '6222021234567890123=29122201234567890', '37 6222021234567890123D29122201234567890 0');
  });

  it('track 2 of even length', () => {
    expectField(35, '6222021234567890=29122201234', '28 6222021234567890D29122201234');
  });

  it('track 2 of 38 characters: refused both ways', () => {
    expect(packError(35, `${'6'.repeat(19)}=${'1'.repeat(18)}`)).toMatchObject({ code: 'ISO_ERR_FIELD_VALUE', details: { field: '35' } });
    expect(unpackError(35, `38${'6'.repeat(38)}`)).toMatchObject({ code: 'ISO_ERR_LENGTH', details: { field: '35', declared: 38 } });
  });

  it('track 3 of 104 characters (LLL 0104) and of 105', () => {
    const track3 = `99${'6'.repeat(19)}=${'1'.repeat(82)}`;
    expect(track3).toHaveLength(104);
    expect(unpackedField(36, packedField(36, track3))).toBe(track3);
    expect(packedField(36, track3).slice(0, 4)).toBe('0104');
    expect(packError(36, `${track3}1`)).toMatchObject({ code: 'ISO_ERR_FIELD_VALUE', details: { field: '36' } });
    expect(unpackError(36, `0105${'11'.repeat(53)}`)).toMatchObject({ code: 'ISO_ERR_LENGTH', details: { field: '36', declared: 105 } });
  });

  it('nibbles A, B, C, E, F read as those letters and pack back to the same nibbles; D is only "="', () => {
    expectField(35, '62AB', '04 62AB');
    expectField(35, 'CEF=1', '05 CEFD10');
    expect(packError(35, '62D1')).toMatchObject({ code: 'ISO_ERR_FIELD_VALUE', details: { field: '35', position: 2 } });
    expect(packError(35, '62a1')).toMatchObject({ code: 'ISO_ERR_FIELD_VALUE', details: { field: '35', position: 2 } });
    // The pad nibble is still 0, letters or not.
    expect(unpackError(35, '03 62AF')).toMatchObject({ code: 'ISO_ERR_ENCODING', details: { field: '35' } });
  });

  it('a track enciphered as a terminal does (53 digit 3 = 1) round-trips byte for byte', () => {
    // Track 2 of 37 characters packed as field 35 does, then TDES-ECB over bytes [length − 9,
    // length − 1) under a TDK, as the software HSM's track-data.ts lays it out.
    const clear = fromHex('6222021234567890123D291222012345678900');
    const tdk = fromHex('1F2E3D4C5B6A79880897A6B5C4D3E2F1');
    const enciphered = Buffer.from(clear);
    enciphered.set(encryptEcb('tdes', tdk, clear.subarray(clear.length - 9, clear.length - 1)), clear.length - 9);
    const hex = `37${toHex(enciphered)}`;
    const value = unpackedField(35, hex) as string;
    expect(value).toHaveLength(37);
    expect(value.slice(0, 19)).toBe('6222021234567890123');
    expect(value).toMatch(/[A-F]/); // this block has letter nibbles: the old codec refused it
    expect(packedField(35, value)).toBe(hex);
  });
});

describe('fixed numeric fields: right-aligned, except 22', () => {
  it('22 (n3) is left-aligned: 051 → 05 10', () => {
    expectField(22, '051', '0510');
    expectField(22, '022', '0220');
    expect(unpackError(22, '0511')).toMatchObject({ code: 'ISO_ERR_ENCODING', details: { field: '22', offset: headerBytes + 1 } });
  });

  it('23 (n3) is right-aligned: 001 → 00 01', () => {
    expectField(23, '001', '0001');
    expect(unpackError(23, '1001')).toMatchObject({ code: 'ISO_ERR_ENCODING', details: { field: '23', offset: headerBytes } });
  });

  it('even fixed fields are plain BCD (3, 4, 25, 26, 53)', () => {
    expectField(3, '310000', '310000');
    expectField(4, '000000012345', '000000012345');
    expectField(25, '06', '06');
    expectField(26, '12', '12');
    expectField(53, '2600000000000000', '2600000000000000');
  });

  it('every fixed field must have exactly its length', () => {
    for (const [number, spec] of Object.entries(fields)) {
      if (spec.prefix !== undefined) continue;
      const field = Number(number);
      for (const units of [spec.length - 1, spec.length + 1]) {
        expect(packError(field, valueOf(spec, units)), `field ${number}, ${units}`).toMatchObject({ code: 'ISO_ERR_FIELD_VALUE', details: { field: number } });
      }
      expect(unpackedField(field, packedField(field, valueOf(spec, spec.length))), `field ${number}`).toEqual(valueOf(spec, spec.length));
    }
  });

  it('a frame cut inside a fixed field is ISO_ERR_LENGTH at that field', () => {
    expect(unpackError(4, '0000000123')).toMatchObject({ code: 'ISO_ERR_LENGTH', details: { field: '4', offset: headerBytes, needed: 6 } });
  });
});

describe('every plain variable field: the maximum passes, one over it fails both ways', () => {
  const composites = new Set([60, 61, 63]);
  for (const [number, spec] of Object.entries(fields)) {
    if (spec.prefix === undefined || composites.has(Number(number))) continue;
    it(`field ${number}: ${spec.type}..${spec.length}, ${spec.prefix}`, () => {
      const field = Number(number);
      const prefix = spec.prefix as 'LL' | 'LLL';
      const longest = valueOf(spec, spec.length);
      const hex = packedField(field, longest);
      expect(hex.slice(0, prefix === 'LL' ? 2 : 4)).toBe(bcdPrefix(prefix, spec.length));
      expect(unpackedField(field, hex)).toEqual(longest);
      expect(packError(field, valueOf(spec, spec.length + 1))).toMatchObject({ code: 'ISO_ERR_FIELD_VALUE', details: { field: number } });
      const overHex = bcdPrefix(prefix, spec.length + 1) + bodyHexOf(spec, spec.length + 1);
      expect(unpackError(field, overHex)).toMatchObject({ code: 'ISO_ERR_LENGTH', details: { field: number, offset: headerBytes, declared: spec.length + 1 } });
    });
  }

  it('the prefix counts digits for n, characters for ans, bytes for b', () => {
    expect(packedField(32, '04800001000')).toBe('11048000010000'); // 11 digits in 6 bytes
    expect(packedField(44, 'AB')).toBe('024142'); // 2 characters
    expect(packedField(55, fromHex('9F2701'))).toBe('00039F2701'); // 3 bytes
    expect(packedField(62, Buffer.alloc(60))).toBe(`0060${'00'.repeat(60)}`);
  });
});

describe('field 60: 60.1 and 60.2 required, 60.3 to 60.7 optional, n..17 left-aligned', () => {
  const parts = [
    ['typeCode', '22'],
    ['batchNumber', '000001'],
    ['networkCode', '000'],
    ['terminalCapability', '5'],
    ['icCondition', '0'],
    ['partialApproval', '1'],
    ['accountType', '048'],
  ] as const;

  const expected: Record<number, string> = {
    2: '0008 22000001',
    3: '0011 220000010000',
    4: '0012 220000010005',
    5: '0013 22000001000500',
    6: '0014 22000001000501',
    7: '0017 220000010005010480',
  };

  for (let count = 2; count <= 7; count++) {
    it(`${count} sub-fields, byte by byte`, () => {
      const value = Object.fromEntries(parts.slice(0, count));
      expectField(60, value, expected[count] as string);
    });
  }

  it('a digit count that ends inside a sub-field is refused at that sub-field', () => {
    expect(unpackError(60, '0010 2200000100')).toMatchObject({ code: 'ISO_ERR_LENGTH', details: { field: '60.3', offset: headerBytes } });
    expect(unpackError(60, '0007 22000000')).toMatchObject({ code: 'ISO_ERR_LENGTH', details: { field: '60.2' } });
    expect(unpackError(60, '0016 2200000100050104')).toMatchObject({ code: 'ISO_ERR_LENGTH', details: { field: '60.7' } });
  });

  it('18 digits (one over the 7 sub-fields) is refused when a frame declares it', () => {
    expect(unpackError(60, '0018 220000010005010480')).toMatchObject({ code: 'ISO_ERR_LENGTH', details: { field: '60', declared: 18 } });
  });

  it('packing: a missing required part, a gap, a wrong length and an unknown key are refused', () => {
    expect(packError(60, { typeCode: '22' })).toMatchObject({ code: 'ISO_ERR_FIELD_VALUE', details: { field: '60.2' } });
    expect(packError(60, { typeCode: '22', batchNumber: '000001', terminalCapability: '5' })).toMatchObject({
      code: 'ISO_ERR_FIELD_VALUE',
      details: { field: '60.4' },
    });
    expect(packError(60, { typeCode: '22', batchNumber: '1' })).toMatchObject({ code: 'ISO_ERR_FIELD_VALUE', details: { field: '60.2' } });
    expect(packError(60, { typeCode: '22', batchNumber: '000001', networkCode: '0000' })).toMatchObject({ code: 'ISO_ERR_FIELD_VALUE', details: { field: '60.3' } });
    expect(packError(60, { typeCode: '22', batchNumber: '000001', colour: 'blue' })).toMatchObject({ code: 'ISO_ERR_FIELD_UNKNOWN', details: { field: '60' } });
    expect(packError(60, { typeCode: '2X', batchNumber: '000001' })).toMatchObject({ code: 'ISO_ERR_FIELD_VALUE', details: { field: '60' } });
  });

  it('any prefix of the sub-fields round-trips in 2 + ceil(digits / 2) bytes', () => {
    const digitString = (length: number) => fc.stringMatching(new RegExp(`^[0-9]{${length}}$`));
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 7 }), fc.tuple(...parts.map(([, sample]) => digitString(sample.length))), (count, values: string[]) => {
        const value = Object.fromEntries(parts.slice(0, count).map(([key], index) => [key, values[index]]));
        const digits = Object.values(value).join('');
        const hex = packedField(60, value);
        expect(hex.length).toBe(4 + 2 * Math.ceil(digits.length / 2));
        expect(hex.slice(0, 4)).toBe(bcdPrefix('LLL', digits.length));
        expect(unpackedField(60, hex)).toEqual(value);
      }),
      { numRuns: 100 },
    );
  });
});

describe('field 61: original batch and trace, then date, authorisation method and institution', () => {
  it('2, 3 and 5 sub-fields, byte by byte', () => {
    expectField(61, { originalBatch: '000001', originalTrace: '000123' }, '0012 000001000123');
    expectField(61, { originalBatch: '000001', originalTrace: '000123', originalDate: '1121' }, '0016 0000010001231121');
    expectField(
      61,
      { originalBatch: '000001', originalTrace: '000123', originalDate: '1121', originalAuthMethod: '00', originalAuthInstitution: '04800001000' },
      '0029 000001000123112100048000010000',
    );
  });

  it('29 digits is the maximum: 30 is refused when a frame declares it', () => {
    expect(unpackError(61, `0030${'00'.repeat(15)}`)).toMatchObject({ code: 'ISO_ERR_LENGTH', details: { field: '61', declared: 30 } });
  });

  it('a refund cut inside the original date is refused at 61.3', () => {
    expect(unpackError(61, '0014 00000100012311')).toMatchObject({ code: 'ISO_ERR_LENGTH', details: { field: '61.3' } });
  });
});

describe('field 63: 63.1 (3 characters) and optional 63.2 (1 to 160)', () => {
  it('without 63.2: the sign-in operator, the refund card organisation', () => {
    expectField(63, { code: '01 ' }, '0003 303120');
    expectField(63, { code: 'CUP' }, '0003 435550');
  });

  it('with 63.2: one 20-character block, and the longest (3 + 160 = 163)', () => {
    expectField(63, { code: 'CUP', data: 'ISSUER 01020000     ' }, '0023 435550 4953535545522030313032303030302020202020');
    const longest = { code: 'VIS', data: 'x'.repeat(160) };
    const hex = packedField(63, longest);
    expect(hex.slice(0, 4)).toBe('0163');
    expect(unpackedField(63, hex)).toEqual(longest);
  });

  it('164 characters: 63.2 of 161 is refused when packing, LLL 0164 when unpacking', () => {
    expect(packError(63, { code: 'VIS', data: 'x'.repeat(161) })).toMatchObject({ code: 'ISO_ERR_FIELD_VALUE', details: { field: '63.2' } });
    expect(unpackError(63, `0164${'78'.repeat(164)}`)).toMatchObject({ code: 'ISO_ERR_LENGTH', details: { field: '63', declared: 164 } });
  });

  it('fewer than 3 characters is refused at 63.1; an empty 63.2 cannot be packed', () => {
    expect(unpackError(63, '0002 3031')).toMatchObject({ code: 'ISO_ERR_LENGTH', details: { field: '63.1' } });
    expect(packError(63, { code: 'CUP', data: '' })).toMatchObject({ code: 'ISO_ERR_FIELD_VALUE', details: { field: '63.2' } });
  });
});

describe('field 48: plain digits in general, totals in the settlement spec', () => {
  const domestic = { debitAmount: '000000050000', debitCount: '002', creditAmount: '000000001000', creditCount: '001', settlementCode: '0' };
  const foreign = { foreignDebitAmount: '000000000100', foreignDebitCount: '001', foreignCreditAmount: '000000000000', foreignCreditCount: '000', foreignSettlementCode: '0' };

  it('domestic totals only: 31 digits, left-aligned, pad 0', () => {
    expectField(48, domestic, '0031 00000005000000200000000100000100', settlementCodec);
  });

  it('domestic and foreign totals: 62 digits', () => {
    expectField(48, { ...domestic, ...foreign }, '0062 000000050000002000000001000001 0 000000000100 001 000000000000 000 0', settlementCodec);
  });

  it('a foreign half cut short is refused at the sub-field it ends in', () => {
    expect(unpackError(48, '0034 0000000500000020000000010000010000', settlementCodec)).toMatchObject({
      code: 'ISO_ERR_LENGTH',
      details: { field: '48.6' },
    });
    expect(unpackError(48, '0060 000000050000002000000001000001 0 000000000100 001 000000000000 00', settlementCodec)).toMatchObject({
      code: 'ISO_ERR_LENGTH',
      details: { field: '48.9' },
    });
    // 61 digits end exactly after 48.9: the trailing optional 48.10 is simply absent.
    expect(unpackedField(48, '0061 000000050000002000000001000001 0 000000000100 001 000000000000 000 0', settlementCodec)).toEqual({ ...domestic, ...foreign, foreignSettlementCode: undefined });
  });

  it('the general spec takes any digits up to 322: a batch-upload count, a tip, 322 digits', () => {
    expectField(48, '0004', '0004 0004');
    expectField(48, '000000000500', '0012 000000000500');
    expect(unpackedField(48, packedField(48, '9'.repeat(322)))).toBe('9'.repeat(322));
    expect(packError(48, '9'.repeat(323))).toMatchObject({ code: 'ISO_ERR_FIELD_VALUE', details: { field: '48' } });
    expect(unpackError(48, `0323${'99'.repeat(162)}`)).toMatchObject({ code: 'ISO_ERR_LENGTH', details: { field: '48', declared: 323 } });
  });

  it('the settlement spec is the general one with only field 48 replaced', () => {
    const general = unionPayPosSpec.fields as Readonly<Record<string, FieldSpec>>;
    const settlement = unionPayPosSettlementSpec.fields as Readonly<Record<string, FieldSpec>>;
    expect(Object.keys(settlement)).toEqual(Object.keys(general));
    for (const number of Object.keys(general)) {
      if (number === '48') expect(settlement[number]).not.toEqual(general[number]);
      else expect(settlement[number], `field ${number}`).toBe(general[number]);
    }
    expect({ ...settlement['48'], subfields: undefined, description: '' }).toEqual({ ...general['48'], subfields: undefined, description: '' });
  });
});

describe('typed values from the spec', () => {
  it('composites are objects, binary fields bytes, the rest strings', () => {
    const message = new IsoMessage(unionPayPosSpec, '0200')
      .set(2, '6212345678901')
      .set(52, Buffer.alloc(8))
      .set(60, { typeCode: '22', batchNumber: '000001' })
      .set(63, { code: 'CUP' });
    const back = codec.unpack(codec.pack(message));
    expect(back.get(60)?.batchNumber).toBe('000001');
    expect(back.get(63)?.data).toBeUndefined();
    expect(back.get(52)).toEqual(Buffer.alloc(8));
    const settlement = new IsoMessage(unionPayPosSettlementSpec, '0500').set(48, {
      debitAmount: '000000000000',
      debitCount: '000',
      creditAmount: '000000000000',
      creditCount: '000',
      settlementCode: '0',
    });
    expect(settlementCodec.unpack(settlementCodec.pack(settlement)).get(48)?.settlementCode).toBe('0');
  });
});
