import { describe, expect, it } from 'vitest';
import { BastionError } from '../errors/index.js';
import { IsoMessage } from './message.js';
import { MessageCodec } from './message-codec.js';
import { defineSpec, type FieldSpec } from './spec.js';

/** A one-field spec in a given dialect, to pin down each encoding's exact bytes. */
function oneField(field: FieldSpec, header: { mti?: 'bcd' | 'ascii' | 'ebcdic'; bitmap?: 'binary' | 'hex' | 'ebcdic-hex' } = {}) {
  return defineSpec({ name: 'test', description: 'test', mti: { encoding: header.mti ?? 'bcd' }, bitmap: { encoding: header.bitmap ?? 'binary' }, fields: { 2: field } });
}

/** Packs field 2 alone and returns the bytes after MTI (2 bytes BCD) and bitmap (8 bytes). */
function fieldBytes(field: FieldSpec, value: unknown): string {
  const spec = oneField(field);
  const message = new IsoMessage(spec, '0200');
  message.setUnchecked(2, value);
  return new MessageCodec(spec).pack(message).subarray(10).toString('hex').toUpperCase();
}

function thrown(run: () => unknown): BastionError {
  try {
    run();
  } catch (error) {
    if (error instanceof BastionError) return error;
    throw new Error(`not a BastionError: ${String(error)}`);
  }
  throw new Error('nothing was thrown');
}

describe('field bodies, byte by byte', () => {
  it('BCD right-aligned puts the pad nibble first; left-aligned puts it last', () => {
    expect(fieldBytes({ description: '', type: 'n', length: 3, encoding: 'bcd' }, '051')).toBe('0051');
    expect(fieldBytes({ description: '', type: 'n', length: 3, encoding: 'bcd-left' }, '051')).toBe('0510');
    expect(fieldBytes({ description: '', type: 'n', length: 3, encoding: 'bcd-left', padNibble: 15 }, '051')).toBe('051F');
    expect(fieldBytes({ description: '', type: 'n', length: 6, encoding: 'bcd' }, '000123')).toBe('000123');
  });

  it('track data keeps "=" as the nibble D', () => {
    expect(fieldBytes({ description: '', type: 'z', length: 37, prefix: 'LL', prefixEncoding: 'bcd', encoding: 'bcd-left' }, '6222021234567890=2512101')).toBe(
      '246222021234567890D2512101',
    );
  });

  it('length prefixes in BCD, ASCII, EBCDIC and binary', () => {
    const variable = (prefixEncoding: 'bcd' | 'ascii' | 'ebcdic' | 'binary', prefix: 'LL' | 'LLL'): FieldSpec => ({
      description: '',
      type: 'ans',
      length: 300,
      prefix,
      prefixEncoding,
      encoding: 'ascii',
    });
    expect(fieldBytes({ ...variable('bcd', 'LL'), length: 99 }, 'AB')).toBe('024142');
    expect(fieldBytes(variable('bcd', 'LLL'), 'AB')).toBe('00024142');
    expect(fieldBytes({ ...variable('ascii', 'LL'), length: 99 }, 'AB')).toBe('30324142');
    expect(fieldBytes(variable('ascii', 'LLL'), 'AB')).toBe('3030324142');
    expect(fieldBytes({ ...variable('ebcdic', 'LL'), length: 99 }, 'AB')).toBe('F0F24142');
    expect(fieldBytes(variable('binary', 'LLL'), 'AB')).toBe('00024142');
  });

  it('binary as bytes and as uppercase hex text; EBCDIC text; x+n with its sign', () => {
    expect(fieldBytes({ description: '', type: 'b', length: 2, encoding: 'binary' }, Buffer.from([0xab, 0x01]))).toBe('AB01');
    expect(fieldBytes({ description: '', type: 'b', length: 2, encoding: 'hex' }, Buffer.from([0xab, 0x01]))).toBe('41423031');
    expect(fieldBytes({ description: '', type: 'an', length: 3, encoding: 'ebcdic' }, 'A1 ')).toBe('C1F140');
    // Code page 037, as Python's cp037 codec gives it.
    expect(fieldBytes({ description: '', type: 'ans', length: 7, encoding: 'ebcdic' }, '[\\]^{}~')).toBe('BAE0BBB0C0D0A1');
    expect(fieldBytes({ description: '', type: 'xn', length: 4, encoding: 'ascii' }, 'D0150')).toBe('4430313530');
  });

  it('MTI and bitmap in ASCII and hex text', () => {
    const spec = oneField({ description: '', type: 'n', length: 2, encoding: 'ascii' }, { mti: 'ascii', bitmap: 'hex' });
    const packed = new MessageCodec(spec).pack(new IsoMessage(spec, '0800', { 2: '42' }));
    expect(packed.toString('latin1')).toBe('0800400000000000000042');
  });

  it('a field over 64 brings in the secondary bitmap (bit 1)', () => {
    const spec = defineSpec({
      name: 'test',
      description: 'test',
      mti: { encoding: 'bcd' },
      bitmap: { encoding: 'binary' },
      fields: { 3: { description: '', type: 'n', length: 2, encoding: 'bcd' }, 70: { description: '', type: 'n', length: 4, encoding: 'bcd' } },
    });
    const codec = new MessageCodec(spec);
    const packed = codec.pack(new IsoMessage(spec, '0800', { 3: '12', 70: '0301' }));
    expect(packed.toString('hex').toUpperCase()).toBe('0800' + 'A000000000000000' + '0400000000000000' + '12' + '0301');
    expect(codec.unpack(packed).get(70)).toBe('0301');
  });
});

describe('unpack errors say where, never what', () => {
  const pan = { description: 'PAN', type: 'n', length: 19, prefix: 'LL', prefixEncoding: 'bcd', encoding: 'bcd-left', sensitivity: 'pan' } as const;
  const codec = new MessageCodec(oneField(pan));
  const head = '0200' + '4000000000000000';

  it('a length over the maximum', () => {
    const error = thrown(() => codec.unpack(Buffer.from(`${head}20${'12'.repeat(10)}`, 'hex')));
    expect(error.code).toBe('ISO_ERR_LENGTH');
    expect(error.details).toMatchObject({ field: '2', offset: 10 });
  });

  it('a body that runs past the end, and bytes left over', () => {
    expect(thrown(() => codec.unpack(Buffer.from(`${head}16476173900101`, 'hex'))).code).toBe('ISO_ERR_LENGTH');
    const trailing = thrown(() => codec.unpack(Buffer.from(`${head}164761739001010010FF`, 'hex')));
    expect(trailing.code).toBe('ISO_ERR_TRAILING_DATA');
    expect(trailing.details).toMatchObject({ offset: 19 });
  });

  it('a non-digit nibble and a wrong pad nibble, without the PAN in the error', () => {
    const nibble = thrown(() => codec.unpack(Buffer.from(`${head}16476173900A010010`, 'hex')));
    expect(nibble.code).toBe('ISO_ERR_ENCODING');
    expect(nibble.details).toMatchObject({ field: '2', offset: 15 });
    const pad = thrown(() => codec.unpack(Buffer.from(`${head}1547617390010100F5`.replace('F5', '1F'), 'hex')));
    expect(pad.code).toBe('ISO_ERR_ENCODING');
    for (const error of [nibble, pad]) expect(`${error.message}${JSON.stringify(error.details)}`).not.toMatch(/476173/);
  });

  it('MTI, bitmap and undefined fields', () => {
    expect(thrown(() => codec.unpack(Buffer.from('02', 'hex'))).code).toBe('ISO_ERR_MTI');
    expect(thrown(() => codec.unpack(Buffer.from('0A00', 'hex'))).code).toBe('ISO_ERR_MTI');
    expect(thrown(() => codec.unpack(Buffer.from('020040', 'hex'))).code).toBe('ISO_ERR_BITMAP');
    const unknown = thrown(() => codec.unpack(Buffer.from('0200' + '2000000000000000' + '00', 'hex')));
    expect(unknown.code).toBe('ISO_ERR_BITMAP');
    expect(unknown.details).toMatchObject({ field: '3' });
    expect(thrown(() => codec.unpack(Buffer.from('0200' + '8000000000000000', 'hex'))).code).toBe('ISO_ERR_BITMAP');
  });

  it('a non-canonical BCD LLL prefix is refused', () => {
    const spec = oneField({ description: '', type: 'b', length: 999, prefix: 'LLL', prefixEncoding: 'bcd', encoding: 'binary' });
    expect(thrown(() => new MessageCodec(spec).unpack(Buffer.from(`${head}1001AB`, 'hex'))).code).toBe('ISO_ERR_LENGTH');
    expect(new MessageCodec(spec).unpack(Buffer.from(`${head}0001AB`, 'hex')).get(2)).toEqual(Buffer.from([0xab]));
  });
});

describe('packing checks values against their fields', () => {
  const spec = defineSpec({
    name: 'test',
    description: 'test',
    mti: { encoding: 'bcd' },
    bitmap: { encoding: 'binary' },
    fields: {
      3: { description: '', type: 'n', length: 6, encoding: 'bcd' },
      41: { description: '', type: 'ans', length: 8, encoding: 'ascii' },
      52: { description: '', type: 'b', length: 8, encoding: 'binary' },
      60: {
        description: '',
        type: 'n',
        length: 17,
        prefix: 'LLL',
        prefixEncoding: 'bcd',
        encoding: 'bcd-left',
        subfields: [
          { key: 'typeCode', path: '60.1', description: '', length: 2 },
          { key: 'batch', path: '60.2', description: '', length: 6 },
          { key: 'code', path: '60.3', description: '', length: 3, optional: true },
        ],
      },
    },
  });
  const codec = new MessageCodec(spec);
  const pack = (fields: Record<number, unknown>): BastionError =>
    thrown(() => {
      const message = new IsoMessage(spec, '0200');
      for (const [field, value] of Object.entries(fields)) message.setUnchecked(Number(field), value);
      return codec.pack(message);
    });

  it('names the field for wrong lengths, characters and types', () => {
    expect(pack({ 3: '12345' })).toMatchObject({ code: 'ISO_ERR_FIELD_VALUE', details: { field: '3' } });
    expect(pack({ 3: '12345A' })).toMatchObject({ code: 'ISO_ERR_FIELD_VALUE', details: { field: '3', position: 5 } });
    expect(pack({ 41: 'TERM\u00e901' })).toMatchObject({ code: 'ISO_ERR_FIELD_VALUE', details: { field: '41' } });
    expect(pack({ 52: 'not bytes' })).toMatchObject({ code: 'ISO_ERR_FIELD_VALUE', details: { field: '52' } });
    expect(pack({ 52: Buffer.alloc(7) })).toMatchObject({ code: 'ISO_ERR_FIELD_VALUE', details: { field: '52' } });
  });

  it('checks composites: required, unknown and out-of-order sub-fields', () => {
    expect(pack({ 60: { typeCode: '22' } })).toMatchObject({ code: 'ISO_ERR_FIELD_VALUE', details: { field: '60.2' } });
    expect(pack({ 60: { typeCode: '22', batch: '000001', colour: 'x' } })).toMatchObject({ code: 'ISO_ERR_FIELD_UNKNOWN' });
    expect(pack({ 60: { typeCode: '2', batch: '000001' } })).toMatchObject({ code: 'ISO_ERR_FIELD_VALUE', details: { field: '60.1' } });
    const message = new IsoMessage(spec, '0200', { 60: { typeCode: '22', batch: '000001' } });
    expect(codec.unpack(codec.pack(message)).get(60)).toEqual({ typeCode: '22', batch: '000001' });
  });

  it('refuses an MTI that is not four digits and a field the spec lacks', () => {
    expect(thrown(() => codec.pack(new IsoMessage(spec, '200')))).toMatchObject({ code: 'ISO_ERR_MTI' });
    expect(thrown(() => new IsoMessage(spec, '0200').set(4 as 3, '1'))).toMatchObject({ code: 'ISO_ERR_FIELD_UNKNOWN', details: { field: '4' } });
  });
});

describe('spec mistakes are found when the spec is compiled', () => {
  const bad = (field: FieldSpec): BastionError => thrown(() => new MessageCodec(oneField(field)));
  it('impossible combinations', () => {
    expect(bad({ description: '', type: 'an', length: 2, encoding: 'bcd' }).code).toBe('ISO_ERR_SPEC');
    expect(bad({ description: '', type: 'b', length: 2, encoding: 'ascii' }).code).toBe('ISO_ERR_SPEC');
    expect(bad({ description: '', type: 'n', length: 120, prefix: 'LL', prefixEncoding: 'bcd', encoding: 'bcd' }).code).toBe('ISO_ERR_SPEC');
    expect(bad({ description: '', type: 'n', length: 9, prefix: 'LL', encoding: 'bcd' }).code).toBe('ISO_ERR_SPEC');
    expect(bad({ description: '', type: 'n', length: 4, encoding: 'bcd', subfields: [{ key: 'a', path: '2.1', description: '', length: 5 }] }).code).toBe('ISO_ERR_SPEC');
  });
});
