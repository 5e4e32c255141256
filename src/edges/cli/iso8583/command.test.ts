import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IsoMessage, MessageCodec, iso87AsciiSpec, iso87BinarySpec, unionPayPosSpec, type MessageSpec } from '../../../lib/iso8583/index.js';
import { main } from '../main.js';
import { memoryIo } from '../test-io.js';
import { unmaskedWarning } from './command.js';
import { inputBytesMax } from './read-input.js';

const pan = '6222021234567890123';
const pinBlockHex = '1A2B3C4D5E6F7081';

/** The UnionPay sale of docs/iso8583-cli.md, packed independently of the CLI. */
function saleHex(): string {
  const message = new IsoMessage(unionPayPosSpec, '0200')
    .set(2, pan)
    .set(3, '000000')
    .set(4, '000000012345')
    .set(11, '000123')
    .set(52, Buffer.from(pinBlockHex, 'hex'))
    .set(60, { typeCode: '22', batchNumber: '000001', networkCode: '000' });
  return new MessageCodec(unionPayPosSpec).pack(message).toString('hex').toUpperCase();
}

/** 9F26 cryptogram, 9F27 CID, template 70 with 57 track 2 equivalent. */
const iccHex = '9F2608C3D4E5F6A7B8C9D09F270180700E570C6222021234567890123D3107';

const directory = mkdtempSync(join(tmpdir(), 'bastion-iso8583-cli-'));
afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

function jsonFile(name: string, value: unknown): string {
  const path = join(directory, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
}

async function bastion(argv: string[], stdin = ''): Promise<{ status: number; out: string; err: string }> {
  const io = memoryIo(stdin);
  const status = await main(argv, io);
  return { status, out: io.out(), err: io.err() };
}

/** A failed run: exit 2, nothing on stdout, one coded line on stderr (no stack trace). */
async function expectCodedFailure(argv: string[], code: string, stdin = ''): Promise<string> {
  const result = await bastion(argv, stdin);
  expect(result.status).toBe(2);
  expect(result.out).toBe('');
  expect(result.err).toMatch(new RegExp(`^error ${code}: [^\\n]+\\n$`));
  expect(result.err).not.toMatch(/\bat .*\.[jt]s:\d+/);
  return result.err;
}

describe('bastion iso8583 decode', () => {
  it('prints masked JSON by default', async () => {
    const result = await bastion(['iso8583', 'decode', '--spec', 'unionpay-pos', '--frame', saleHex()]);
    expect(result.status).toBe(0);
    expect(result.err).toBe('');
    expect(JSON.parse(result.out)).toEqual({
      spec: 'unionpay-pos',
      mti: '0200',
      fields: {
        '2': '622202*********0123',
        '3': '000000',
        '4': '000000012345',
        '11': '000123',
        '52': '[hidden, 8 bytes]',
        '60': { typeCode: '22', batchNumber: '000001', networkCode: '000' },
      },
    });
  });

  it('reads the hex from stdin when --frame is - or absent, ignoring whitespace', async () => {
    const spaced = `${saleHex().replace(/(.{16})/g, '$1 ')}\n`;
    const fromArgument = await bastion(['iso8583', 'decode', '--spec', 'unionpay-pos', '--frame', saleHex()]);
    expect(await bastion(['iso8583', 'decode', '--spec', 'unionpay-pos', '--frame', '-'], spaced)).toEqual(fromArgument);
    expect(await bastion(['iso8583', 'decode', '--spec', 'unionpay-pos'], spaced)).toEqual(fromArgument);
  });

  it('--text prints the dump, masked', async () => {
    const result = await bastion(['iso8583', 'decode', '--spec', 'unionpay-pos', '--text', '--frame', saleHex()]);
    expect(result.status).toBe(0);
    expect(result.out.split('\n').slice(0, 3)).toEqual(['MTI 0200  (spec unionpay-pos)', '   2  Primary account number: 622202*********0123', '   3  Processing code: 000000']);
    expect(result.out).not.toContain(pan);
    expect(result.out).not.toContain(pinBlockHex);
  });

  it('--unmasked shows card data and warns on stderr', async () => {
    const json = await bastion(['iso8583', 'decode', '--spec', 'unionpay-pos', '--unmasked', '--frame', saleHex()]);
    expect(json.status).toBe(0);
    expect(json.err).toBe(unmaskedWarning);
    expect((JSON.parse(json.out) as { fields: unknown }).fields).toMatchObject({ '2': pan, '52': pinBlockHex });
    const text = await bastion(['iso8583', 'decode', '--spec', 'unionpay-pos', '--unmasked', '--text', '--frame', saleHex()]);
    expect(text.err).toBe(unmaskedWarning);
    expect(text.out).toContain(`: ${pan}\n`);
  });

  it('--framing unionpay reads length, TPDU and header and shows them', async () => {
    const framed = `003C6000030000603100000000${saleHex()}`;
    // 0x3C = 60 = 5 (TPDU) + 6 (header) + 49 (message): the length counts everything after it.
    expect(framed.length / 2 - 2).toBe(0x3c);
    const result = await bastion(['iso8583', 'decode', '--spec', 'unionpay-pos', '--framing', 'unionpay', '--frame', framed]);
    expect(result.status).toBe(0);
    const json = JSON.parse(result.out);
    expect(Object.keys(json)).toEqual(['spec', 'tpdu', 'header', 'mti', 'fields']);
    expect(json).toMatchObject({ tpdu: '6000030000', header: '603100000000', mti: '0200' });
    const text = await bastion(['iso8583', 'decode', '--spec', 'unionpay-pos', '--framing', 'unionpay', '--text', '--frame', framed]);
    expect(text.out.split('\n')[0]).toBe('TPDU 6000030000  (id 60, destination 0003, source 0000)');
  });

  it('without --framing, a framed input is refused, not misread', async () => {
    await expectCodedFailure(['iso8583', 'decode', '--spec', 'unionpay-pos', '--frame', `003C6000030000603100000000${saleHex()}`], 'ISO_ERR_[A-Z_]+');
  });
});

describe('bastion iso8583 encode', () => {
  const sale = {
    mti: '0200',
    fields: { '2': pan, '3': '000000', '4': '000000012345', '11': '000123', '52': pinBlockHex, '60': { typeCode: '22', batchNumber: '000001', networkCode: '000' } },
  };

  it('packs a JSON file and prints uppercase hex', async () => {
    const result = await bastion(['iso8583', 'encode', '--spec', 'unionpay-pos', '--json', jsonFile('sale.json', sale)]);
    expect(result).toEqual({ status: 0, out: `${saleHex()}\n`, err: '' });
  });

  it('reads stdin when --json is - or absent, and takes the spec from the input', async () => {
    const expected = { status: 0, out: `${saleHex()}\n`, err: '' };
    expect(await bastion(['iso8583', 'encode', '--spec', 'unionpay-pos', '--json', '-'], JSON.stringify(sale))).toEqual(expected);
    expect(await bastion(['iso8583', 'encode'], JSON.stringify({ spec: 'unionpay-pos', ...sale }))).toEqual(expected);
  });

  it('--framing unionpay adds length, TPDU and header from the input', async () => {
    const input = JSON.stringify({ ...sale, tpdu: '6000030000', header: '603100000000' });
    const result = await bastion(['iso8583', 'encode', '--spec', 'unionpay-pos', '--framing', 'unionpay'], input);
    expect(result.out).toBe(`003C6000030000603100000000${saleHex()}\n`);
  });

  it.each([
    ['unionpay-pos', unionPayPosSpec],
    ['iso87-ascii', iso87AsciiSpec],
    ['iso87-binary', iso87BinarySpec],
  ] as const)('%s: decode --unmasked | encode gives the same bytes back', async (name, spec: MessageSpec) => {
    const message = new IsoMessage<MessageSpec>(spec, '0210')
      .set(2, pan)
      .set(3, '000000')
      .set(4, '000000012345')
      .set(11, '000123')
      .set(37, '123456789012')
      .set(39, '00')
      .set(41, 'TERM0001')
      .set(52, Buffer.from(pinBlockHex, 'hex') as never)
      .set(55, Buffer.from(iccHex, 'hex') as never)
      .set(64, Buffer.from('0102030405060708', 'hex') as never);
    const hex = new MessageCodec(spec).pack(message).toString('hex').toUpperCase();
    const decoded = await bastion(['iso8583', 'decode', '--spec', name, '--unmasked', '--frame', hex]);
    const encoded = await bastion(['iso8583', 'encode'], decoded.out);
    expect(encoded).toEqual({ status: 0, out: `${hex}\n`, err: '' });
  });
});

describe('the settlement spec', () => {
  it('packs and shows field 48 as totals', async () => {
    const totals = { debitAmount: '000000012345', debitCount: '001', creditAmount: '000000000000', creditCount: '000', settlementCode: '0' };
    const input = JSON.stringify({ spec: 'unionpay-pos-settlement', mti: '0500', fields: { '11': '000200', '48': totals } });
    const encoded = await bastion(['iso8583', 'encode'], input);
    // 48: LLL 0031 in BCD, then 31 digits left-aligned with a 0 pad nibble.
    expect(encoded.out).toBe('05000020000000010000000200003100000001234500100000000000000000\n');
    const decoded = await bastion(['iso8583', 'decode', '--spec', 'unionpay-pos-settlement', '--frame', encoded.out.trim()]);
    expect((JSON.parse(decoded.out) as { fields: unknown }).fields).toEqual({ '11': '000200', '48': totals });
  });
});

describe('TLV fields (55)', () => {
  const withIcc = (icc: unknown) => JSON.stringify({ spec: 'unionpay-pos', mti: '0200', fields: { '11': '000001', '55': icc } });

  it('decode lists the data objects, cryptogram and track equivalent hidden', async () => {
    const hex = (await bastion(['iso8583', 'encode'], withIcc(iccHex))).out.trim();
    const result = await bastion(['iso8583', 'decode', '--spec', 'unionpay-pos', '--frame', hex]);
    expect((JSON.parse(result.out) as { fields: unknown }).fields).toEqual({
      '11': '000001',
      '55': [
        { tag: '9F26', name: 'Application Cryptogram', value: '[hidden, 8 bytes]' },
        { tag: '9F27', name: 'Cryptogram Information Data', value: '80' },
        { tag: '70', name: 'READ RECORD Response Message Template', children: [{ tag: '57', name: 'Track 2 Equivalent Data', value: '[hidden, 12 bytes]' }] },
      ],
    });
  });

  it('encode takes the list form or hex, with the same result', async () => {
    const list = [
      { tag: '9F26', value: 'C3D4E5F6A7B8C9D0' },
      { tag: '9F27', name: 'ignored', value: '80' },
      { tag: '70', children: [{ tag: '57', value: '6222021234567890123D3107' }] },
    ];
    const fromList = await bastion(['iso8583', 'encode'], withIcc(list));
    expect(fromList.status).toBe(0);
    expect(fromList).toEqual(await bastion(['iso8583', 'encode'], withIcc(iccHex)));
    expect(fromList.out).toContain(iccHex);
  });

  it('refuses masked, malformed or misshapen TLV lists', async () => {
    const encode = (icc: unknown) => expectCodedFailure(['iso8583', 'encode'], 'ISO_ERR_[A-Z_]+', withIcc(icc));
    expect(await encode([{ tag: '9F26', value: '[hidden, 8 bytes]' }])).toContain('masked');
    expect(await encode([{ tag: '5A', value: '622202*********0123' }])).toContain('masked');
    expect(await encode([{ tag: '9F', value: '00' }])).toMatch(/^error ISO_ERR_TLV: /);
    expect(await encode([{ tag: '70', value: '00' }])).toMatch(/^error ISO_ERR_TLV: /);
    expect(await encode([{ tag: '9F26', children: [] }])).toMatch(/^error ISO_ERR_TLV: /);
    expect(await encode([{ tag: '70', children: {} }])).toMatch(/^error ISO_ERR_FIELD_VALUE: .*\(field: 55\)/);
    expect(await encode(['9F2701'])).toMatch(/^error ISO_ERR_FIELD_VALUE: .*\(field: 55\)/);
    let deep: unknown = [{ tag: '9F27', value: '80' }];
    for (let level = 0; level < 20; level++) deep = [{ tag: '70', children: deep }];
    expect(await encode(deep)).toMatch(/^error ISO_ERR_FIELD_VALUE: .*nests/);
  });
});

describe('errors: coded, exit 2, one line, no input echoed', () => {
  it('a frame that is not hex', async () => {
    const err = await expectCodedFailure(['iso8583', 'decode', '--spec', 'unionpay-pos', '--frame', `${pan}XYZ`], 'CRYPTO_ERR_HEX');
    expect(err).toContain('(argument: frame)');
    expect(err).not.toContain(pan);
  });

  it('a truncated frame names the field and offset', async () => {
    const err = await expectCodedFailure(['iso8583', 'decode', '--spec', 'unionpay-pos', '--frame', saleHex().slice(0, 30)], 'ISO_ERR_LENGTH');
    expect(err).toContain('(field: 2, offset: 11)');
    expect(err).not.toContain(saleHex().slice(20, 30));
  });

  it('bytes after the last field', async () => {
    await expectCodedFailure(['iso8583', 'decode', '--spec', 'unionpay-pos', '--frame', `${saleHex()}00`], 'ISO_ERR_TRAILING_DATA');
  });

  it('no frame at all', async () => {
    await expectCodedFailure(['iso8583', 'decode', '--spec', 'unionpay-pos'], 'CLI_ERR_ARGUMENT_MISSING', ' \n');
  });

  it('an unknown spec, a missing --spec, an unknown framing', async () => {
    await expectCodedFailure(['iso8583', 'decode', '--spec', 'visa-base1', '--frame', saleHex()], 'CLI_ERR_ARGUMENT_INVALID');
    await expectCodedFailure(['iso8583', 'decode', '--frame', saleHex()], 'CLI_ERR_ARGUMENT_MISSING');
    await expectCodedFailure(['iso8583', 'decode', '--spec', 'unionpay-pos', '--framing', 'nac', '--frame', saleHex()], 'CLI_ERR_ARGUMENT_INVALID');
    await expectCodedFailure(['iso8583', 'encode'], 'CLI_ERR_ARGUMENT_MISSING', JSON.stringify({ mti: '0200', fields: {} }));
    await expectCodedFailure(['iso8583', 'encode'], 'CLI_ERR_ARGUMENT_INVALID', JSON.stringify({ spec: 'nope', mti: '0200', fields: {} }));
  });

  it('--spec and the input disagree', async () => {
    await expectCodedFailure(['iso8583', 'encode', '--spec', 'iso87-ascii'], 'CLI_ERR_ARGUMENT_INVALID', JSON.stringify({ spec: 'unionpay-pos', mti: '0200', fields: {} }));
  });

  it('input that is not JSON, or not the message form, without quoting it', async () => {
    const err = await expectCodedFailure(['iso8583', 'encode', '--spec', 'unionpay-pos'], 'CLI_ERR_JSON', `{"mti":"0200","fields":{"2":"${pan}"`);
    expect(err).not.toContain(pan);
    await expectCodedFailure(['iso8583', 'encode', '--spec', 'unionpay-pos'], 'CLI_ERR_JSON', '[1,2]');
    await expectCodedFailure(['iso8583', 'encode', '--spec', 'unionpay-pos'], 'CLI_ERR_JSON', '{"fields":{}}');
    await expectCodedFailure(['iso8583', 'encode', '--spec', 'unionpay-pos'], 'CLI_ERR_JSON', '{"mti":"0200","fields":[]}');
    await expectCodedFailure(['iso8583', 'encode', '--spec', 'unionpay-pos'], 'CLI_ERR_JSON', '{"mti":"0200","fields":{},"tpdu":"6000030000"}');
    await expectCodedFailure(['iso8583', 'encode', '--spec', 'unionpay-pos', '--framing', 'unionpay'], 'CLI_ERR_JSON', '{"mti":"0200","fields":{}}');
  });

  it('field values that do not fit, by field', async () => {
    const encode = (fields: unknown) => expectCodedFailure(['iso8583', 'encode', '--spec', 'unionpay-pos'], 'ISO_ERR_[A-Z_]+', JSON.stringify({ mti: '0200', fields }));
    expect(await encode({ '4': 12345 })).toMatch(/^error ISO_ERR_FIELD_VALUE: .*\(field: 4\)\n$/);
    expect(await encode({ '52': 'XYZ' })).toMatch(/^error ISO_ERR_FIELD_VALUE: .*\(field: 52\)\n$/);
    expect(await encode({ '52': '[hidden, 8 bytes]' })).toContain('masked');
    expect(await encode({ '2': '622202*********0123' })).toContain('masked');
    expect(await encode({ '3': '00000' })).toMatch(/^error ISO_ERR_FIELD_VALUE: .*\(field: 3\)\n$/);
    expect(await encode({ '60': '22000001' })).toMatch(/^error ISO_ERR_FIELD_VALUE: .*\(field: 60\)\n$/);
    expect(await encode({ '60': { typeCode: '22' } })).toMatch(/^error ISO_ERR_FIELD_VALUE: .*\(field: 60\.2\)\n$/);
    expect(await encode({ '1': 'x' })).toMatch(/^error ISO_ERR_FIELD_UNKNOWN: .*\(field: 1\)\n$/);
    expect(await encode({ '99': '1' })).toMatch(/^error ISO_ERR_FIELD_UNKNOWN: .*\(field: 99\)\n$/);
    expect(await encode({ '02': '1' })).toMatch(/^error ISO_ERR_FIELD_UNKNOWN/);
    const err = await encode({ '2': `${pan}0000000000` });
    expect(err).toMatch(/\(field: 2\)\n$/);
    expect(err).not.toContain(pan);
    await expectCodedFailure(['iso8583', 'encode', '--spec', 'unionpay-pos'], 'ISO_ERR_MTI', JSON.stringify({ mti: '200', fields: {} }));
  });

  it('a bad TPDU or header with --framing unionpay', async () => {
    const input = (tpdu: string, header: string) => JSON.stringify({ mti: '0800', fields: { '11': '000001' }, tpdu, header });
    await expectCodedFailure(['iso8583', 'encode', '--spec', 'unionpay-pos', '--framing', 'unionpay'], 'ISO_ERR_FRAME_HEADER', input('60000300', '603100000000'));
    await expectCodedFailure(['iso8583', 'encode', '--spec', 'unionpay-pos', '--framing', 'unionpay'], 'ISO_ERR_FRAME_HEADER', input('6800030000', '603100000000'));
    await expectCodedFailure(['iso8583', 'encode', '--spec', 'unionpay-pos', '--framing', 'unionpay'], 'ISO_ERR_FIELD_VALUE', input('6000030000', 'header'));
    await expectCodedFailure(['iso8583', 'decode', '--spec', 'unionpay-pos', '--framing', 'unionpay', '--frame', `0099${saleHex()}`], 'ISO_ERR_LENGTH');
  });

  it('a JSON file that does not exist', async () => {
    const err = await expectCodedFailure(['iso8583', 'encode', '--spec', 'unionpay-pos', '--json', join(directory, 'missing.json')], 'CLI_ERR_ARGUMENT_INVALID');
    expect(err).toContain('(argument: json)');
  });

  it('input over 1 MiB on stdin or in a file', async () => {
    const big = 'A'.repeat(inputBytesMax + 2);
    await expectCodedFailure(['iso8583', 'decode', '--spec', 'unionpay-pos'], 'CLI_ERR_INPUT_TOO_LARGE', big);
    await expectCodedFailure(['iso8583', 'encode', '--spec', 'unionpay-pos', '--json', jsonFile('big.json', big)], 'CLI_ERR_INPUT_TOO_LARGE');
    await expectCodedFailure(['iso8583', 'decode', '--spec', 'unionpay-pos', '--frame', big], 'CLI_ERR_INPUT_TOO_LARGE');
  });
});
