import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encryptCbc } from '../block-cipher.js';
import { fromHex, toHex } from '../bytes.js';
import { Iso9797Alg1Mac, iso9797Alg1Mac, verifyIso9797Alg1Mac } from './iso9797-alg1.js';
import { padIso9797, type Iso9797PaddingMethod } from './padding.js';
import { expectCryptoError, flipBit } from '../test-helpers.js';

const ascii = (text: string): Buffer => Buffer.from(text, 'latin1');
const nowIsTheTimeForAll = ascii('Now is the time for all ');
const nowIsTheTimeForIt = ascii('Now is the time for it');
const desKey = fromHex('0123456789ABCDEF');

describe('ISO 9797-1 MAC algorithm 1 (CBC-MAC)', () => {
  it('DES, the ISO 9797-1 Annex B examples (MACs published as their leftmost 4 bytes)', () => {
    // ISO/IEC 9797-1 Annex B, key 0123456789ABCDEF, algorithm 1 with padding methods 1, 2, 3.
    const published: readonly [Buffer, Iso9797PaddingMethod, string][] = [
      [nowIsTheTimeForAll, 1, '70A30640'],
      [nowIsTheTimeForAll, 2, '10E1F0F1'],
      [nowIsTheTimeForAll, 3, '2C58FB8F'],
      [nowIsTheTimeForIt, 1, 'E45B3AD2'],
      [nowIsTheTimeForIt, 2, 'A924C721'],
      [nowIsTheTimeForIt, 3, 'B1ECD6FC'],
    ];
    for (const [data, padding, mac] of published) {
      expect(toHex(iso9797Alg1Mac('des', desKey, data, padding)).slice(0, 8), `padding ${padding}`).toBe(mac);
    }
  });

  it('DES, the ANSI X9.9 example in full', () => {
    // FIPS 113 / ANSI X9.9 "Now is the time for all " under 0123456789ABCDEF: 70A30640CC76DD8B
    // (the full block of the Annex B example above).
    expect(toHex(iso9797Alg1Mac('des', desKey, nowIsTheTimeForAll))).toBe('70A30640CC76DD8B');
  });

  it('TDES, psec tests/test_mac.py test_generate_cbc_mac', () => {
    const key = fromHex('AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBB');
    const data = ascii('hello world');
    expect(toHex(iso9797Alg1Mac('tdes', key, data, 1))).toBe('68D9038F23360DF3');
    expect(toHex(iso9797Alg1Mac('tdes', key, data, 2))).toBe('32DC341271ACCD00');
    expect(toHex(iso9797Alg1Mac('tdes', key, data, 3))).toBe('CDACA53E2DAA5412');
  });

  it('TDES, the psec generate_cbc_mac documentation example', () => {
    // psec/mac.py docstring: key 0123456789ABCDEFFEDCBA9876543210, data 1234567890ABCDEF, method 2.
    expect(toHex(iso9797Alg1Mac('tdes', fromHex('0123456789ABCDEFFEDCBA9876543210'), fromHex('1234567890ABCDEF'), 2))).toBe('925B1737EF681AD3');
  });

  it('AES, the Linux kernel cbcmac(aes) vectors (zero padding = method 1)', () => {
    // crypto/testmgr.h aes_cbcmac_tv_template (NIST SP 800-38B key and message).
    const key128 = fromHex('2B7E151628AED2A6ABF7158809CF4F3C');
    const key256 = fromHex('603DEB1015CA71BE2B73AEF0857D77811F352C073B6108D72D9810A30914DFF4');
    const message = fromHex(
      '6BC1BEE22E409F96E93D7E117393172AAE2D8A571E03AC9C9EB76FAC45AF8E5130C81C46A35CE411E5FBC1191A0A52EFF69F2445DF4F9B17AD2B417BE66C3710',
    );
    expect(toHex(iso9797Alg1Mac('aes', key128, message.subarray(0, 16)))).toBe('3AD77BB40D7A3660A89ECAF32466EF97');
    expect(toHex(iso9797Alg1Mac('aes', key128, message.subarray(0, 33)))).toBe('9D0DD063FBCB2443F8F27603AC39B09D');
    expect(toHex(iso9797Alg1Mac('aes', key128, message.subarray(0, 63)))).toBe('C07173B8A02C117CAFDCB2F88932A33A');
    expect(toHex(iso9797Alg1Mac('aes', key256, Buffer.concat([message, fromHex('1C')])))).toBe('6A4EDB214751DF4FA84D4C103B727DD6');
  });

  it('equals the last block of CBC over the padded data, for every cipher and padding (construction check)', () => {
    const keys = { des: desKey, tdes: fromHex('0123456789ABCDEFFEDCBA9876543210'), aes: fromHex('000102030405060708090A0B0C0D0E0F'), sm4: fromHex('0123456789ABCDEFFEDCBA9876543210') } as const;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.constantFrom<keyof typeof keys>('des', 'tdes', 'aes', 'sm4'), fc.constantFrom<Iso9797PaddingMethod>(1, 2, 3), (data, algorithm, padding) => {
        const size = algorithm === 'des' || algorithm === 'tdes' ? 8 : 16;
        const whole = encryptCbc(algorithm, keys[algorithm], padIso9797(data, padding, size));
        expect(iso9797Alg1Mac(algorithm, keys[algorithm], data, padding)).toEqual(whole.subarray(whole.length - size));
      }),
      { numRuns: 200 },
    );
  });

  it('one instance gives the same answers over many messages as fresh ones', () => {
    const mac = new Iso9797Alg1Mac('tdes', fromHex('0123456789ABCDEFFEDCBA9876543210'), { padding: 2 });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (data) => {
        expect(mac.compute(data)).toEqual(iso9797Alg1Mac('tdes', fromHex('0123456789ABCDEFFEDCBA9876543210'), data, 2));
      }),
      { numRuns: 200 },
    );
  });

  it('verify accepts the MAC and its 4-byte truncation, and rejects any single-bit change', () => {
    const key = fromHex('0123456789ABCDEFFEDCBA9876543210');
    const verifier = new Iso9797Alg1Mac('tdes', key);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.nat(), fc.boolean(), (data, bit, inMac) => {
        const mac = verifier.compute(data);
        verifier.verify(data, mac);
        verifier.verify(data, mac.subarray(0, 4));
        if (inMac) expectCryptoError(() => { verifier.verify(data, flipBit(mac, bit % 64)); }, 'CRYPTO_ERR_MAC_MISMATCH', 'mac', [key]);
        else expectCryptoError(() => { verifier.verify(flipBit(data, bit % (data.length * 8)), mac); }, 'CRYPTO_ERR_MAC_MISMATCH', 'mac', [key]);
      }),
      { numRuns: 200 },
    );
    verifyIso9797Alg1Mac('des', desKey, nowIsTheTimeForAll, fromHex('70A30640CC76DD8B'));
  });

  it('rejects bad keys, padding and MAC lengths, naming the argument and not the key', () => {
    const key = fromHex('0123456789ABCDEFFEDCBA98');
    expectCryptoError(() => iso9797Alg1Mac('tdes', key, Buffer.alloc(8)), 'CRYPTO_ERR_KEY_LENGTH', 'key', [key]);
    expectCryptoError(() => new Iso9797Alg1Mac('des', desKey.subarray(0, 7), { keyName: 'mak' }), 'CRYPTO_ERR_KEY_LENGTH', 'mak', [desKey.subarray(0, 7)]);
    expectCryptoError(() => iso9797Alg1Mac('des', desKey, Buffer.alloc(8), 4 as Iso9797PaddingMethod), 'CRYPTO_ERR_MAC_PADDING', 'padding', [desKey]);
    expectCryptoError(() => { verifyIso9797Alg1Mac('des', desKey, Buffer.alloc(8), Buffer.alloc(3)); }, 'CRYPTO_ERR_ARGUMENT', 'mac', [desKey]);
    expectCryptoError(() => { verifyIso9797Alg1Mac('des', desKey, Buffer.alloc(8), Buffer.alloc(9)); }, 'CRYPTO_ERR_ARGUMENT', 'mac', [desKey]);
  });
});
