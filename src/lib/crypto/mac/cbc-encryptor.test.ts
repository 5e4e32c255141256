import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CbcEncryptor, encryptCbc, type BlockAlgorithm } from '../block-cipher.js';
import { fromHex, toHex } from '../bytes.js';
import { expectCryptoError } from '../test-helpers.js';

// CbcEncryptor lives in block-cipher.ts; the MACs in this folder are its users, so it is tested here.
describe('CbcEncryptor (cached CBC context for CBC-MACs)', () => {
  const keys: Record<BlockAlgorithm, Buffer> = {
    des: fromHex('0123456789ABCDEF'),
    tdes: fromHex('0123456789ABCDEFFEDCBA987654321089ABCDEF01234567'),
    aes: fromHex('2B7E151628AED2A6ABF7158809CF4F3C'),
    sm4: fromHex('0123456789ABCDEFFEDCBA9876543210'),
  };

  it('FIPS 81 DES-CBC example: last block of "Now is the time for all " from IV 1234567890ABCDEF', () => {
    // FIPS PUB 81 Appendix C, key 0123456789ABCDEF: ciphertext E5C7CDDE872BF27C 43E934008C389C0F 683788499A7C05F6.
    const cbc = new CbcEncryptor('des', keys.des);
    const plain = Buffer.from('Now is the time for all ', 'latin1');
    expect(toHex(cbc.lastBlock(plain, fromHex('1234567890ABCDEF')))).toBe('683788499A7C05F6');
    expect(toHex(cbc.lastBlock(plain.subarray(0, 8), fromHex('1234567890ABCDEF')))).toBe('E5C7CDDE872BF27C');
    // Starting again from the same IV gives the same answer, whatever ran before.
    expect(toHex(cbc.lastBlock(plain, fromHex('1234567890ABCDEF')))).toBe('683788499A7C05F6');
  });

  it('one instance over a stream of calls equals a fresh CBC each time', () => {
    const instances = Object.fromEntries(Object.entries(keys).map(([algorithm, key]) => [algorithm, new CbcEncryptor(algorithm as BlockAlgorithm, key)])) as Record<
      BlockAlgorithm,
      CbcEncryptor
    >;
    fc.assert(
      fc.property(
        fc.constantFrom<BlockAlgorithm>('des', 'tdes', 'aes', 'sm4'),
        fc.integer({ min: 1, max: 6 }),
        fc.boolean(),
        fc.uint8Array({ minLength: 96, maxLength: 96 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        (algorithm, blocks, withIv, bytes, ivBytes) => {
          const size = algorithm === 'des' || algorithm === 'tdes' ? 8 : 16;
          const data = bytes.subarray(0, blocks * size);
          const iv = withIv ? ivBytes.subarray(0, size) : undefined;
          const expected = encryptCbc(algorithm, keys[algorithm], data, iv).subarray(-size);
          expect(instances[algorithm].lastBlock(data, iv)).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('long data (past the copy limit) and data at the limit chain the same way', () => {
    const cbc = new CbcEncryptor('tdes', keys.tdes);
    const iv = fromHex('0011223344556677');
    for (const lengthBytes of [4088, 4096, 4104, 9000]) {
      const data = Buffer.alloc(lengthBytes);
      for (let i = 0; i < lengthBytes; i++) data[i] = (i * 31 + 7) & 0xff;
      expect(cbc.lastBlock(data), `${lengthBytes} bytes`).toEqual(encryptCbc('tdes', keys.tdes, data).subarray(-8));
      expect(cbc.lastBlock(data, iv), `${lengthBytes} bytes with IV`).toEqual(encryptCbc('tdes', keys.tdes, data, iv).subarray(-8));
    }
  });

  it('rejects partial blocks, wrong IV lengths and bad keys, and keeps working afterwards', () => {
    const cbc = new CbcEncryptor('aes', keys.aes);
    expectCryptoError(() => cbc.lastBlock(Buffer.alloc(15)), 'CRYPTO_ERR_DATA_LENGTH', 'data', [keys.aes]);
    expectCryptoError(() => cbc.lastBlock(Buffer.alloc(0)), 'CRYPTO_ERR_DATA_LENGTH', 'data', [keys.aes]);
    expectCryptoError(() => cbc.lastBlock(Buffer.alloc(16), Buffer.alloc(8)), 'CRYPTO_ERR_IV_LENGTH', 'iv', [keys.aes]);
    expectCryptoError(() => new CbcEncryptor('tdes', keys.des, 'mak'), 'CRYPTO_ERR_KEY_LENGTH', 'mak', [keys.des]);
    // RFC 4493 / SP 800-38B: AES-128 of 6BC1BEE2... from a zero IV is 3AD77BB40D7A3660A89ECAF32466EF97.
    expect(toHex(cbc.lastBlock(fromHex('6BC1BEE22E409F96E93D7E117393172A')))).toBe('3AD77BB40D7A3660A89ECAF32466EF97');
  });

  it('the returned block belongs to the caller: changing it does not disturb the next call', () => {
    const cbc = new CbcEncryptor('des', keys.des);
    const first = cbc.lastBlock(Buffer.alloc(16));
    const expected = encryptCbc('des', keys.des, Buffer.alloc(8), fromHex('1111111111111111'));
    first.fill(0xff);
    expect(cbc.lastBlock(Buffer.alloc(8), fromHex('1111111111111111'))).toEqual(expected);
  });
});
