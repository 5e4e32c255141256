import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BastionError } from '../../errors/index.js';
import { decodeFrameBody } from './frame.js';
import { FrameSplitter, type LengthPrefixBytes } from './frame-splitter.js';
import { expectFramingError, expectNoInputIn, hex } from './test-helpers.js';

/** A UnionPay sign-in frame as on the wire (see frame.test.ts for where its parts come from). */
const signInFrame = hex(`
  0037 6000030000 602110000000
  0800 0020000000C00010 000001 3030303030303031 383838383838383130303030303130 0011 010000010030`);
const signInBody = signInFrame.subarray(2);

function prefixed(body: Uint8Array, lengthBytes: LengthPrefixBytes): Buffer {
  const prefix = Buffer.alloc(lengthBytes);
  prefix.writeUIntBE(body.length, 0, lengthBytes);
  return Buffer.concat([prefix, body]);
}

function hexes(frames: readonly Uint8Array[]): string[] {
  return frames.map((frame) => Buffer.from(frame).toString('hex'));
}

describe('FrameSplitter', () => {
  it('emits a whole frame pushed in one chunk, as a view of that chunk', () => {
    const splitter = new FrameSplitter({ frameBytesMax: 4096 });
    const frames = splitter.push(signInFrame);
    expect(frames).toHaveLength(1);
    const [frame] = frames as [Buffer];
    expect(frame.equals(signInBody)).toBe(true);
    expect(frame.buffer).toBe(signInFrame.buffer);
    expect(frame.byteOffset).toBe(signInFrame.byteOffset + 2);
    expect(splitter.bufferedBytes).toBe(0);
    expect(decodeFrameBody(frame).tpdu.destination).toBe(3);
  });

  it('splits coalesced frames and skips zero-length keep-alives between them', () => {
    const splitter = new FrameSplitter({ frameBytesMax: 16 });
    expect(hexes(splitter.push(hex('0003 AABBCC 0000 0001 DD 0000 0000')))).toEqual(['aabbcc', 'dd']);
    expect(splitter.keepAlivesSeen).toBe(3);
    expect(splitter.bufferedBytes).toBe(0);
    // A keep-alive alone emits nothing.
    expect(splitter.push(hex('0000'))).toEqual([]);
    expect(splitter.keepAlivesSeen).toBe(4);
  });

  it('reassembles a frame pushed one byte at a time, the prefix split too', () => {
    const splitter = new FrameSplitter({ frameBytesMax: 4096 });
    for (let index = 0; index < signInFrame.length - 1; index++) {
      expect(splitter.push(signInFrame.subarray(index, index + 1))).toEqual([]);
      // One prefix byte is held; once the prefix is whole it is a number, and body bytes are held.
      expect(splitter.bufferedBytes).toBe(index === 0 ? 1 : index - 1);
    }
    const frames = splitter.push(signInFrame.subarray(-1));
    expect(hexes(frames)).toEqual([signInBody.toString('hex')]);
    expect(splitter.bufferedBytes).toBe(0);
  });

  it('handles a prefix split between chunks followed by a frame and a half', () => {
    const splitter = new FrameSplitter({ frameBytesMax: 64 });
    expect(splitter.push(hex('00'))).toEqual([]);
    expect(splitter.bufferedBytes).toBe(1);
    expect(hexes(splitter.push(hex('02 1122 0003 33')))).toEqual(['1122']);
    expect(splitter.bufferedBytes).toBe(1);
    expect(hexes(splitter.push(hex('4455 0001')))).toEqual(['334455']);
    expect(splitter.bufferedBytes).toBe(0);
    expect(hexes(splitter.push(hex('66')))).toEqual(['66']);
    expect(splitter.push(new Uint8Array(0))).toEqual([]);
    expect(splitter.bufferedBytes).toBe(0);
  });

  it('keeps its own copy of a partial frame, so a reused chunk buffer does not corrupt it', () => {
    const splitter = new FrameSplitter({ frameBytesMax: 64 });
    const reused = Buffer.from(hex('0004 AABB'));
    expect(splitter.push(reused)).toEqual([]);
    reused.fill(0xee);
    expect(hexes(splitter.push(hex('CCDD')))).toEqual(['aabbccdd']);
  });

  it('accepts plain Uint8Array chunks and returns Buffers', () => {
    const splitter = new FrameSplitter({ frameBytesMax: 64 });
    const chunk = new Uint8Array([0xff, 0x00, 0x02, 0x01, 0x02, 0x00]);
    const [first] = splitter.push(chunk.subarray(1, 5));
    expect(Buffer.isBuffer(first)).toBe(true);
    expect(hexes(splitter.push(chunk.subarray(5)))).toEqual([]);
    const [second] = splitter.push(Uint8Array.from([0x01, 0x09]));
    expect(Buffer.isBuffer(second)).toBe(true);
    expect(hexes([first as Buffer, second as Buffer])).toEqual(['0102', '09']);
  });

  it('supports a 4-byte prefix', () => {
    const splitter = new FrameSplitter({ frameBytesMax: 0x10000, lengthBytes: 4 });
    expect(hexes(splitter.push(hex('00000002 ABCD 00000000 000000')))).toEqual(['abcd']);
    expect(splitter.keepAlivesSeen).toBe(1);
    expect(splitter.bufferedBytes).toBe(3);
    expect(hexes(splitter.push(hex('01 EF')))).toEqual(['ef']);
    const big = new FrameSplitter({ frameBytesMax: 0xffffffff, lengthBytes: 4 });
    expect(big.push(hex('FFFFFFFF 00'))).toEqual([]);
    expect(big.bufferedBytes).toBe(1);
  });

  describe('oversize frames', () => {
    it('a prefix over frameBytesMax throws ISO_ERR_FRAME_TOO_LARGE; one at the maximum is fine', () => {
      const atMax = new FrameSplitter({ frameBytesMax: 100 });
      expect(atMax.push(prefixed(Buffer.alloc(100, 7), 2))[0]?.length).toBe(100);
      const splitter = new FrameSplitter({ frameBytesMax: 100 });
      const chunk = hex('0065 AABBCCDD');
      expectFramingError(() => splitter.push(chunk), 'ISO_ERR_FRAME_TOO_LARGE', { field: 'length', offset: 0, declaredBytes: 101, frameBytesMax: 100 }, [chunk]);
      expect(splitter.failed).toBe(true);
      expect(splitter.bufferedBytes).toBe(0);
    });

    it('after the failure every push throws the same error, even a valid frame or nothing', () => {
      const splitter = new FrameSplitter({ frameBytesMax: 100 });
      let first: unknown;
      try {
        splitter.push(hex('FFFF'));
      } catch (error) {
        first = error;
      }
      expect(first).toBeInstanceOf(BastionError);
      for (const chunk of [signInFrame, hex(''), hex('0000')]) expect(() => splitter.push(chunk)).toThrow(first);
    });

    it('names the offset of the bad prefix in the stream, also when it was split across chunks', () => {
      const splitter = new FrameSplitter({ frameBytesMax: 100 });
      expect(hexes(splitter.push(hex('0002 AAAA 0000 01')))).toEqual(['aaaa']);
      expectFramingError(() => splitter.push(hex('01 BB')), 'ISO_ERR_FRAME_TOO_LARGE', { offset: 6, declaredBytes: 0x0101 });
    });

    it('drops frames completed earlier in the failing chunk (the connection is closing)', () => {
      const splitter = new FrameSplitter({ frameBytesMax: 8 });
      expectFramingError(() => splitter.push(hex('0001 AA 0009')), 'ISO_ERR_FRAME_TOO_LARGE', { offset: 3, declaredBytes: 9 });
    });

    it('refuses a bad configuration with ISO_ERR_SPEC', () => {
      for (const frameBytesMax of [0, -1, 1.5, Number.NaN, 0x10000]) {
        expectFramingError(() => new FrameSplitter({ frameBytesMax }), 'ISO_ERR_SPEC', { argument: 'frameBytesMax' });
      }
      expectFramingError(() => new FrameSplitter({ frameBytesMax: 0x100000000, lengthBytes: 4 }), 'ISO_ERR_SPEC', { argument: 'frameBytesMax' });
      expectFramingError(() => new FrameSplitter({ frameBytesMax: 10, lengthBytes: 3 as LengthPrefixBytes }), 'ISO_ERR_SPEC', { argument: 'lengthBytes' });
      expect(new FrameSplitter({ frameBytesMax: 0xffff }).lengthBytes).toBe(2);
    });
  });

  describe('properties', () => {
    /** A stream of frames (bodies of 1..300 bytes) and keep-alives, cut into chunks at arbitrary points. */
    const streams = fc
      .record({
        lengthBytes: fc.constantFrom<LengthPrefixBytes>(2, 4),
        items: fc.array(fc.oneof({ weight: 5, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 300 }) }, { weight: 1, arbitrary: fc.constant(null) }), { maxLength: 12 }),
        cuts: fc.array(fc.nat(), { maxLength: 30 }),
      })
      .map(({ lengthBytes, items, cuts }) => {
        const wire = Buffer.concat(items.map((item) => prefixed(item ?? new Uint8Array(0), lengthBytes)));
        const points = [...new Set(cuts.map((cut) => (wire.length === 0 ? 0 : cut % (wire.length + 1))))].sort((a, b) => a - b);
        const chunks = [0, ...points, wire.length].slice(1).map((end, index, ends) => wire.subarray(index === 0 ? 0 : (ends[index - 1] as number), end));
        return { lengthBytes, items, chunks, wireBytes: wire.length };
      });

    it('for any frames cut into any chunks, returns exactly the frames in order', () => {
      fc.assert(
        fc.property(streams, ({ lengthBytes, items, chunks, wireBytes }) => {
          const frameBytesMax = 300;
          const splitter = new FrameSplitter({ frameBytesMax, lengthBytes });
          const out: Buffer[] = [];
          for (const chunk of chunks) {
            out.push(...splitter.push(chunk));
            expect(splitter.bufferedBytes).toBeLessThanOrEqual(lengthBytes + frameBytesMax - 1);
          }
          expect(chunks.reduce((sum, chunk) => sum + chunk.length, 0)).toBe(wireBytes);
          expect(hexes(out)).toEqual(hexes(items.flatMap((item) => (item === null ? [] : [item]))));
          expect(splitter.keepAlivesSeen).toBe(items.filter((item) => item === null).length);
          expect(splitter.bufferedBytes).toBe(0);
        }),
        { numRuns: 300 },
      );
    });

    it('fuzz: random streams only ever yield frames or ISO_ERR_FRAME_TOO_LARGE, with bounded buffering', () => {
      // Streams mix noise with well-formed frames and keep-alives, so both outcomes are reached.
      const pieces = (lengthBytes: LengthPrefixBytes) =>
        fc.oneof(
          fc.uint8Array({ maxLength: 24 }),
          fc.uint8Array({ minLength: 1, maxLength: 40 }).map((body) => prefixed(body, lengthBytes)),
          fc.constant(new Uint8Array(lengthBytes)),
        );
      const cases = fc.constantFrom<LengthPrefixBytes>(2, 4).chain((lengthBytes) =>
        fc.record({
          lengthBytes: fc.constant(lengthBytes),
          frameBytesMax: fc.integer({ min: 1, max: 64 }),
          wire: fc.array(pieces(lengthBytes), { maxLength: 8 }).map((parts) => Buffer.concat(parts)),
          cuts: fc.array(fc.nat(), { maxLength: 10 }),
        }),
      );
      let failures = 0;
      let emitted = 0;
      fc.assert(
        fc.property(cases, ({ lengthBytes, frameBytesMax, wire, cuts }) => {
          const points = [...new Set(cuts.map((cut) => cut % (wire.length + 1)))].sort((a, b) => a - b);
          const chunks = [...points, wire.length].map((end, index, ends) => wire.subarray(index === 0 ? 0 : (ends[index - 1] as number), end));
          const splitter = new FrameSplitter({ frameBytesMax, lengthBytes });
          let failure: BastionError | undefined;
          for (const chunk of chunks) {
            try {
              for (const frame of splitter.push(chunk)) {
                emitted++;
                expect(frame.length).toBeGreaterThan(0);
                expect(frame.length).toBeLessThanOrEqual(frameBytesMax);
              }
            } catch (error) {
              expect(error).toBeInstanceOf(BastionError);
              const coded = error as BastionError;
              expect(coded.code).toBe('ISO_ERR_FRAME_TOO_LARGE');
              expectNoInputIn(coded, [wire]);
              if (failure !== undefined) expect(coded).toBe(failure);
              failure = coded;
            }
            expect(splitter.bufferedBytes).toBeLessThanOrEqual(lengthBytes + frameBytesMax - 1);
          }
          if (failure !== undefined) failures++;
          expect(splitter.failed).toBe(failure !== undefined);
        }),
        { numRuns: 3000 },
      );
      // Both outcomes must have been exercised, or this test proves nothing.
      expect(failures).toBeGreaterThan(100);
      expect(emitted).toBeGreaterThan(100);
    });

    it('a large frame in many tiny chunks comes out whole', () => {
      const body = Buffer.from(Array.from({ length: 60_000 }, (_, index) => index % 251));
      const wire = prefixed(body, 2);
      const splitter = new FrameSplitter({ frameBytesMax: 0xffff });
      const out: Buffer[] = [];
      for (let offset = 0; offset < wire.length; offset += 3) out.push(...splitter.push(wire.subarray(offset, offset + 3)));
      expect(out).toHaveLength(1);
      expect((out[0] as Buffer).equals(body)).toBe(true);
    });
  });
});
