import { createCipheriv, createDecipheriv } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../bytes.js';
import { padIso9797, type Iso9797PaddingMethod } from './padding.js';
import { RetailMac, retailMac, verifyRetailMac } from './retail-mac.js';
import { expectCryptoError, flipBit } from '../test-helpers.js';

const ascii = (text: string): Buffer => Buffer.from(text, 'latin1');

/**
 * The textbook definition, straight from node:crypto (single DES as DES-EDE3 with K1 = K2 = K3):
 * DES-CBC under K over the padded data, then decrypt with K', then encrypt with K (or K'').
 */
function referenceRetailMac(key: Uint8Array, data: Uint8Array, padding: Iso9797PaddingMethod): Buffer {
  const single = (part: Uint8Array): Buffer => Buffer.concat([part, part, part]);
  const k1 = key.subarray(0, 8);
  const k2 = key.subarray(8, 16);
  const k3 = key.length === 24 ? key.subarray(16, 24) : k1;
  const cbc = createCipheriv('des-ede3-cbc', single(k1), Buffer.alloc(8)).setAutoPadding(false);
  const chained = cbc.update(padIso9797(data, padding));
  const decrypt = createDecipheriv('des-ede3-ecb', single(k2), null).setAutoPadding(false);
  const encrypt = createCipheriv('des-ede3-ecb', single(k3), null).setAutoPadding(false);
  return encrypt.update(decrypt.update(chained.subarray(chained.length - 8)));
}

describe('ISO 9797-1 MAC algorithm 3 (ANSI X9.19 retail MAC)', () => {
  const key = fromHex('0123456789ABCDEFFEDCBA9876543210');

  it('ISO 9797-1:2011 Annex B.4 examples, padding methods 1, 2, 3', () => {
    // Key K = 0123456789ABCDEF, K' = FEDCBA9876543210 (also quoted by openemv/crypto
    // test/crypto_tdes2_retail_mac_test.c and the RustCrypto retail-mac documentation).
    const all = ascii('Now is the time for all ');
    const it_ = ascii('Now is the time for it');
    expect(toHex(retailMac(key, all, 1))).toBe('A1C72E74EA3FA9B6');
    expect(toHex(retailMac(key, all, 2))).toBe('E9086230CA3BE796');
    expect(toHex(retailMac(key, all, 3))).toBe('AB059463D7A7D170');
    expect(toHex(retailMac(key, it_, 1))).toBe('2E2B1428CC78254F');
    expect(toHex(retailMac(key, it_, 2))).toBe('5A692CE64F404145');
    expect(toHex(retailMac(key, it_, 3))).toBe('C59F7EED328DDD69');
  });

  it('psec tests/test_mac.py test_generate_retail_mac (K = "AAAAAAAA", K\' = "BBBBBBBB" in ASCII)', () => {
    // psec passes K and K' as 16-byte TDES keys with equal halves, which act as single DES.
    const psecKey = fromHex('41414141414141414242424242424242');
    const data = ascii('hello world');
    expect(toHex(retailMac(psecKey, data, 1))).toBe('3DDE5C5511661CBF');
    expect(toHex(retailMac(psecKey, data, 2))).toBe('E16941032C3BC7D4');
    expect(toHex(retailMac(psecKey, data, 3))).toBe('BA90F750EF43F668');
  });

  it('pyemv tests/test_mac.py test_mac_iso9797_3', () => {
    const pyemvKey = fromHex('AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBB');
    expect(toHex(retailMac(pyemvKey, ascii('hello world'), 1))).toBe('78DA3D3DEB48FD4D');
    expect(toHex(retailMac(pyemvKey, ascii('hello world'), 2))).toBe('2BC2D9EDE0CF31F6');
  });

  // pyemv pyemv/sm.py generate_command_mac example (algorithm 3, padding method 2)
  it('the pyemv secure-messaging command MAC example', () => {
    expect(toHex(new RetailMac(fromHex('0123456789ABCDEFFEDCBA9876543210'), { padding: 2 }).compute(fromHex('8424000008FFFF1234567890123456')))).toBe('E07B8DF1B4184282');
  });

  it('whole blocks, one block, and short data with padding method 1', () => {
    // A Go X9.19 test suite by rkbalgi (package crypto, Test_X919Mac_Test1 to Test3_WithPadding2).
    const goKey = fromHex('76850752AD7307ADE554D06D3BA73279');
    expect(toHex(retailMac(goKey, fromHex('8155ADCC76B2FB0064F2C40037710477CE13C4BF75FD3DADF13B6D137AC1B915')))).toBe('B2A45602664C486F');
    expect(toHex(retailMac(goKey, fromHex('D3DADF13B6D137AC')))).toBe('6A3307CAA14EB06A');
    expect(toHex(retailMac(goKey, fromHex('D3DADF13B6D137ACDF13B6')))).toBe('8B34B5BEAF1087A0');
    expect(toHex(retailMac(goKey, fromHex('D3DADF')))).toBe('C66CA5DE6E324EDF');
  });

  it('a 74-byte PBOC message with padding method 2', () => {
    // Worked example "PBOC-MAC DES" (mynw.cn/netsecurity/12427.html): the X9.19 steps with
    // forced 0x80 padding, result 4089819D3D991CC7.
    const data = fromHex(
      '4348454E48414F2D50437C424645424642464630303033303643337E39425030504432434E3730313633363649303034337C32303234303131317C32303235303130317C383139317C30',
    );
    expect(toHex(retailMac(fromHex('5775204D69616F6A756E404726444311'), data, 2))).toBe('4089819D3D991CC7');
  });

  it('a 24-byte key uses K3 for the final encryption (Bouncy Castle ISO9797Alg3Mac convention)', () => {
    const k1k2k3 = fromHex('0123456789ABCDEFFEDCBA987654321089ABCDEF01234567');
    const data = ascii('Now is the time for all ');
    expect(retailMac(k1k2k3, data)).toEqual(referenceRetailMac(k1k2k3, data, 1));
    expect(retailMac(k1k2k3, data)).not.toEqual(retailMac(key, data));
    // With K3 = K1 the 24-byte key is the 16-byte one.
    expect(toHex(retailMac(fromHex('0123456789ABCDEFFEDCBA98765432100123456789ABCDEF'), data))).toBe('A1C72E74EA3FA9B6');
  });

  it('matches the textbook definition for any data, padding and key length (construction check)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 80 }),
        fc.constantFrom<Iso9797PaddingMethod>(1, 2, 3),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.option(fc.uint8Array({ minLength: 8, maxLength: 8 }), { nil: undefined }),
        (data, padding, head, k3) => {
          const anyKey = k3 === undefined ? head : Buffer.concat([head, k3]);
          expect(retailMac(anyKey, data, padding)).toEqual(referenceRetailMac(anyKey, data, padding));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('one instance, many messages of typical length: same as fresh instances', () => {
    const mac = new RetailMac(key);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 100, maxLength: 300 }), (data) => {
        expect(mac.compute(data)).toEqual(referenceRetailMac(key, data, 1));
      }),
      { numRuns: 100 },
    );
  });

  it('verify accepts the MAC and its leftmost 4 bytes, rejects any single-bit change of data or MAC', () => {
    const verifier = new RetailMac(key, { padding: 2 });
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
    verifyRetailMac(key, ascii('Now is the time for all '), fromHex('A1C72E74'));
  });

  it('rejects bad keys, padding and MAC lengths without echoing the key', () => {
    const single = fromHex('0123456789ABCDEF');
    expectCryptoError(() => new RetailMac(single), 'CRYPTO_ERR_KEY_LENGTH', 'key', [single]);
    expectCryptoError(() => new RetailMac(fromHex('0123456789ABCDEFFEDCBA9876543210AA'), { keyName: 'mak' }), 'CRYPTO_ERR_KEY_LENGTH', 'mak');
    expectCryptoError(() => retailMac(key, Buffer.alloc(8), 0 as Iso9797PaddingMethod), 'CRYPTO_ERR_MAC_PADDING', 'padding', [key]);
    expectCryptoError(() => { verifyRetailMac(key, Buffer.alloc(8), Buffer.alloc(2)); }, 'CRYPTO_ERR_ARGUMENT', 'mac', [key]);
    const mac = retailMac(key, Buffer.alloc(8));
    expectCryptoError(() => { verifyRetailMac(key, Buffer.alloc(9), mac); }, 'CRYPTO_ERR_MAC_MISMATCH', 'mac', [key, mac]);
  });
});
