import { createCipheriv } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BlockAlgorithm } from '../block-cipher.js';
import { fromHex, toHex } from '../bytes.js';
import { Cmac, assertMacLength, cmac, verifyCmac } from './cmac.js';
import { expectCryptoError, flipBit } from '../test-helpers.js';

// The example message of NIST SP 800-38B Appendix D and RFC 4493 section 4; examples use prefixes.
const message = fromHex(
  '6BC1BEE22E409F96E93D7E117393172AAE2D8A571E03AC9C9EB76FAC45AF8E5130C81C46A35CE411E5FBC1191A0A52EFF69F2445DF4F9B17AD2B417BE66C3710',
);

function expectCmacs(algorithm: BlockAlgorithm, keyHex: string, cases: readonly [number, string][]): void {
  const key = fromHex(keyHex);
  const instance = new Cmac(algorithm, key);
  for (const [lengthBytes, tag] of cases) {
    expect(toHex(cmac(algorithm, key, message.subarray(0, lengthBytes))), `${lengthBytes} bytes`).toBe(tag);
    expect(toHex(instance.compute(message.subarray(0, lengthBytes))), `${lengthBytes} bytes, reused instance`).toBe(tag);
  }
}

describe('CMAC', () => {
  it('AES-128: RFC 4493 section 4, all four examples', () => {
    expectCmacs('aes', '2B7E151628AED2A6ABF7158809CF4F3C', [
      [0, 'BB1D6929E95937287FA37D129B756746'],
      [16, '070A16B46B4D4144F79BDD9DD04A287C'],
      [40, 'DFA66747DE9AE63030CA32611497C827'],
      [64, '51F0BEBF7E3B9D92FC49741779363CFE'],
    ]);
  });

  it('AES-192: NIST SP 800-38B Appendix D.2', () => {
    expectCmacs('aes', '8E73B0F7DA0E6452C810F32B809079E562F8EAD2522C6B7B', [
      [0, 'D17DDF46ADAACDE531CAC483DE7A9367'],
      [16, '9E99A7BF31E710900662F65E617C5184'],
      [40, '8A1DE5BE2EB31AAD089A82E6EE908B0E'],
      [64, 'A1D5DF0EED790F794D77589659F39A11'],
    ]);
  });

  it('AES-256: NIST SP 800-38B Appendix D.3', () => {
    expectCmacs('aes', '603DEB1015CA71BE2B73AEF0857D77811F352C073B6108D72D9810A30914DFF4', [
      [0, '028962F61B7BF89EFC6B551F4667D983'],
      [16, '28A7023F452E8F82BD4BF28D8C37C35C'],
      [40, 'AAF3D8F1DE5640C232F5B169B9C911E6'],
      [64, 'E1992190549F6ED5696A2C056C315410'],
    ]);
  });

  it('three-key TDEA: NIST SP 800-38B Appendix D.4 (updated CMAC examples)', () => {
    // As carried by the Linux kernel crypto/testmgr.h des3_ede_cmac64_tv_template.
    expectCmacs('tdes', '8AA83BF8CBDA10620BC1BF19FBB6CD58BC313D4A371CA8B5', [
      [0, 'B7A688E122FFAF95'],
      [8, '8E8F293136283797'],
      [20, '743DDBE0CE2DC2ED'],
      [32, '33E6B1092400EAE5'],
    ]);
  });

  it('two-key TDEA: NIST SP 800-38B Appendix D.5 (updated CMAC examples)', () => {
    expectCmacs('tdes', '4CF15134A2850DD58A3D10BA80570D38', [
      [0, 'BD2EBF9A3BA00361'],
      [8, '4FF2AB813C53CE83'],
      [20, '62DD1B471902BD4E'],
      [32, '31B1E431DABC4EB8'],
    ]);
  });

  it('TDES: the original SP 800-38B examples with keys 0123456789ABCDEF 23456789ABCDEF01 (45...)', () => {
    // openemv/crypto test/crypto_tdes_cmac_test.c.
    expectCmacs('tdes', '0123456789ABCDEF23456789ABCDEF01456789ABCDEF0123', [
      [0, '7DB0D37DF936C550'],
      [16, '30239CF1F52E6609'],
      [20, '6C9F3EE4923F6BE2'],
      [32, '99429BD0BF7904E5'],
    ]);
    expectCmacs('tdes', '0123456789ABCDEF23456789ABCDEF01', [
      [0, '79CE52A7F786A960'],
      [16, 'CC18A0B79AF2413B'],
      [20, 'C06D377ECD101969'],
      [32, '9CD33580F9B64DFB'],
    ]);
  });

  it('TR-31:2018 key derivation examples are CMACs of 8-byte derivation data', () => {
    // TR-31:2018 A.7.2.2 (TDES KBPK → KBEK, KBAK) and A.7.4 (AES-256 KBPK → KBEK), as quoted by
    // openemv/tr31 test/tr31_crypto_test.c. Derivation data: counter, usage, 00, algorithm, bits.
    const tdesKbpk = fromHex('DD7515F2BFC17F85CE48F3CA25CB21F6');
    expect(toHex(Buffer.concat([cmac('tdes', tdesKbpk, fromHex('0100000000000080')), cmac('tdes', tdesKbpk, fromHex('0200000000000080'))]))).toBe(
      '698832F8778A7CFCBC79559DAB07B88A',
    );
    expect(toHex(Buffer.concat([cmac('tdes', tdesKbpk, fromHex('0100010000000080')), cmac('tdes', tdesKbpk, fromHex('0200010000000080'))]))).toBe(
      'DD6CEEC1782D8453671BF8358AF9DB47',
    );
    const aesKbpk = fromHex('88E1AB2A2E3DD38C1FA039A536500CC8A87AB9D62DC92C01058FA79F44657DE6');
    expect(toHex(Buffer.concat([cmac('aes', aesKbpk, fromHex('0100000000040100')), cmac('aes', aesKbpk, fromHex('0200000000040100'))]))).toBe(
      '396C9382A6E2E66A088774E1D6E46541F5EAD67D7204F8DD0D7AE8FDA334D3AC',
    );
  });

  it('SM4: no published CMAC vector was found, so the SM4 cipher and CMAC construction are checked', () => {
    // GB/T 32907-2016 Appendix A: the SM4 block itself, through the same cipher CMAC uses.
    const key = fromHex('0123456789ABCDEFFEDCBA9876543210');
    const encrypt = (block: Uint8Array): Buffer => createCipheriv('sm4-ecb', key, null).setAutoPadding(false).update(block);
    expect(toHex(encrypt(key))).toBe('681EDF34D206965E86B3E94F536E4246');
    // Construction check from SP 800-38B: L = E(0), K1 = L·x, K2 = L·x² (0x87 reduction);
    // a one-block message M gives E(M ⊕ K1), an empty one E(10…0 ⊕ K2).
    const double = (block: Buffer): Buffer => {
      const out = Buffer.alloc(16);
      for (let i = 0; i < 16; i++) out[i] = (((block[i] as number) << 1) | ((block[i + 1] ?? 0) >> 7)) & 0xff;
      if (((block[0] as number) & 0x80) !== 0) out[15] = (out[15] as number) ^ 0x87;
      return out;
    };
    const k1 = double(encrypt(Buffer.alloc(16)));
    const k2 = double(k1);
    const block = message.subarray(0, 16);
    expect(cmac('sm4', key, block)).toEqual(encrypt(Buffer.from(block.map((byte, i) => byte ^ (k1[i] as number)))));
    const padded = Buffer.alloc(16);
    padded[0] = 0x80;
    expect(cmac('sm4', key, Buffer.alloc(0))).toEqual(encrypt(Buffer.from(padded.map((byte, i) => byte ^ (k2[i] as number)))));
  });

  it('a reused instance agrees with fresh ones on random messages (AES, TDES, SM4)', () => {
    const instances = {
      aes: new Cmac('aes', fromHex('2B7E151628AED2A6ABF7158809CF4F3C')),
      tdes: new Cmac('tdes', fromHex('4CF15134A2850DD58A3D10BA80570D38')),
      sm4: new Cmac('sm4', fromHex('0123456789ABCDEFFEDCBA9876543210')),
    } as const;
    const keys = { aes: '2B7E151628AED2A6ABF7158809CF4F3C', tdes: '4CF15134A2850DD58A3D10BA80570D38', sm4: '0123456789ABCDEFFEDCBA9876543210' } as const;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 70 }), fc.constantFrom<keyof typeof instances>('aes', 'tdes', 'sm4'), (data, algorithm) => {
        expect(instances[algorithm].compute(data)).toEqual(cmac(algorithm, fromHex(keys[algorithm]), data));
      }),
      { numRuns: 200 },
    );
  });

  it('verify accepts full and truncated tags and rejects any single-bit change of data or tag', () => {
    const key = fromHex('2B7E151628AED2A6ABF7158809CF4F3C');
    const instance = new Cmac('aes', key);
    verifyCmac('aes', key, message.subarray(0, 16), fromHex('070A16B46B4D4144F79BDD9DD04A287C'));
    verifyCmac('aes', key, message.subarray(0, 16), fromHex('070A16B4'));
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.nat(), fc.boolean(), (data, bit, inTag) => {
        const tag = instance.compute(data);
        instance.verify(data, tag);
        if (inTag) expectCryptoError(() => { instance.verify(data, flipBit(tag, bit % 128)); }, 'CRYPTO_ERR_MAC_MISMATCH', 'mac', [key]);
        else expectCryptoError(() => { instance.verify(flipBit(data, bit % (data.length * 8)), tag); }, 'CRYPTO_ERR_MAC_MISMATCH', 'mac', [key]);
      }),
      { numRuns: 200 },
    );
  });

  it('rejects bad key and tag lengths without echoing the key', () => {
    const key = fromHex('2B7E151628AED2A6ABF7158809CF4F');
    expectCryptoError(() => new Cmac('aes', key), 'CRYPTO_ERR_KEY_LENGTH', 'key', [key]);
    expectCryptoError(() => new Cmac('tdes', key.subarray(0, 8), 'kbpk'), 'CRYPTO_ERR_KEY_LENGTH', 'kbpk', [key]);
    const good = fromHex('2B7E151628AED2A6ABF7158809CF4F3C');
    expectCryptoError(() => { verifyCmac('aes', good, message, Buffer.alloc(17)); }, 'CRYPTO_ERR_ARGUMENT', 'mac', [good]);
    expectCryptoError(() => { verifyCmac('tdes', fromHex('4CF15134A2850DD58A3D10BA80570D38'), message, Buffer.alloc(3)); }, 'CRYPTO_ERR_ARGUMENT', 'mac');
    expectCryptoError(() => { assertMacLength(0, 8); }, 'CRYPTO_ERR_ARGUMENT', 'length');
    expectCryptoError(() => { assertMacLength(9, 8); }, 'CRYPTO_ERR_ARGUMENT', 'length');
    assertMacLength(8, 8);
  });
});
