import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { adjustOddParity, assertOddParity, isOddParity } from './des-parity.js';
import { fromHex } from './bytes.js';

describe('DES key parity', () => {
  it('recognises odd-parity keys and repairs even-parity bytes by the low bit only', () => {
    expect(isOddParity(fromHex('0123456789ABCDEFFEDCBA9876543210'))).toBe(true);
    expect(isOddParity(fromHex('0000000000000000'))).toBe(false);
    expect(adjustOddParity(fromHex('0000000000000000'))).toEqual(fromHex('0101010101010101'));
    expect(adjustOddParity(fromHex('FFFFFFFFFFFFFFFF'))).toEqual(fromHex('FEFEFEFEFEFEFEFE'));
    expect(adjustOddParity(fromHex('1122334455667788'))).toEqual(fromHex('1023324554677689'));
  });

  it('adjusting gives odd parity, changes only bit 0 of each byte, and is idempotent', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 24 }), (key) => {
        const adjusted = adjustOddParity(key);
        expect(isOddParity(adjusted)).toBe(true);
        adjusted.forEach((byte, i) => {
          expect(byte & 0xfe).toBe((key[i] as number) & 0xfe);
        });
        expect(adjustOddParity(adjusted)).toEqual(adjusted);
      }),
    );
  });

  it('refuses an even-parity key with a coded error naming the argument', () => {
    expect(() => { assertOddParity(fromHex('0000000000000000'), 'tmk'); }).toThrow(expect.objectContaining({ code: 'CRYPTO_ERR_KEY_PARITY', details: { argument: 'tmk' } }));
  });
});
