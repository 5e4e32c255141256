import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decryptCbc, decryptEcb, EcbCipher, encryptCbc, encryptEcb, type BlockAlgorithm } from './block-cipher.js';
import { fromHex, toHex } from './bytes.js';
import { BastionError } from '../errors/index.js';

const h = (text: string): Buffer => fromHex(text.replace(/\s+/g, ''));

// Known answers from the standards that define each cipher.
const ecbVectors: readonly { source: string; algorithm: BlockAlgorithm; key: string; plain: string; cipher: string }[] = [
  // FIPS 46 worked example (the classic DES walkthrough key).
  { source: 'DES classic', algorithm: 'des', key: '133457799BBCDFF1', plain: '0123456789ABCDEF', cipher: '85E813540F0AB405' },
  // FIPS 81 Appendix B: "Now is t" under 0123456789ABCDEF.
  { source: 'FIPS 81 B', algorithm: 'des', key: '0123456789ABCDEF', plain: '4E6F772069732074', cipher: '3FA40E8A984D4815' },
  // The double-length test key whose KCV every payment engineer knows (08D7B4).
  { source: 'X9.24 test key', algorithm: 'tdes', key: '0123456789ABCDEFFEDCBA9876543210', plain: '0000000000000000', cipher: '08D7B4FB629D0885' },
  // NIST SP 800-67 rev.2 example: three-key TDEA, "The quick brown fox jump".
  {
    source: 'SP 800-67',
    algorithm: 'tdes',
    key: '0123456789ABCDEF 23456789ABCDEF01 456789ABCDEF0123',
    plain: '5468652071756663 6B2062726F776E20 666F78206A756D70',
    cipher: 'A826FD8CE53B855F CCE21C8112256FE6 68D5C05DD9B6B900',
  },
  // FIPS 197 Appendix C.1 – C.3.
  { source: 'FIPS 197 C.1', algorithm: 'aes', key: '000102030405060708090A0B0C0D0E0F', plain: '00112233445566778899AABBCCDDEEFF', cipher: '69C4E0D86A7B0430D8CDB78070B4C55A' },
  {
    source: 'FIPS 197 C.2',
    algorithm: 'aes',
    key: '000102030405060708090A0B0C0D0E0F1011121314151617',
    plain: '00112233445566778899AABBCCDDEEFF',
    cipher: 'DDA97CA4864CDFE06EAF70A0EC0D7191',
  },
  {
    source: 'FIPS 197 C.3',
    algorithm: 'aes',
    key: '000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F',
    plain: '00112233445566778899AABBCCDDEEFF',
    cipher: '8EA2B7CA516745BFEAFC49904B496089',
  },
  // GB/T 32907-2016 Appendix A example 1.
  { source: 'GB/T 32907 A.1', algorithm: 'sm4', key: '0123456789ABCDEFFEDCBA9876543210', plain: '0123456789ABCDEFFEDCBA9876543210', cipher: '681EDF34D206965E86B3E94F536E4246' },
];

describe('block ciphers (ECB)', () => {
  it.each(ecbVectors)('$source: $algorithm encrypts and decrypts the published block', ({ algorithm, key, plain, cipher }) => {
    expect(toHex(encryptEcb(algorithm, h(key), h(plain)))).toBe(cipher.replace(/\s+/g, ''));
    expect(toHex(decryptEcb(algorithm, h(key), h(cipher)))).toBe(plain.replace(/\s+/g, ''));
  });

  it('a reused EcbCipher gives the same answers call after call, both ways', () => {
    const cipher = new EcbCipher('tdes', h('0123456789ABCDEFFEDCBA9876543210'));
    for (let i = 0; i < 3; i++) {
      expect(toHex(cipher.encrypt(Buffer.alloc(8)))).toBe('08D7B4FB629D0885');
      expect(toHex(cipher.decrypt(h('08D7B4FB629D0885')))).toBe('0000000000000000');
    }
  });

  it('DES equals TDES with K1 = K2 = K3 and with K1 = K2', () => {
    const key = h('133457799BBCDFF1');
    const block = h('0123456789ABCDEF');
    expect(encryptEcb('tdes', Buffer.concat([key, key]), block)).toEqual(encryptEcb('des', key, block));
    expect(encryptEcb('tdes', Buffer.concat([key, key, key]), block)).toEqual(encryptEcb('des', key, block));
  });

  it('decrypt(encrypt(x)) = x for every algorithm and key length', () => {
    const cases: readonly [BlockAlgorithm, number, number][] = [
      ['des', 8, 8], ['tdes', 16, 8], ['tdes', 24, 8], ['aes', 16, 16], ['aes', 24, 16], ['aes', 32, 16], ['sm4', 16, 16],
    ];
    for (const [algorithm, keyLength, blockSize] of cases) {
      fc.assert(
        fc.property(fc.uint8Array({ minLength: keyLength, maxLength: keyLength }), fc.integer({ min: 1, max: 8 }), fc.uint8Array({ minLength: 128, maxLength: 128 }), (key, blocks, bytes) => {
          const data = bytes.subarray(0, blocks * blockSize);
          expect(decryptEcb(algorithm, key, encryptEcb(algorithm, key, data))).toEqual(Buffer.from(data));
          expect(decryptCbc(algorithm, key, encryptCbc(algorithm, key, data))).toEqual(Buffer.from(data));
        }),
        { numRuns: 40 },
      );
    }
  });
});

describe('block ciphers (CBC)', () => {
  it('NIST SP 800-38A F.2.1: AES-128 CBC', () => {
    const key = h('2B7E151628AED2A6ABF7158809CF4F3C');
    const iv = h('000102030405060708090A0B0C0D0E0F');
    const plain = h('6BC1BEE22E409F96E93D7E117393172A AE2D8A571E03AC9C9EB76FAC45AF8E51');
    const cipher = '7649ABAC8119B246CEE98E9B12E9197D5086CB9B507219EE95DB113A917678B2';
    expect(toHex(encryptCbc('aes', key, plain, iv))).toBe(cipher);
    expect(decryptCbc('aes', key, h(cipher), iv)).toEqual(plain);
  });

  it('CBC with a zero IV chains exactly like ECB with XOR', () => {
    const key = h('0123456789ABCDEFFEDCBA9876543210');
    const data = h('1111111111111111 2222222222222222');
    const first = encryptEcb('tdes', key, data.subarray(0, 8));
    const second = encryptEcb('tdes', key, Buffer.from(data.subarray(8).map((byte, i) => byte ^ (first[i] as number))));
    expect(encryptCbc('tdes', key, data)).toEqual(Buffer.concat([first, second]));
  });
});

describe('block cipher input errors', () => {
  const codeOf = (run: () => unknown): string | undefined => {
    try {
      run();
    } catch (error) {
      return error instanceof BastionError ? `${error.code}:${String(error.details['argument'])}` : 'not a BastionError';
    }
    return undefined;
  };

  it('names the argument for wrong key, data and IV lengths', () => {
    expect(codeOf(() => encryptEcb('tdes', Buffer.alloc(8), Buffer.alloc(8)))).toBe('CRYPTO_ERR_KEY_LENGTH:key');
    expect(codeOf(() => encryptEcb('aes', Buffer.alloc(20), Buffer.alloc(16)))).toBe('CRYPTO_ERR_KEY_LENGTH:key');
    expect(codeOf(() => encryptEcb('sm4', Buffer.alloc(32), Buffer.alloc(16)))).toBe('CRYPTO_ERR_KEY_LENGTH:key');
    expect(codeOf(() => encryptEcb('des', Buffer.alloc(8), Buffer.alloc(7)))).toBe('CRYPTO_ERR_DATA_LENGTH:data');
    expect(codeOf(() => encryptEcb('aes', Buffer.alloc(16), Buffer.alloc(0)))).toBe('CRYPTO_ERR_DATA_LENGTH:data');
    expect(codeOf(() => encryptCbc('aes', Buffer.alloc(16), Buffer.alloc(16), Buffer.alloc(8)))).toBe('CRYPTO_ERR_IV_LENGTH:iv');
  });
});
