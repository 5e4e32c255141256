import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decryptEcb, encryptCbc, encryptEcb } from '../block-cipher.js';
import { fromHex, toHex } from '../bytes.js';
import { padIso9797Method1, padIso9797Method2, RetailMac } from './retail-mac.js';

const ascii = (text: string): Buffer => Buffer.from(text, 'ascii');

describe('ISO/IEC 9797-1 padding', () => {
  // psec tests/test_mac.py (test_pad_iso_1) and pyemv tests/test_mac.py (test_pad_iso9797_1)
  it.each([
    ['1234', 8, '1234000000000000'],
    ['1234567890123456', 8, '1234567890123456'],
    ['1234', 4, '12340000'],
    ['12345678', 4, '12345678'],
    ['', 4, '00000000'],
    ['', 8, '0000000000000000'],
  ])('method 1 pads %s to blocks of %i', (data, blockSize, expected) => {
    expect(toHex(padIso9797Method1(fromHex(data), blockSize))).toBe(expected.toUpperCase());
  });

  // psec tests/test_mac.py (test_pad_iso_2) and pyemv tests/test_mac.py (test_pad_iso9797_2)
  it.each([
    ['1234', 8, '1234800000000000'],
    ['12345678901234', 8, '1234567890123480'],
    ['1234567890123456', 8, '12345678901234568000000000000000'],
    ['1234', 4, '12348000'],
    ['123456', 4, '12345680'],
    ['12345678', 4, '1234567880000000'],
    ['', 4, '80000000'],
    ['', 8, '8000000000000000'],
  ])('method 2 pads %s to blocks of %i', (data, blockSize, expected) => {
    expect(toHex(padIso9797Method2(fromHex(data), blockSize))).toBe(expected.toUpperCase());
  });

  it('defaults to the DES block size', () => {
    expect(toHex(padIso9797Method1(fromHex('AB')))).toBe('AB00000000000000');
    expect(toHex(padIso9797Method2(fromHex('AB')))).toBe('AB80000000000000');
  });
});

describe('ISO/IEC 9797-1 MAC algorithm 3 (retail MAC)', () => {
  // pyemv tests/test_mac.py (test_mac_iso9797_3): K = AA…AA, K' = BB…BB, "hello world"
  it('matches pyemv for padding methods 1 and 2', () => {
    const mac = new RetailMac(fromHex('AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBB'));
    expect(toHex(mac.compute(ascii('hello world'), 1))).toBe('78DA3D3DEB48FD4D');
    expect(toHex(mac.compute(ascii('hello world'), 2))).toBe('2BC2D9EDE0CF31F6');
  });

  // pyemv pyemv/sm.py generate_command_mac example (algorithm 3, padding method 2)
  it('matches the pyemv secure-messaging MAC example', () => {
    const mac = new RetailMac(fromHex('0123456789ABCDEFFEDCBA9876543210'));
    expect(toHex(mac.compute(fromHex('8424000008FFFF1234567890123456'), 2))).toBe('E07B8DF1B4184282');
  });

  it('MACs a single block with one TDES operation (K = K\' gives plain DES CBC-MAC)', () => {
    const key = fromHex('0123456789ABCDEF0123456789ABCDEF');
    const data = fromHex('4E6F772069732074');
    // With K' = K the output transformation cancels: the MAC is DES-CBC of the data.
    expect(toHex(new RetailMac(key).compute(data, 1))).toBe(toHex(encryptEcb('des', key.subarray(0, 8), data)));
    // FIPS 81 / NBS test: DES(0123456789ABCDEF)["Now is t"] = 3FA40E8A984D4815
    expect(toHex(new RetailMac(key).compute(data, 1))).toBe('3FA40E8A984D4815');
  });

  it('equals the textbook definition: DES-CBC under K, then D_K\' and E_K on the last block', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ maxLength: 70 }), fc.constantFrom(1 as const, 2 as const), (key, data, padding) => {
        const padded = padding === 1 ? padIso9797Method1(data) : padIso9797Method2(data);
        const left = key.subarray(0, 8);
        const right = key.subarray(8, 16);
        const chained = encryptCbc('des', left, padded).subarray(-8);
        const expected = encryptEcb('des', left, decryptEcb('des', right, chained));
        expect(toHex(new RetailMac(key).compute(data, padding))).toBe(toHex(expected));
      }),
      { numRuns: 200 },
    );
  });

  it('rejects keys that are not 16 bytes, naming the argument', () => {
    for (const length of [8, 24]) {
      expect(() => new RetailMac(Buffer.alloc(length, 0x11), 'sessionKey')).toThrow(
        expect.objectContaining({ code: 'CRYPTO_ERR_KEY_LENGTH', details: expect.objectContaining({ argument: 'sessionKey', length }) }),
      );
    }
  });
});
