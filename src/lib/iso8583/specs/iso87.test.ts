import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BastionError } from '../../errors/index.js';
import { IsoMessage } from '../message.js';
import { MessageCodec } from '../message-codec.js';
import type { MessageSpec } from '../spec.js';
import { iso87AsciiSpec } from './iso87-ascii.js';
import { iso87BinarySpec } from './iso87-binary.js';
import { unionPayPosSpec } from './unionpay-pos.js';

function ascii(text: string): string {
  return Buffer.from(text, 'ascii').toString('hex').toUpperCase();
}

function codedError(run: () => unknown): BastionError {
  try {
    run();
  } catch (error) {
    if (error instanceof BastionError) return error;
    throw error;
  }
  throw new Error('expected a BastionError');
}

/** Fields 2, 3, 4, 11, 28 (x+n), 32 (odd LL numeric), 35 (track 2), 41, 52 (binary), 70 (secondary bitmap). */
function sampleMessage<S extends MessageSpec>(spec: S): IsoMessage<S> {
  const message = new IsoMessage<MessageSpec>(spec, '0200')
    .set(2, '4761739001010010')
    .set(3, '000000')
    .set(4, '000000001000')
    .set(11, '000001')
    .set(28, 'D00000100')
    .set(32, '12345')
    .set(35, '4761739001010010=2512')
    .set(41, 'TERM0001')
    .set(52, Buffer.from('0123456789ABCDEF', 'hex') as never)
    .set(70, '301');
  return message as IsoMessage<S>;
}

describe('iso87-ascii', () => {
  const codec = new MessageCodec(iso87AsciiSpec);

  it('packs byte by byte: ASCII MTI, hex bitmaps, ASCII prefixes and digits, hex binary fields', () => {
    const expected = [
      ascii('0200'),
      ascii('F020001120801000'), // bit 1 (secondary), 2, 3, 4, 11, 28, 32, 35, 41, 52
      ascii('0400000000000000'), // 70
      ascii('16'), ascii('4761739001010010'),
      ascii('000000'),
      ascii('000000001000'),
      ascii('000001'),
      ascii('D00000100'),
      ascii('05'), ascii('12345'),
      ascii('21'), ascii('4761739001010010=2512'),
      ascii('TERM0001'),
      ascii('0123456789ABCDEF'),
      ascii('301'),
    ].join('');
    const bytes = codec.pack(sampleMessage(iso87AsciiSpec));
    expect(bytes.toString('hex').toUpperCase()).toBe(expected);
    const back = codec.unpack(bytes);
    expect(back.get(35)).toBe('4761739001010010=2512');
    expect(back.get(52)).toEqual(Buffer.from('0123456789ABCDEF', 'hex'));
    expect(back.get(28)).toBe('D00000100');
  });

  it('omits the secondary bitmap when no field above 64 is present', () => {
    const message = new IsoMessage(iso87AsciiSpec, '0800').set(11, '000001').set(64, Buffer.alloc(8, 0xab));
    expect(codec.pack(message).toString('ascii')).toBe(`08000020000000000001000001${'AB'.repeat(8)}`);
  });

  it('counts bytes, not hex characters, in the prefix of a variable binary field (55)', () => {
    const message = new IsoMessage(iso87AsciiSpec, '0100').set(55, Buffer.from('9F2701800102', 'hex'));
    expect(codec.pack(message).toString('ascii')).toBe('01000000000000000200' + '006' + '9F2701800102');
  });

  it('refuses an x+n amount without its sign, naming the field', () => {
    const error = codedError(() => codec.pack(new IsoMessage(iso87AsciiSpec, '0200').set(28, '000000100')));
    expect(error.code).toBe('ISO_ERR_FIELD_VALUE');
    expect(error.details).toMatchObject({ field: '28' });
  });

  it('refuses a lowercase hex bitmap on unpack', () => {
    const error = codedError(() => codec.unpack(Buffer.from('0800002000000000000a000001', 'ascii')));
    expect(error.code).toBe('ISO_ERR_BITMAP');
  });
});

describe('iso87-binary', () => {
  const codec = new MessageCodec(iso87BinarySpec);

  it('packs byte by byte: BCD MTI and right-aligned numerics, binary bitmaps, BCD prefixes, ASCII text', () => {
    const expected = [
      '0200',
      'F020001120801000',
      '0400000000000000',
      '16', '4761739001010010',
      '000000',
      '000000001000',
      '000001',
      ascii('D00000100'), // x+n stays ASCII: the sign is a letter
      '05', '012345', // 5 digits, right-aligned: a leading 0 nibble
      '21', '04761739001010010D2512', // track 2: `=` is the nibble D
      ascii('TERM0001'),
      '0123456789ABCDEF',
      '0301',
    ].join('');
    const bytes = codec.pack(sampleMessage(iso87BinarySpec));
    expect(bytes.toString('hex').toUpperCase()).toBe(expected);
    const back = codec.unpack(bytes);
    expect(back.get(32)).toBe('12345');
    expect(back.get(35)).toBe('4761739001010010=2512');
    expect(back.get(70)).toBe('301');
  });

  it('writes LLL as two BCD bytes (track 3, 104 digits at most)', () => {
    const track3 = '1'.repeat(103);
    const bytes = codec.pack(new IsoMessage(iso87BinarySpec, '0200').set(36, track3));
    expect(bytes.subarray(10, 12).toString('hex')).toBe('0103');
    expect(bytes.length).toBe(2 + 8 + 2 + 52);
    expect(codec.unpack(bytes).get(36)).toBe(track3);
  });

  it('refuses a declared length over the field maximum', () => {
    const frame = Buffer.from('0200' + '4000000000000000' + '20' + '01234567890123456789', 'hex');
    const error = codedError(() => codec.unpack(frame));
    expect(error.code).toBe('ISO_ERR_LENGTH');
    expect(error.details).toMatchObject({ field: '2', offset: 10 });
  });
});

describe('the two 1987 dialects', () => {
  it('share one field table: 2 to 128, same descriptions, types, lengths, prefixes and sensitivity', () => {
    const numbers = Object.keys(iso87AsciiSpec.fields).map(Number);
    expect(numbers).toEqual(Array.from({ length: 127 }, (_, index) => index + 2));
    expect(Object.keys(iso87BinarySpec.fields).map(Number)).toEqual(numbers);
    for (const field of numbers) {
      const textual = (iso87AsciiSpec.fields as MessageSpec['fields'])[field];
      const binary = (iso87BinarySpec.fields as MessageSpec['fields'])[field];
      const shape = (spec: typeof textual) => [spec?.description, spec?.type, spec?.length, spec?.prefix, spec?.sensitivity, spec?.tlv];
      expect(shape(binary), `field ${field}`).toEqual(shape(textual));
    }
  });

  it('mark card data for describe: PAN, tracks, PIN block, MACs, EMV', () => {
    const sensitive = Object.entries(iso87AsciiSpec.fields as MessageSpec['fields'])
      .filter(([, spec]) => spec.sensitivity !== undefined)
      .map(([field, spec]) => `${field}:${spec.sensitivity ?? ''}`);
    expect(sensitive).toEqual(['2:pan', '14:card-data', '34:pan', '35:track', '36:track', '45:track', '52:pin-block', '55:emv', '64:mac', '96:mac', '102:pan', '103:pan', '128:mac']);
  });
});

describe('a new dialect is data only', () => {
  const specs: readonly MessageSpec[] = [unionPayPosSpec, iso87AsciiSpec, iso87BinarySpec];
  /** Fields every shipped spec defines with compatible formats. */
  const values = {
    2: '6222021234567890123',
    3: '000000',
    4: '000000012345',
    11: '000123',
    12: '101112',
    13: '1121',
    22: '051',
    25: '00',
    35: '6222021234567890123=31072011234567890',
    37: '123456789012',
    41: 'TERM0001',
    42: '123456789012345',
    49: '156',
    52: Buffer.from('1A2B3C4D5E6F7081', 'hex'),
    55: Buffer.from('9F2701809F360200A1', 'hex'),
    64: Buffer.from('A1B2C3D4E5F60718', 'hex'),
  } as const;

  it.each(specs.map((spec) => [spec.name, spec] as const))('%s: the same message packs and unpacks through MessageCodec', (_name, spec) => {
    const codec = new MessageCodec(spec);
    const message = new IsoMessage(spec, '0200');
    for (const [field, value] of Object.entries(values)) message.set(Number(field), value as never);
    const bytes = codec.pack(message);
    const back = codec.unpack(bytes);
    expect(back.mti).toBe('0200');
    expect(back.fieldNumbers()).toEqual(Object.keys(values).map(Number));
    for (const [field, value] of Object.entries(values)) expect(back.valueAt(Number(field))).toEqual(value);
    expect(codec.pack(back)).toEqual(bytes);
  });

  it('three specs give three different wire forms of that message', () => {
    const wires = specs.map((spec) => {
      const message = new IsoMessage(spec, '0200');
      for (const [field, value] of Object.entries(values)) message.set(Number(field), value as never);
      return new MessageCodec(spec).pack(message).toString('hex');
    });
    expect(new Set(wires).size).toBe(3);
  });

  it('pack(unpack(bytes)) = bytes for random messages in both 1987 dialects (property)', () => {
    const digits = (min: number, max: number) => fc.stringMatching(new RegExp(`^[0-9]{${min},${max}}$`));
    const arbitraryFields = fc.record(
      {
        2: digits(12, 19),
        4: digits(12, 12),
        32: digits(1, 11),
        35: fc.tuple(digits(12, 19), digits(4, 17)).map(([a, b]) => `${a}=${b}`),
        43: fc.stringMatching(/^[ -~]{40}$/),
        48: fc.stringMatching(/^[ -~]{1,60}$/),
        52: fc.uint8Array({ minLength: 8, maxLength: 8 }),
        55: fc.uint8Array({ minLength: 1, maxLength: 40 }),
        97: fc.tuple(fc.constantFrom('C', 'D'), digits(16, 16)).map(([sign, amount]) => sign + amount),
        102: fc.stringMatching(/^[0-9A-Z]{1,28}$/),
      },
      { requiredKeys: [] },
    );
    for (const spec of [iso87AsciiSpec, iso87BinarySpec] as const) {
      const codec = new MessageCodec<MessageSpec>(spec);
      fc.assert(
        fc.property(arbitraryFields, (fields) => {
          const message = new IsoMessage<MessageSpec>(spec, '0210');
          for (const [field, value] of Object.entries(fields)) message.set(Number(field), value as never);
          const bytes = codec.pack(message);
          const back = codec.unpack(bytes);
          expect(codec.pack(back)).toEqual(bytes);
          for (const [field, value] of Object.entries(fields)) expect(back.valueAt(Number(field))).toEqual(value instanceof Uint8Array ? Buffer.from(value) : value);
        }),
        { numRuns: 150 },
      );
    }
  });
});
