import fc from 'fast-check';
import { describe as group, expect, it } from 'vitest';
import { describe, describeJson, maskPan } from './describe.js';
import { IsoMessage } from './message.js';
import { MessageCodec } from './message-codec.js';
import { iso87AsciiSpec } from './specs/iso87-ascii.js';
import { unionPayPosSpec } from './specs/unionpay-pos.js';
import { defineSpec } from './spec.js';

/** A small spec of our own, so the exact dump does not depend on a shipped spec's wording. */
const dumpSpec = defineSpec({
  name: 'dump-test',
  description: 'fields of every sensitivity',
  mti: { encoding: 'ascii' },
  bitmap: { encoding: 'hex' },
  fields: {
    2: { description: 'Primary account number', type: 'n', length: 19, prefix: 'LL', prefixEncoding: 'ascii', encoding: 'ascii', sensitivity: 'pan' },
    3: { description: 'Processing code', type: 'n', length: 6, encoding: 'ascii' },
    14: { description: 'Expiry', type: 'n', length: 4, encoding: 'ascii', sensitivity: 'card-data' },
    35: { description: 'Track 2', type: 'z', length: 37, prefix: 'LL', prefixEncoding: 'ascii', encoding: 'ascii', sensitivity: 'track' },
    52: { description: 'PIN block', type: 'b', length: 8, encoding: 'hex', sensitivity: 'pin-block' },
    55: { description: 'ICC data', type: 'b', length: 255, prefix: 'LLL', prefixEncoding: 'ascii', encoding: 'hex', tlv: true, sensitivity: 'emv' },
    60: {
      description: 'Private: type and batch',
      type: 'n',
      length: 8,
      prefix: 'LLL',
      prefixEncoding: 'ascii',
      encoding: 'ascii',
      subfields: [
        { key: 'typeCode', path: '60.1', description: 'type code', length: 2 },
        { key: 'batchNumber', path: '60.2', description: 'batch', length: 6 },
      ],
    },
    64: { description: 'MAC', type: 'b', length: 8, encoding: 'hex', sensitivity: 'mac' },
  },
});

/** Canary card data: none of it may appear in masked output, all of it in unmasked output. */
const pan = '6222021234567890123';
const panMiddle = pan.slice(6, -4);
const track2 = '6222021234567890123=31072011234567890';
const track3 = '996222021234567890123=1561560000000000000003000000214000031070=000000000000=000000000000=00000000';
const pinBlockHex = '1A2B3C4D5E6F7081';
const macHex = 'A1B2C3D4E5F60718';
const expiry = '3107';
/**
 * Field 55: 9F26 cryptogram (hidden), 9F27 CID (shown), 5A PAN (masked), 9F02 amount (shown),
 * template 70 holding 57 track 2 equivalent (hidden), DF7F a tag the dictionary does not list (hidden).
 */
const cryptogramHex = 'C3D4E5F6A7B8C9D0';
const track2EquivalentHex = '6222021234567890123D3107';
const unknownTagValueHex = 'ABCDEF';
const iccHex = `9F2608${cryptogramHex}9F2701805A0A6222021234567890123F9F0206000000012345700E570C${track2EquivalentHex}DF7F03${unknownTagValueHex}`;

function saleMessage(): IsoMessage<typeof unionPayPosSpec> {
  return new IsoMessage(unionPayPosSpec, '0200')
    .set(2, pan)
    .set(3, '000000')
    .set(4, '000000012345')
    .set(11, '000123')
    .set(14, expiry)
    .set(22, '051')
    .set(35, track2)
    .set(36, track3)
    .set(41, 'TERM0001')
    .set(52, Buffer.from(pinBlockHex, 'hex'))
    .set(55, Buffer.from(iccHex, 'hex'))
    .set(60, { typeCode: '22', batchNumber: '000001', networkCode: '000' })
    .set(64, Buffer.from(macHex, 'hex'));
}

const secrets = [pan, panMiddle, track2, track3, pinBlockHex, macHex, iccHex, cryptogramHex, track2EquivalentHex, unknownTagValueHex];

function leaks(text: string): string[] {
  const upper = text.toUpperCase();
  return secrets.filter((secret) => upper.includes(secret.toUpperCase()));
}

group('maskPan', () => {
  it('keeps the first 6 and the last 4 digits', () => {
    expect(maskPan('6222021234560123')).toBe('622202******0123');
    expect(maskPan(pan)).toBe('622202*********0123');
    expect(maskPan('622202123456')).toBe('622202**3456');
  });

  it('hides values too short to mask', () => {
    expect(maskPan('62220212345')).toBe('[PAN hidden, 11 characters]');
    expect(maskPan('1')).toBe('[PAN hidden, 1 character]');
  });

  it('never returns more than 10 characters of a PAN in clear (property)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{12,19}$/), (value) => {
        const masked = maskPan(value);
        expect(masked.replace(/\*/g, '').length).toBeLessThanOrEqual(10);
        expect(masked).toHaveLength(value.length);
      }),
      { numRuns: 200 },
    );
  });
});

group('describe', () => {
  it('dumps MTI and fields, card data masked (known answer)', () => {
    const message = new IsoMessage(dumpSpec, '0200')
      .set(2, pan)
      .set(3, '000000')
      .set(14, expiry)
      .set(35, track2)
      .set(52, Buffer.from(pinBlockHex, 'hex'))
      .set(55, Buffer.from(iccHex, 'hex'))
      .set(60, { typeCode: '22', batchNumber: '000001' })
      .set(64, Buffer.from(macHex, 'hex'));
    expect(describe(message)).toBe(
      [
        'MTI 0200  (spec dump-test)',
        '   2  Primary account number: 622202*********0123',
        '   3  Processing code: 000000',
        '  14  Expiry: [card data hidden, 4 digits]',
        '  35  Track 2: [track data hidden, 37 digits]',
        '  52  PIN block: [hidden, 8 bytes]',
        '  55  ICC data:',
        '        9F26  Application Cryptogram: [hidden, 8 bytes]',
        '        9F27  Cryptogram Information Data: 80',
        '        5A  Application Primary Account Number (PAN): 622202*********0123',
        '        9F02  Amount, Authorised (Numeric): 000000012345',
        '        70  READ RECORD Response Message Template:',
        '          57  Track 2 Equivalent Data: [hidden, 12 bytes]',
        '        DF7F  tag not in the EMV dictionary: [hidden, 3 bytes]',
        '  60  Private: type and batch:',
        '        60.1  type code: 22',
        '        60.2  batch: 000001',
        '  64  MAC: [hidden, 8 bytes]',
      ].join('\n'),
    );
  });

  it('masked text and JSON carry no PAN, track, PIN block, MAC or EMV data (canary)', () => {
    const message = saleMessage();
    expect(leaks(describe(message))).toEqual([]);
    expect(leaks(JSON.stringify(describeJson(message)))).toEqual([]);
    expect(describe(message)).not.toContain(expiry);
  });

  it('masks after a round trip through the codec too (values unpacked from bytes)', () => {
    const codec = new MessageCodec(unionPayPosSpec);
    const back = codec.unpack(codec.pack(saleMessage()));
    expect(leaks(describe(back))).toEqual([]);
    expect(describe(back)).toBe(describe(saleMessage()));
  });

  it('shows everything when asked explicitly', () => {
    const text = describe(saleMessage(), { unmasked: true });
    // Field 55 is listed tag by tag, so its bytes appear value by value rather than as one run.
    expect(leaks(text).sort()).toEqual(secrets.filter((secret) => secret !== iccHex).sort());
    expect(text).toMatch(new RegExp(`\\n {3}2 {2}[^\\n]*: ${pan}\\n`));
    expect(text).toMatch(new RegExp(`\\n {2}52 {2}[^\\n]*: ${pinBlockHex}\\n`));
    expect(text).toMatch(new RegExp(`\\n {2}14 {2}[^\\n]*: ${expiry}\\n`));
  });

  it('treats TLV field bytes that are not BER-TLV like any other field of their sensitivity', () => {
    const broken = Buffer.from(`9F2608${cryptogramHex.slice(0, 8)}`, 'hex'); // the length claims 8 bytes, 4 follow
    const message = new IsoMessage(dumpSpec, '0200').set(55, broken);
    expect(describeJson(message).fields['55']).toBe('[EMV data hidden, 7 bytes]');
    expect(describeJson(message, { unmasked: true }).fields['55']).toBe(`9F2608${cryptogramHex.slice(0, 8)}`);
    expect(leaks(describe(message))).toEqual([]);
  });

  it('shows an empty TLV field as an empty list', () => {
    const message = new IsoMessage(dumpSpec, '0200').set(55, Buffer.alloc(0));
    expect(describeJson(message).fields['55']).toEqual([]);
    expect(describe(message).split('\n')[1]).toBe('  55  ICC data: (no data objects)');
  });

  it('prints only the MTI line for a message without fields', () => {
    expect(describe(new IsoMessage(iso87AsciiSpec, '0800'))).toBe('MTI 0800  (spec iso87-ascii)');
  });

  it('reports a value of the wrong kind without showing it', () => {
    const message = new IsoMessage(unionPayPosSpec, '0200');
    message.setUnchecked(3, 42);
    message.setUnchecked(60, 'not an object');
    expect(describeJson(message).fields).toEqual({ '3': '[not a field value]', '60': '[not a field value]' });
  });
});

group('describeJson', () => {
  it('is the encode shape: spec, MTI, fields by number, binary as hex, composites by key', () => {
    expect(describeJson(saleMessage(), { unmasked: true })).toEqual({
      spec: 'unionpay-pos',
      mti: '0200',
      fields: {
        '2': pan,
        '3': '000000',
        '4': '000000012345',
        '11': '000123',
        '14': expiry,
        '22': '051',
        '35': track2,
        '36': track3,
        '41': 'TERM0001',
        '52': pinBlockHex,
        '55': [
          { tag: '9F26', name: 'Application Cryptogram', value: cryptogramHex },
          { tag: '9F27', name: 'Cryptogram Information Data', value: '80' },
          { tag: '5A', name: 'Application Primary Account Number (PAN)', value: '6222021234567890123F' },
          { tag: '9F02', name: 'Amount, Authorised (Numeric)', value: '000000012345' },
          { tag: '70', name: 'READ RECORD Response Message Template', children: [{ tag: '57', name: 'Track 2 Equivalent Data', value: track2EquivalentHex }] },
          { tag: 'DF7F', value: unknownTagValueHex },
        ],
        '60': { typeCode: '22', batchNumber: '000001', networkCode: '000' },
        '64': macHex,
      },
    });
  });

  it('masks by sensitivity', () => {
    const fields = describeJson(saleMessage()).fields;
    expect(fields['2']).toBe('622202*********0123');
    expect(fields['35']).toBe('[track data hidden, 37 digits]');
    expect(fields['52']).toBe('[hidden, 8 bytes]');
    expect(fields['64']).toBe('[hidden, 8 bytes]');
    expect(fields['60']).toEqual({ typeCode: '22', batchNumber: '000001', networkCode: '000' });
  });

  it('lists fields in ascending order, secondary-bitmap fields included', () => {
    const message = new IsoMessage(iso87AsciiSpec, '0800').set(128, Buffer.alloc(8)).set(70, '301').set(11, '000001');
    expect(Object.keys(describeJson(message).fields)).toEqual(['11', '70', '128']);
    expect(describeJson(message).fields['128']).toBe('[hidden, 8 bytes]');
  });

  it('masks account identifications and track 1 in the 1987 dialect', () => {
    const message = new IsoMessage(iso87AsciiSpec, '0200')
      .set(45, `B${pan}^CARDHOLDER/TEST^3107101`)
      .set(102, pan)
      .set(34, pan);
    const json = JSON.stringify(describeJson(message));
    expect(leaks(json)).toEqual([]);
    expect(describeJson(message).fields['45']).toBe('[track data hidden, 44 characters]');
  });
});
