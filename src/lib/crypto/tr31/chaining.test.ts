import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EcbCipher, encryptCbc, type BlockAlgorithm } from '../block-cipher.js';
import { fromHex, toHex } from '../bytes.js';
import { cbcDecryptInto, cbcEncryptInto, cbcMac } from './chaining.js';

describe('CBC over a held key schedule', () => {
  // NIST SP 800-38A F.2.1 (CBC-AES128.Encrypt), first two blocks.
  it('matches NIST SP 800-38A CBC-AES128', () => {
    const cipher = new EcbCipher('aes', fromHex('2B7E151628AED2A6ABF7158809CF4F3C'));
    const iv = fromHex('000102030405060708090A0B0C0D0E0F');
    const plaintext = fromHex('6BC1BEE22E409F96E93D7E117393172AAE2D8A571E03AC9C9EB76FAC45AF8E51');
    const ciphertext = Buffer.alloc(32);
    cbcEncryptInto(cipher, iv, plaintext, ciphertext);
    expect(toHex(ciphertext)).toBe('7649ABAC8119B246CEE98E9B12E9197D5086CB9B507219EE95DB113A917678B2');
    const back = Buffer.alloc(32);
    cbcDecryptInto(cipher, iv, ciphertext, back);
    expect(back).toEqual(plaintext);
  });

  // ISO 9797-1 MAC algorithm 1 is the last CBC block with a zero IV. FIPS 113 / ANSI X9.9
  // example: key 0123456789ABCDEF, message "Now is the time for all ", MAC 70A30640CC76DD8B.
  it('CBC-MAC of the FIPS 113 / ANSI X9.9 example message', () => {
    const cipher = new EcbCipher('des', fromHex('0123456789ABCDEF'));
    const message = Buffer.from('Now is the time for all ', 'latin1');
    expect(toHex(cbcMac(cipher, [message.subarray(0, 8), message.subarray(8)]))).toBe('70A30640CC76DD8B');
  });

  const cases: readonly [BlockAlgorithm, number][] = [
    ['tdes', 16],
    ['tdes', 24],
    ['aes', 16],
    ['aes', 32],
  ];
  it.each(cases)('%s with a %i-byte key agrees with node:crypto CBC', (algorithm, keyLength) => {
    const size = algorithm === 'aes' ? 16 : 8;
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: keyLength, maxLength: keyLength }),
        fc.uint8Array({ minLength: size, maxLength: size }),
        fc.integer({ min: 1, max: 6 }).chain((blocks) => fc.uint8Array({ minLength: blocks * size, maxLength: blocks * size })),
        (key, iv, data) => {
          const cipher = new EcbCipher(algorithm, key);
          const expected = encryptCbc(algorithm, key, data, iv);
          const out = Buffer.alloc(data.length);
          cbcEncryptInto(cipher, iv, data, out);
          expect(out).toEqual(expected);
          const back = Buffer.alloc(data.length);
          cbcDecryptInto(cipher, iv, out, back);
          expect(back).toEqual(Buffer.from(data));
          const zeroIvLast = encryptCbc(algorithm, key, data).subarray(-size);
          expect(cbcMac(cipher, [data.subarray(0, size), data.subarray(size)])).toEqual(zeroIvLast);
        },
      ),
      { numRuns: 100 },
    );
  });
});
