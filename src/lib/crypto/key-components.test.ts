import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { combineKeyComponents, generateKey, splitKey } from './key-components.js';
import { fromHex, toHex } from './bytes.js';
import { isOddParity } from './des-parity.js';
import { adjustOddParity } from './des-parity.js';
import type { BlockAlgorithm } from './block-cipher.js';

const fixed = (bytes: string): (() => Uint8Array) => () => fromHex(bytes);

describe('key components', () => {
  it('combines two TDES components by XOR and parity-adjusts the result', () => {
    const combined = combineKeyComponents('tdes', [fromHex('0123456789ABCDEF0123456789ABCDEF'), fromHex('FEDCBA9876543210FEDCBA9876543210')]);
    expect(toHex(combined.key)).toBe('FEFEFEFEFEFEFEFEFEFEFEFEFEFEFEFE');
    expect(toHex(combined.kcv)).toBe('CAAAAF');
  });

  it('combines three components of the X9.24 test key back into the key (KCV 08D7B4)', () => {
    const key = fromHex('0123456789ABCDEFFEDCBA9876543210');
    const c1 = fromHex('1C1C1C1C1C1C1C1C1C1C1C1C1C1C1C1C');
    const c2 = fromHex('2A2A2A2A2A2A2A2A2A2A2A2A2A2A2A2A');
    const c3 = Buffer.from(key.map((byte, i) => byte ^ (c1[i] as number) ^ (c2[i] as number)));
    const combined = combineKeyComponents('tdes', [c1, c2, c3]);
    expect(toHex(combined.key)).toBe('0123456789ABCDEFFEDCBA9876543210');
    expect(toHex(combined.kcv)).toBe('08D7B4');
  });

  it('split then combine returns the key, for every algorithm and 2..9 components', () => {
    const shapes: readonly [BlockAlgorithm, number][] = [['des', 8], ['tdes', 16], ['tdes', 24], ['aes', 16], ['aes', 32], ['sm4', 16]];
    for (const [algorithm, length] of shapes) {
      fc.assert(
        fc.property(fc.uint8Array({ minLength: length, maxLength: length }), fc.integer({ min: 2, max: 9 }), (raw, count) => {
          const key = algorithm === 'des' || algorithm === 'tdes' ? adjustOddParity(raw) : Buffer.from(raw);
          const parts = splitKey(algorithm, key, count);
          expect(parts).toHaveLength(count);
          if (algorithm === 'des' || algorithm === 'tdes') for (const part of parts) expect(isOddParity(part.key)).toBe(true);
          expect(combineKeyComponents(algorithm, parts.map((part) => part.key)).key).toEqual(key);
        }),
        { numRuns: 30 },
      );
    }
  });

  it('uses the supplied random source, so splits can be reproduced', () => {
    const parts = splitKey('aes', fromHex('00112233445566778899AABBCCDDEEFF'), 2, { random: fixed('FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF') });
    expect(parts.map((part) => toHex(part.key))).toEqual(['FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF', 'FFEEDDCCBBAA99887766554433221100']);
  });

  it('generated DES-family keys have odd parity and the requested length', () => {
    const generated = generateKey('tdes', 24);
    expect(generated.key).toHaveLength(24);
    expect(isOddParity(generated.key)).toBe(true);
    expect(generated.kcv).toHaveLength(3);
  });

  it('refuses bad counts and mismatched component lengths with coded errors', () => {
    expect(() => splitKey('tdes', fromHex('0123456789ABCDEFFEDCBA9876543210'), 1)).toThrow(expect.objectContaining({ code: 'CRYPTO_ERR_COMPONENT_COUNT' }));
    expect(() => combineKeyComponents('tdes', [fromHex('0123456789ABCDEF0123456789ABCDEF')])).toThrow(expect.objectContaining({ code: 'CRYPTO_ERR_COMPONENT_COUNT' }));
    expect(() => combineKeyComponents('tdes', [fromHex('0123456789ABCDEF0123456789ABCDEF'), fromHex('0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF')])).toThrow(
      expect.objectContaining({ code: 'CRYPTO_ERR_KEY_LENGTH', details: expect.objectContaining({ argument: 'components[1]' }) }),
    );
    expect(() => generateKey('aes', 20)).toThrow(expect.objectContaining({ code: 'CRYPTO_ERR_KEY_LENGTH' }));
  });
});
