import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bastionErrorOr, expectFramingError, hex } from './test-helpers.js';
import { encodeTpdu, parseTpdu, replyTpdu, tpduIdReturned, tpduIdTransaction, tpduLengthBytes, writeTpdu, type Tpdu } from './tpdu.js';

describe('TPDU', () => {
  it('reads 6000030000 as id 60, destination 0003, source 0000 and replies with 6000000003', () => {
    // The brief's sign-in TPDU; the swap is jPOS NACChannel's "tpdu-swap" and the H3C MSR manual's
    // "the originator address and destination address in the TPDU header are reversed".
    const request = hex('60 0003 0000');
    const tpdu = parseTpdu(request);
    expect(tpdu).toEqual({ id: 0x60, destination: 0x0003, source: 0x0000 });
    const reply = encodeTpdu(replyTpdu(tpdu));
    expect([...reply]).toEqual([0x60, 0x00, 0x00, 0x00, 0x03]);
  });

  it('reads the TPDUs of public terminal and host code', () => {
    // ConardLKL/posp_server PospEncoder comment: frame start 6000020000 + header 603100315046.
    expect(parseTpdu(hex('6000020000603100315046'))).toEqual({ id: 0x60, destination: 0x0002, source: 0x0000 });
    // teddy-lee/AIAUnionPay ConstantUtils.TPDU = "6000010000".
    expect(parseTpdu(hex('6000010000'))).toEqual({ id: 0x60, destination: 0x0001, source: 0x0000 });
    // Addresses are 16-bit values, not just BCD: a router cookie keeps all its bits.
    expect(parseTpdu(hex('60 ABCD 8001'))).toEqual({ id: 0x60, destination: 0xabcd, source: 0x8001 });
  });

  it('reads at an offset and writes into a larger buffer', () => {
    const bytes = hex('0037 6000030000 603100315046');
    expect(parseTpdu(bytes, 2)).toEqual({ id: 0x60, destination: 3, source: 0 });
    const target = Buffer.alloc(9, 0xee);
    writeTpdu(target, 2, { id: 0x60, destination: 0x1234, source: 0xfedc });
    expect(target.toString('hex')).toBe('eeee601234fedceeee');
  });

  it('rejects the 0x68 "returned packet" id unless it is listed, and any other id', () => {
    const bounced = hex('68 0003 0000');
    expectFramingError(() => parseTpdu(bounced), 'ISO_ERR_FRAME_HEADER', { field: 'tpdu.id', offset: 0 }, [bounced]);
    expect(parseTpdu(bounced, 0, { tpduIdsAccepted: [tpduIdTransaction, tpduIdReturned] }).id).toBe(0x68);
    for (const id of [0x00, 0x06, 0x61, 0xff]) {
      const bytes = Buffer.from([0, id, 0x12, 0x34, 0x56, 0x78]);
      expectFramingError(() => parseTpdu(bytes, 1), 'ISO_ERR_FRAME_HEADER', { field: 'tpdu.id', offset: 1 }, [bytes]);
    }
  });

  it('rejects fewer than five bytes, naming what is left', () => {
    for (let length = 0; length < tpduLengthBytes; length++) {
      const bytes = hex('6000030000').subarray(0, length);
      expectFramingError(() => parseTpdu(bytes), 'ISO_ERR_FRAME_HEADER', { field: 'tpdu', offset: 0, availableBytes: length });
    }
    expectFramingError(() => parseTpdu(hex('AA 6000030000'), 2), 'ISO_ERR_FRAME_HEADER', { field: 'tpdu', offset: 2, availableBytes: 4 });
    expectFramingError(() => parseTpdu(hex('6000030000'), -1), 'ISO_ERR_FRAME_HEADER', { field: 'tpdu' });
  });

  it('refuses to build a TPDU with values that do not fit their bytes', () => {
    const good: Tpdu = { id: 0x60, destination: 3, source: 0 };
    const cases: [Tpdu, string][] = [
      [{ ...good, id: 0x100 }, 'tpdu.id'],
      [{ ...good, id: -1 }, 'tpdu.id'],
      [{ ...good, destination: 0x10000 }, 'tpdu.destination'],
      [{ ...good, destination: 1.5 }, 'tpdu.destination'],
      [{ ...good, source: Number.NaN }, 'tpdu.source'],
    ];
    for (const [tpdu, field] of cases) expectFramingError(() => encodeTpdu(tpdu), 'ISO_ERR_FIELD_VALUE', { field });
  });

  it('round-trips every TPDU, and a reply of a reply is the original', () => {
    const tpdus = fc.record({ id: fc.integer({ min: 0, max: 255 }), destination: fc.integer({ min: 0, max: 0xffff }), source: fc.integer({ min: 0, max: 0xffff }) });
    fc.assert(
      fc.property(tpdus, (tpdu) => {
        const bytes = encodeTpdu(tpdu);
        expect(bytes.length).toBe(5);
        expect(parseTpdu(bytes, 0, { tpduIdsAccepted: [tpdu.id] })).toEqual(tpdu);
        expect(replyTpdu(replyTpdu(tpdu))).toEqual(tpdu);
        const reply = encodeTpdu(replyTpdu(tpdu));
        expect([...reply.subarray(1, 3)]).toEqual([...bytes.subarray(3, 5)]);
        expect([...reply.subarray(3, 5)]).toEqual([...bytes.subarray(1, 3)]);
      }),
      { numRuns: 200 },
    );
  });

  it('fuzz: random bytes at random offsets give a TPDU or a BastionError, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 12 }), fc.integer({ min: -2, max: 14 }), (bytes, offset) => {
        const tpdu = bastionErrorOr(() => parseTpdu(bytes, offset));
        if (tpdu !== undefined) expect(encodeTpdu(tpdu)).toEqual(Buffer.from(bytes.subarray(offset, offset + 5)));
      }),
      { numRuns: 2000 },
    );
  });
});
