import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isBastionError } from '../../errors/index.js';
import { fromHex, toHex } from '../bytes.js';
import { assertIso9797PaddingMethod, iso9797Blocks, padIso9797, type Iso9797PaddingMethod } from './padding.js';

const ascii = (text: string): Buffer => Buffer.from(text, 'latin1');

describe('padIso9797', () => {
  // psec tests/test_mac.py (test_pad_iso_1/2/3, 8-byte blocks) and pyemv tests/test_mac.py
  // (test_pad_iso9797_1/2, including empty data).
  it.each([
    [1, '1234', '1234000000000000'],
    [1, '1234567890123456', '1234567890123456'],
    [1, '', '0000000000000000'],
    [2, '1234', '1234800000000000'],
    [2, '12345678901234', '1234567890123480'],
    [2, '1234567890123456', '12345678901234568000000000000000'],
    [2, '', '8000000000000000'],
    [3, '1234', '00000000000000101234000000000000'],
    [3, '1234567890123456', '00000000000000401234567890123456'],
  ] as const)('method %i of %s', (method, data, padded) => {
    expect(toHex(padIso9797(fromHex(data), method))).toBe(padded);
  });

  it('method 3 of empty data is a zero length block then one zero block', () => {
    // psec tests/test_mac.py test_pad_iso_3 ("" → length block + one zero block, with 4-byte
    // blocks); the same rule at 8 bytes.
    expect(toHex(padIso9797(Buffer.alloc(0), 3))).toBe('0000000000000000' + '0000000000000000');
  });

  it('16-byte blocks: methods 1 and 2 for every length up to a block', () => {
    // pyemv tests/test_mac.py: b"F" * i padded to 16 bytes.
    for (let i = 0; i <= 16; i++) {
      const data = ascii('F'.repeat(i));
      const one = i === 0 ? Buffer.alloc(16) : Buffer.concat([data, Buffer.alloc((16 - (i % 16)) % 16)]);
      expect(padIso9797(data, 1, 16)).toEqual(one);
      const two = Buffer.concat([data, Buffer.from([0x80]), Buffer.alloc(15 - (i % 16))]);
      expect(padIso9797(data, 2, 16)).toEqual(two);
    }
  });

  it('method 3 with 16-byte blocks puts the bit length in the last bytes of the first block', () => {
    expect(toHex(padIso9797(fromHex('AABBCC'), 3, 16))).toBe('00000000000000000000000000000018' + 'AABBCC' + '00'.repeat(13));
    // 300 bytes = 2400 bits = 0x960.
    expect(toHex(padIso9797(Buffer.alloc(300, 1), 3).subarray(0, 8))).toBe('0000000000000960');
  });

  it('properties: whole blocks, data kept as a prefix, the padding the method says', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 70 }), fc.constantFrom<Iso9797PaddingMethod>(1, 2, 3), fc.constantFrom<8 | 16>(8, 16), (data, method, size) => {
        const padded = padIso9797(data, method, size);
        expect(padded.length % size).toBe(0);
        expect(padded.length).toBeGreaterThan(0);
        const start = method === 3 ? size : 0;
        expect(padded.subarray(start, start + data.length)).toEqual(Buffer.from(data));
        const fill = padded.subarray(start + data.length);
        if (method === 2) {
          expect(fill[0]).toBe(0x80);
          expect(fill.subarray(1).every((byte) => byte === 0)).toBe(true);
          expect(fill.length).toBeLessThanOrEqual(size);
        } else {
          expect(fill.every((byte) => byte === 0)).toBe(true);
          expect(fill.length).toBeLessThan(data.length === 0 ? size + 1 : size);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('iso9797Blocks hands back the caller data without copying it', () => {
    const data = fromHex('00112233445566778899');
    const blocks = iso9797Blocks(data, 1, 8);
    expect(blocks.body.buffer).toBe(data.buffer);
    expect(toHex(blocks.body)).toBe('0011223344556677');
    expect(toHex(blocks.tail ?? Buffer.alloc(0))).toBe('8899000000000000');
    expect(blocks.lengthBlock).toBeUndefined();
  });

  it('rejects an unknown method or block size', () => {
    for (const method of [0, 4, 1.5]) {
      try {
        assertIso9797PaddingMethod(method);
        expect.unreachable();
      } catch (error) {
        expect(isBastionError(error) && error.code).toBe('CRYPTO_ERR_MAC_PADDING');
        expect(isBastionError(error) && error.details.argument).toBe('padding');
      }
    }
    expect(() => padIso9797(Buffer.alloc(1), 4 as Iso9797PaddingMethod)).toThrow(expect.objectContaining({ code: 'CRYPTO_ERR_MAC_PADDING' }));
    expect(() => padIso9797(Buffer.alloc(1), 1, 4)).toThrow(expect.objectContaining({ code: 'CRYPTO_ERR_ARGUMENT' }));
  });
});
