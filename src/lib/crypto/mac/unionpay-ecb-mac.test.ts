import { createCipheriv } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../bytes.js';
import { expectCryptoError, flipBit } from '../test-helpers.js';
import { UnionPayEcbMac, unionPayEcbMac, verifyUnionPayEcbMac, type UnionPayEcbVariant } from './unionpay-ecb-mac.js';

/**
 * The algorithm as the UnionPay POS specification words it, step by step on strings, with
 * node:crypto directly: a construction check independent of the library's code path.
 */
function referenceUnionPayMac(key: Uint8Array, data: Uint8Array, variant: UnionPayEcbVariant): string {
  const encrypt = (block: Buffer): Buffer => {
    const cipher =
      key.length === 16 && variant === 'tdes'
        ? createCipheriv('des-ede-ecb', key, null)
        : createCipheriv('des-ede3-ecb', Buffer.concat([key.subarray(0, 8), key.subarray(0, 8), key.subarray(0, 8)]), null);
    return cipher.setAutoPadding(false).update(block);
  };
  const padded = Buffer.alloc(Math.max(8, Math.ceil(data.length / 8) * 8));
  padded.set(data);
  const result = Buffer.alloc(8);
  for (let offset = 0; offset < padded.length; offset += 8) for (let i = 0; i < 8; i++) result[i] = (result[i] as number) ^ (padded[offset + i] as number);
  const resultHex = result.toString('hex').toUpperCase();
  const encBlock1 = encrypt(Buffer.from(resultHex.slice(0, 8), 'latin1'));
  const back = Buffer.from(resultHex.slice(8, 16), 'latin1');
  const tempBlock = Buffer.from(encBlock1.map((byte, i) => byte ^ (back[i] as number)));
  const encBlock2 = encrypt(tempBlock);
  return Buffer.from(encBlock2.toString('hex').toUpperCase().slice(0, 8), 'latin1').toString('hex').toUpperCase();
}

describe('UnionPay POS "ECB" MAC (field 64)', () => {
  it('a published message and MAC (MAK halves equal, so DES and TDES agree)', () => {
    // q.cnblogs.com/q/128930: a UnionPay POS 0200 message (MTI to field 63) and the MAC the host
    // produced, "B3A092AE", under TAK 0723C80DB5F4CD3D0723C80DB5F4CD3D.
    const mab = fromHex(
      '02003020048000C08015000000000000001234000002030099303030303030303139353237313831383232313738373531353600192600000100060000000000435F01123238343431323334353637383930313233345F03063136303033365F04063230303832365C023031',
    );
    const expected = Buffer.from('B3A092AE', 'latin1');
    expect(unionPayEcbMac(fromHex('0723C80DB5F4CD3D0723C80DB5F4CD3D'), mab, 'tdes')).toEqual(expected);
    expect(unionPayEcbMac(fromHex('0723C80DB5F4CD3D0723C80DB5F4CD3D'), mab, 'des-left')).toEqual(expected);
    expect(unionPayEcbMac(fromHex('0723C80DB5F4CD3D'), mab)).toEqual(expected);
  });

  it('construction check, 8-byte MAK: the spec steps done by hand with node:crypto', () => {
    // Data of 3 bytes (one zero-padded block); MAK 5CBE7E38A146FD5C as in victorwrage/Swishcard
    // MacEcbUtils.main (which prints but does not state its answer).
    const mak = fromHex('5CBE7E38A146FD5C');
    const data = fromHex('010203');
    expect(toHex(unionPayEcbMac(mak, data))).toBe(referenceUnionPayMac(mak, data, 'des-left'));
    // The result is eight ASCII hex characters.
    expect(unionPayEcbMac(mak, data).toString('latin1')).toMatch(/^[0-9A-F]{8}$/);
  });

  it('construction check, 16-byte MAK: des-left and tdes differ and each follows the spec', () => {
    const mak = fromHex('0123456789ABCDEFFEDCBA9876543210');
    const data = Buffer.from('0200 message from MTI to field 63, not a whole number of blocks', 'latin1');
    const left = unionPayEcbMac(mak, data, 'des-left');
    const tdes = unionPayEcbMac(mak, data, 'tdes');
    expect(toHex(left)).toBe(referenceUnionPayMac(mak, data, 'des-left'));
    expect(toHex(tdes)).toBe(referenceUnionPayMac(mak, data, 'tdes'));
    expect(left).not.toEqual(tdes);
    // des-left with a double-length MAK is single DES under its left half.
    expect(left).toEqual(unionPayEcbMac(mak.subarray(0, 8), data));
  });

  it('matches the step-by-step construction for random data, keys and variants', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.constantFrom<UnionPayEcbVariant>('des-left', 'tdes'),
        (data, mak, variant) => {
          expect(toHex(unionPayEcbMac(mak, data, variant))).toBe(referenceUnionPayMac(mak, data, variant));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('empty data MACs one block of zeros; trailing zero bytes do not change the MAC (a property of the scheme)', () => {
    const mak = fromHex('0123456789ABCDEF');
    expect(unionPayEcbMac(mak, Buffer.alloc(0))).toEqual(unionPayEcbMac(mak, Buffer.alloc(8)));
    expect(unionPayEcbMac(mak, fromHex('AABB'))).toEqual(unionPayEcbMac(mak, fromHex('AABB000000')));
  });

  it('a reused instance agrees with fresh ones', () => {
    const mak = fromHex('0123456789ABCDEFFEDCBA9876543210');
    const instance = new UnionPayEcbMac(mak, { variant: 'tdes' });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
        expect(instance.compute(data)).toEqual(unionPayEcbMac(mak, data, 'tdes'));
      }),
      { numRuns: 100 },
    );
  });

  it('verify accepts the MAC and rejects any single-bit change of data or MAC', () => {
    const mak = fromHex('0123456789ABCDEFFEDCBA9876543210');
    const instance = new UnionPayEcbMac(mak);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 120 }), fc.nat(), fc.boolean(), (data, bit, inMac) => {
        const mac = instance.compute(data);
        instance.verify(data, mac);
        if (inMac) expectCryptoError(() => { instance.verify(data, flipBit(mac, bit % 64)); }, 'CRYPTO_ERR_MAC_MISMATCH', 'mac', [mak]);
        else expectCryptoError(() => { instance.verify(flipBit(data, bit % (data.length * 8)), mac); }, 'CRYPTO_ERR_MAC_MISMATCH', 'mac', [mak]);
      }),
      { numRuns: 200 },
    );
    verifyUnionPayEcbMac(fromHex('0723C80DB5F4CD3D'), fromHex('00'), unionPayEcbMac(fromHex('0723C80DB5F4CD3D'), fromHex('00')));
  });

  it('rejects bad keys, variants and MAC lengths without echoing the key', () => {
    const tdesKey = fromHex('0123456789ABCDEFFEDCBA9876543210');
    const shortKey = fromHex('0123456789ABCDEF');
    expectCryptoError(() => new UnionPayEcbMac(fromHex('0123456789ABCDEFFEDCBA98765432100123456789ABCDEF')), 'CRYPTO_ERR_KEY_LENGTH', 'key', [tdesKey]);
    expectCryptoError(() => new UnionPayEcbMac(shortKey, { variant: 'tdes', keyName: 'mak' }), 'CRYPTO_ERR_KEY_LENGTH', 'mak', [shortKey]);
    expectCryptoError(() => new UnionPayEcbMac(tdesKey, { variant: 'des-right' as UnionPayEcbVariant }), 'CRYPTO_ERR_ALGORITHM', 'variant', [tdesKey]);
    expectCryptoError(() => { verifyUnionPayEcbMac(tdesKey, Buffer.alloc(8), Buffer.alloc(4)); }, 'CRYPTO_ERR_ARGUMENT', 'mac', [tdesKey]);
  });
});
