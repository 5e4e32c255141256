import fc from 'fast-check';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { decodeFrame, decodeFrameBody, encodeFrame, frameLayoutBytes, unionPayFrameLayout, type FrameLayout, type FrameParts } from './frame.js';
import { bastionErrorOr, expectFramingError, hex } from './test-helpers.js';
import { replyTpdu, type Tpdu } from './tpdu.js';
import { ProcessingRequirement, replyUnionPayHeader, type UnionPayHeader } from './unionpay-header.js';

/**
 * The ISO 8583 part (MTI onward) of the sign-in frame in teddy-lee/AIAUnionPay MainActivity.java:
 * MTI 0800, bitmap with fields 11, 41, 42 and 60, trace 000001, terminal "00000001",
 * merchant "888888810000010", field 60 (LLLVAR, 11 digits). The framing treats it as opaque bytes.
 */
const signInMessage = hex(`
  0800 0020000000C00010
  000001
  3030303030303031
  383838383838383130303030303130
  0011 010000010030`);

/**
 * The sign-in frame built by hand from the layout: that frame carried TPDU 6000010000 and a
 * 14-byte dial-up ANI block that Bastion's TCP layout has not; here the TPDU is 6000030000 and the
 * header is the one it sent, 602110000000 (application 60, version 21, test status).
 * 0x0037 = 55 = 5 (TPDU) + 6 (header) + 44 (message).
 */
const signInFrame = Buffer.concat([hex('0037'), hex('60 0003 0000'), hex('60 21 10 000000'), signInMessage]);

describe('frames', () => {
  it('the hand-built sign-in frame has the length its prefix says', () => {
    expect(signInMessage.length).toBe(44);
    expect(signInFrame.length).toBe(2 + 55);
  });

  it('decodes the sign-in frame into TPDU, header and a view of the message', () => {
    const frame = decodeFrame(signInFrame);
    expect(frame.tpdu).toEqual({ id: 0x60, destination: 0x0003, source: 0x0000 });
    expect(frame.header).toEqual({ applicationType: 0x60, softwareVersion: 0x21, terminalStatus: 1, processingRequirement: 0, subVersion: 0 });
    expect(frame.message.equals(signInMessage)).toBe(true);
    // A view, not a copy: same memory, starting after prefix, TPDU and header.
    expect(frame.message.buffer).toBe(signInFrame.buffer);
    expect(frame.message.byteOffset).toBe(signInFrame.byteOffset + 13);
  });

  it('builds the reply frame byte by byte: swapped TPDU, echoed header with the processing requirement', () => {
    const request = decodeFrame(signInFrame);
    const replyMessage = hex('0810 0000000000000000');
    const reply = encodeFrame({
      tpdu: replyTpdu(request.tpdu),
      header: replyUnionPayHeader(request.header, ProcessingRequirement.DownloadCapks),
      message: replyMessage,
    });
    expect(reply.toString('hex').toUpperCase()).toBe(
      [
        '0015', // 21 = 5 + 6 + 10
        '6000000003', // source and destination swapped
        '602114000000', // test status kept, processing requirement 4 (download CAPKs)
        '08100000000000000000',
      ].join(''),
    );
  });

  it('encodes the sign-in frame back to the same bytes', () => {
    const frame = decodeFrame(signInFrame);
    expect(encodeFrame(frame).equals(signInFrame)).toBe(true);
    expect(decodeFrameBody(signInFrame.subarray(2))).toEqual(frame);
  });

  it('takes the layout from options: without header, without TPDU, or bare', () => {
    const noHeader = decodeFrame(hex('0009 6000030000 0800 AABB'), { layout: { tpdu: true, header: 'none' } });
    expect(noHeader.header).toBeUndefined();
    expect(noHeader.tpdu.destination).toBe(3);
    expect(noHeader.message.toString('hex')).toBe('0800aabb');

    const noTpdu = decodeFrame(hex('0008 603100315046 0800'), { layout: { tpdu: false, header: 'unionpay' } });
    expect(noTpdu.tpdu).toBeUndefined();
    expect(noTpdu.header.subVersion).toBe(0x315046);
    expect(noTpdu.message.toString('hex')).toBe('0800');

    const bare = decodeFrame(hex('0002 0800'), { layout: { tpdu: false, header: 'none' } });
    expect(bare).toEqual({ tpdu: undefined, header: undefined, message: hex('0800') });
    expect(encodeFrame({ message: hex('0800') }, { layout: { tpdu: false, header: 'none' } }).toString('hex')).toBe('00020800');

    expect(frameLayoutBytes(unionPayFrameLayout)).toBe(11);
    expect(frameLayoutBytes({ tpdu: true, header: 'none' })).toBe(5);
    expect(frameLayoutBytes({ tpdu: false, header: 'unionpay' })).toBe(6);
    expect(frameLayoutBytes({ tpdu: false, header: 'none' })).toBe(0);
  });

  it('types the TPDU and header as present or absent from a literal layout', () => {
    expectTypeOf(decodeFrame(signInFrame).tpdu).toEqualTypeOf<Tpdu>();
    expectTypeOf(decodeFrame(signInFrame).header).toEqualTypeOf<UnionPayHeader>();
    const bare = { layout: { tpdu: false, header: 'none' } } as const;
    expectTypeOf(decodeFrame(hex('0002 0800'), bare).tpdu).toEqualTypeOf<undefined>();
    expectTypeOf(decodeFrame(hex('0002 0800'), bare).header).toEqualTypeOf<undefined>();
    const dynamic: FrameLayout = unionPayFrameLayout;
    expectTypeOf(decodeFrame(signInFrame, { layout: dynamic }).tpdu).toEqualTypeOf<Tpdu | undefined>();
    expectTypeOf(decodeFrame(signInFrame, { layout: dynamic }).header).toEqualTypeOf<UnionPayHeader | undefined>();
  });

  it('accepts a message-less frame (the codec then reports the missing MTI)', () => {
    const frame = decodeFrame(hex('000B 6000030000 603100315046'));
    expect(frame.message.length).toBe(0);
  });

  it('reads frames from plain Uint8Arrays as well as Buffers', () => {
    const copy = new Uint8Array(signInFrame.length + 3);
    copy.set(signInFrame, 3);
    const frame = decodeFrame(copy.subarray(3));
    expect(Buffer.isBuffer(frame.message)).toBe(true);
    expect(frame.message.equals(signInMessage)).toBe(true);
    expect(frame.message.byteOffset).toBe(3 + 13);
  });

  describe('errors', () => {
    it('a frame shorter than its length prefix: ISO_ERR_LENGTH', () => {
      expectFramingError(() => decodeFrame(hex('')), 'ISO_ERR_LENGTH', { field: 'length', offset: 0, availableBytes: 0 });
      expectFramingError(() => decodeFrame(hex('00')), 'ISO_ERR_LENGTH', { field: 'length', offset: 0, availableBytes: 1 });
    });

    it('a length prefix that disagrees with the bytes given: ISO_ERR_LENGTH, both counts named', () => {
      const tooShort = Buffer.concat([hex('0038'), signInFrame.subarray(2)]);
      expectFramingError(() => decodeFrame(tooShort), 'ISO_ERR_LENGTH', { field: 'length', offset: 0, declaredBytes: 56, availableBytes: 55 }, [tooShort]);
      const tooLong = Buffer.concat([hex('0036'), signInFrame.subarray(2)]);
      expectFramingError(() => decodeFrame(tooLong), 'ISO_ERR_LENGTH', { declaredBytes: 54, availableBytes: 55 }, [tooLong]);
      const truncated = signInFrame.subarray(0, 40);
      expectFramingError(() => decodeFrame(truncated), 'ISO_ERR_LENGTH', { declaredBytes: 55, availableBytes: 38 }, [truncated]);
    });

    it('a frame over frameBytesMax: ISO_ERR_FRAME_TOO_LARGE, from the prefix before anything else', () => {
      expectFramingError(() => decodeFrame(signInFrame, { frameBytesMax: 54 }), 'ISO_ERR_FRAME_TOO_LARGE', { field: 'length', declaredBytes: 55, frameBytesMax: 54 }, [signInFrame]);
      expect(decodeFrame(signInFrame, { frameBytesMax: 55 }).message.length).toBe(44);
      // The prefix alone decides: a huge announcement with few bytes behind it is refused as too large.
      expectFramingError(() => decodeFrame(hex('FFFF 60'), { frameBytesMax: 4096 }), 'ISO_ERR_FRAME_TOO_LARGE', { declaredBytes: 65535 });
      expectFramingError(() => decodeFrameBody(signInFrame.subarray(2), { frameBytesMax: 54 }), 'ISO_ERR_FRAME_TOO_LARGE', { frameBytes: 55, frameBytesMax: 54 });
    });

    it('a frame too short for its TPDU and header: ISO_ERR_FRAME_HEADER', () => {
      const short = hex('000A 6000030000 6031003150');
      expectFramingError(() => decodeFrame(short), 'ISO_ERR_FRAME_HEADER', { field: 'tpdu', offset: 2, availableBytes: 10, requiredBytes: 11 }, [short]);
      expectFramingError(() => decodeFrameBody(short.subarray(2)), 'ISO_ERR_FRAME_HEADER', { field: 'tpdu', offset: 0, requiredBytes: 11 });
      expectFramingError(() => decodeFrame(hex('0003 603100'), { layout: { tpdu: false, header: 'unionpay' } }), 'ISO_ERR_FRAME_HEADER', {
        field: 'header',
        requiredBytes: 6,
      });
    });

    it('a bad TPDU id or header nibble: ISO_ERR_FRAME_HEADER at its offset in the frame', () => {
      const badId = Buffer.from(signInFrame);
      badId[2] = 0x68;
      expectFramingError(() => decodeFrame(badId), 'ISO_ERR_FRAME_HEADER', { field: 'tpdu.id', offset: 2 }, [badId]);
      expectFramingError(() => decodeFrameBody(badId.subarray(2)), 'ISO_ERR_FRAME_HEADER', { field: 'tpdu.id', offset: 0 });
      expect(decodeFrame(badId, { tpduIdsAccepted: [0x60, 0x68] }).tpdu.id).toBe(0x68);
      const badNibble = Buffer.from(signInFrame);
      badNibble[9] = 0x1c;
      expectFramingError(() => decodeFrame(badNibble), 'ISO_ERR_FRAME_HEADER', { field: 'header.processingRequirement', offset: 9 }, [badNibble]);
    });

    it('encoding over the maximum: ISO_ERR_FRAME_TOO_LARGE', () => {
      const tpdu = { id: 0x60, destination: 3, source: 0 };
      const header = decodeFrame(signInFrame).header;
      expectFramingError(() => encodeFrame({ tpdu, header, message: Buffer.alloc(65535 - 10) }), 'ISO_ERR_FRAME_TOO_LARGE', { frameBytes: 65536, frameBytesMax: 65535 });
      expect(encodeFrame({ tpdu, header, message: Buffer.alloc(65535 - 11) }).subarray(0, 2).toString('hex')).toBe('ffff');
      expectFramingError(() => encodeFrame({ tpdu, header, message: signInMessage }, { frameBytesMax: 54 }), 'ISO_ERR_FRAME_TOO_LARGE', { frameBytes: 55, frameBytesMax: 54 });
    });

    it('parts that do not match the layout: ISO_ERR_FIELD_VALUE naming the part', () => {
      const { tpdu, header } = decodeFrame(signInFrame);
      const missingTpdu = { header, message: signInMessage } as unknown as FrameParts;
      expectFramingError(() => encodeFrame(missingTpdu), 'ISO_ERR_FIELD_VALUE', { field: 'tpdu' });
      const missingHeader = { tpdu, message: signInMessage } as unknown as FrameParts;
      expectFramingError(() => encodeFrame(missingHeader), 'ISO_ERR_FIELD_VALUE', { field: 'header' });
      const extraHeader = { tpdu, header, message: signInMessage } as unknown as FrameParts<{ tpdu: true; header: 'none' }>;
      expectFramingError(() => encodeFrame(extraHeader, { layout: { tpdu: true, header: 'none' } }), 'ISO_ERR_FIELD_VALUE', { field: 'header' });
      expectFramingError(() => encodeFrame({ tpdu: { ...tpdu, source: 0x10000 }, header, message: signInMessage }), 'ISO_ERR_FIELD_VALUE', { field: 'tpdu.source' });
    });

    it('bad options: ISO_ERR_SPEC naming the argument', () => {
      for (const frameBytesMax of [0, -1, 65536, 1.5, Number.NaN]) {
        expectFramingError(() => decodeFrame(signInFrame, { frameBytesMax }), 'ISO_ERR_SPEC', { argument: 'frameBytesMax' });
        expectFramingError(() => encodeFrame(decodeFrame(signInFrame), { frameBytesMax }), 'ISO_ERR_SPEC', { argument: 'frameBytesMax' });
      }
      const odd = { tpdu: true, header: 'iso' } as unknown as FrameLayout;
      expectFramingError(() => decodeFrame(signInFrame, { layout: odd }), 'ISO_ERR_SPEC', { argument: 'layout.header' });
    });
  });

  const layouts = fc.constantFrom<FrameLayout>(
    unionPayFrameLayout,
    { tpdu: true, header: 'none' },
    { tpdu: false, header: 'unionpay' },
    { tpdu: false, header: 'none' },
  );
  const tpdus = fc.record({ id: fc.constant(0x60), destination: fc.integer({ min: 0, max: 0xffff }), source: fc.integer({ min: 0, max: 0xffff }) });
  const headers = fc.record({
    applicationType: fc.integer({ min: 0, max: 255 }),
    softwareVersion: fc.integer({ min: 0, max: 255 }),
    terminalStatus: fc.integer({ min: 0, max: 9 }),
    processingRequirement: fc.integer({ min: 0, max: 9 }).map((value) => value as ProcessingRequirement),
    subVersion: fc.integer({ min: 0, max: 0xffffff }),
  });
  const frames = fc.record({ layout: layouts, tpdu: tpdus, header: headers, message: fc.uint8Array({ maxLength: 300 }) }).map(({ layout, tpdu, header, message }) => ({
    layout,
    parts: { tpdu: layout.tpdu ? tpdu : undefined, header: layout.header === 'unionpay' ? header : undefined, message },
  }));

  it('round-trips any frame in any layout', () => {
    fc.assert(
      fc.property(frames, ({ layout, parts }) => {
        const bytes = encodeFrame(parts as FrameParts<FrameLayout>, { layout });
        expect(bytes.readUInt16BE(0)).toBe(bytes.length - 2);
        expect(bytes.length).toBe(2 + frameLayoutBytes(layout) + parts.message.length);
        const decoded = decodeFrame(bytes, { layout });
        expect(decoded).toEqual({ ...parts, message: Buffer.from(parts.message) });
        expect(decodeFrameBody(bytes.subarray(2), { layout })).toEqual(decoded);
      }),
      { numRuns: 300 },
    );
  });

  it('fuzz: random bytes decode to a frame that re-encodes to them exactly, or to a BastionError', () => {
    // Half the inputs start like a TPDU and half get a correct prefix, so every check is reached.
    const bodies = fc.oneof(
      fc.uint8Array({ maxLength: 40 }),
      fc.uint8Array({ maxLength: 40 }).map((bytes) => Uint8Array.from([0x60, ...bytes])),
    );
    let decoded = 0;
    fc.assert(
      fc.property(layouts, bodies, fc.boolean(), (layout, bytes, withPrefix) => {
        const input = withPrefix ? Buffer.concat([Buffer.from([bytes.length >> 8, bytes.length & 0xff]), bytes]) : bytes;
        const frame = bastionErrorOr(() => decodeFrame(input, { layout }));
        if (frame !== undefined) {
          decoded++;
          expect(encodeFrame(frame as FrameParts<FrameLayout>, { layout }).equals(Buffer.from(input))).toBe(true);
        }
        const body = bastionErrorOr(() => decodeFrameBody(bytes, { layout }));
        if (body !== undefined) expect(encodeFrame(body as FrameParts<FrameLayout>, { layout }).subarray(2).equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 3000 },
    );
    expect(decoded).toBeGreaterThan(100);
  });

  it('fuzz: mutated sign-in frames (flipped, cut, extended) decode exactly or fail with a BastionError', () => {
    const mutations = fc.record({
      flips: fc.array(fc.record({ index: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }), { maxLength: 3 }),
      // Whole frames without extra bytes are common, so that flips inside the message decode.
      cut: fc.oneof(fc.constant(signInFrame.length), fc.nat({ max: signInFrame.length })),
      extra: fc.oneof(fc.constant(new Uint8Array(0)), fc.uint8Array({ maxLength: 4 })),
    });
    let decoded = 0;
    fc.assert(
      fc.property(mutations, ({ flips, cut, extra }) => {
        const mutated = Buffer.concat([signInFrame.subarray(0, cut), extra]);
        for (const { index, bit } of flips) if (mutated.length > 0) mutated[index % mutated.length] = (mutated[index % mutated.length] as number) ^ (1 << bit);
        const frame = bastionErrorOr(() => decodeFrame(mutated));
        if (frame !== undefined) {
          decoded++;
          expect(encodeFrame(frame).equals(mutated)).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
    expect(decoded).toBeGreaterThan(100);
  });
});
