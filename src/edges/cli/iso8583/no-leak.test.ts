import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IsoMessage, MessageCodec, specNames, specs, type MessageSpec } from '../../../lib/iso8583/index.js';
import { main } from '../main.js';
import { memoryIo } from '../test-io.js';

/**
 * Canary test for the promise "card data never leaves through the CLI unmasked": known test card
 * data goes through decode (whole, truncated and bit-flipped frames) and encode (broken inputs),
 * and nothing but `--unmasked` output may carry it.
 */
const pan = '6222021234567890123';
const track2 = '6222021234567890123=31072011234567890';
const pinBlockHex = '1A2B3C4D5E6F7081';
const macHex = 'A1B2C3D4E5F60718';
const cryptogramHex = 'C3D4E5F6A7B8C9D0';
const track2EquivalentHex = '6222021234567890123D3107';
/** Field 55: cryptogram 9F26, CID 9F27, PAN 5A, template 70 with track 2 equivalent 57. */
const iccHex = `9F2608${cryptogramHex}9F2701805A0A6222021234567890123F700E570C${track2EquivalentHex}`;
const canaries = [pan, pan.slice(6, -4), track2, pinBlockHex, macHex, cryptogramHex, track2EquivalentHex];

function carriesCanary(text: string): string[] {
  const upper = text.toUpperCase();
  return canaries.filter((canary) => upper.includes(canary));
}

function cardMessage(spec: MessageSpec): IsoMessage {
  return new IsoMessage<MessageSpec>(spec, '0200')
    .set(2, pan)
    .set(3, '000000')
    .set(4, '000000012345')
    .set(11, '000123')
    .set(35, track2)
    .set(41, 'TERM0001')
    .set(52, Buffer.from(pinBlockHex, 'hex') as never)
    .set(55, Buffer.from(iccHex, 'hex') as never)
    .set(64, Buffer.from(macHex, 'hex') as never);
}

async function decode(spec: string, hex: string, extra: string[] = []): Promise<{ status: number; out: string; err: string }> {
  const io = memoryIo();
  const status = await main(['iso8583', 'decode', '--spec', spec, '--frame', hex, ...extra], io);
  return { status, out: io.out(), err: io.err() };
}

describe('the CLI never shows card data it was not asked to show', () => {
  it.each(specNames.map((name) => [name] as const))('%s: masked JSON and text carry none; --unmasked carries all', async (name) => {
    const spec = specs[name];
    const hex = new MessageCodec<MessageSpec>(spec).pack(cardMessage(spec)).toString('hex');
    for (const extra of [[], ['--text']]) {
      const result = await decode(name, hex, extra);
      expect(result.status).toBe(0);
      expect(carriesCanary(result.out + result.err)).toEqual([]);
    }
    const unmasked = await decode(name, hex, ['--unmasked', '--text']);
    expect(carriesCanary(unmasked.out).sort()).toEqual([...canaries].sort());
  });

  it('errors on every truncation of a frame echo no card data and no frame bytes', async () => {
    const hex = new MessageCodec<MessageSpec>(specs['unionpay-pos']).pack(cardMessage(specs['unionpay-pos'])).toString('hex').toUpperCase();
    for (let end = 2; end < hex.length; end += 2) {
      const result = await decode('unionpay-pos', hex.slice(0, end));
      expect(result.status).toBe(2);
      expect(carriesCanary(result.err)).toEqual([]);
      expect(result.err).not.toMatch(/[0-9A-F]{16}/);
    }
  });

  // Only errors are checked here: a flipped bitmap bit can make a frame that decodes with the PAN's
  // bytes read as some other, non-sensitive field, which no masking can foresee.
  it('errors on flipped frames in any spec echo no card data and no frame bytes (property)', async () => {
    const frames = specNames.map((name) => ({ name, bytes: new MessageCodec<MessageSpec>(specs[name]).pack(cardMessage(specs[name])) }));
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: frames.length - 1 }), fc.nat(), fc.integer({ min: 1, max: 255 }), async (which, position, mask) => {
        const frame = frames[which] as { name: string; bytes: Buffer };
        const bytes = Buffer.from(frame.bytes);
        const at = position % bytes.length;
        bytes[at] = (bytes[at] as number) ^ mask;
        const result = await decode(frame.name, bytes.toString('hex'));
        expect([0, 2]).toContain(result.status);
        expect(carriesCanary(result.err)).toEqual([]);
        if (result.status === 2) expect(result.err).not.toMatch(/[0-9A-F]{16}/);
      }),
      { numRuns: 150 },
    );
  });

  it('encode errors never repeat the values of the input', async () => {
    const inputs = [
      { mti: '0200', fields: { '2': `${pan}0`, '52': pinBlockHex } },
      { mti: '0200', fields: { '2': pan, '52': `${pinBlockHex}00` } },
      { mti: '0200', fields: { '2': pan, '35': `${track2}=` } },
      { mti: '0200', fields: { '2': pan, '64': macHex.slice(2) } },
      { mti: '02X0', fields: { '2': pan, '52': pinBlockHex } },
      { mti: '0200', fields: { [pan]: pan } },
      { mti: '0200', fields: { '2': pan }, [track2]: 1 },
    ];
    for (const input of inputs) {
      const io = memoryIo(JSON.stringify(input));
      expect(await main(['iso8583', 'encode', '--spec', 'unionpay-pos'], io)).toBe(2);
      expect(io.out()).toBe('');
      expect(carriesCanary(io.err()), io.err()).toEqual([]);
    }
    const broken = memoryIo(`{"mti":"0200","fields":{"2":"${pan}","52":"${pinBlockHex}"`);
    expect(await main(['iso8583', 'encode', '--spec', 'unionpay-pos'], broken)).toBe(2);
    expect(carriesCanary(broken.err())).toEqual([]);
  });
});
