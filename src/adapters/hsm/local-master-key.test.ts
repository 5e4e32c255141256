import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { fromHex, keyCheckValue, toHex } from '../../lib/crypto/index.js';
import { expectBastionError } from '../../lib/errors/test-helpers.js';
import { developmentLmkSeed, LocalMasterKey, lmkCheckValue } from './local-master-key.js';

const componentA = fromHex('00112233445566778899AABBCCDDEEFF0123456789ABCDEFFEDCBA9876543210');
const componentB = fromHex('F0E1D2C3B4A5968778695A4B3C2D1E0F89ABCDEF0123456776543210FEDCBA98');

describe('LocalMasterKey', () => {
  it('is the XOR of the components, with the AES CMAC check value of the result', () => {
    const lmk = LocalMasterKey.fromComponents([componentA, componentB]);
    const expected = Buffer.from(componentA.map((byte, i) => byte ^ (componentB[i] as number)));
    expect(lmk.algorithm).toBe('aes-256');
    expect(lmk.development).toBe(false);
    expect(lmk.kcv).toEqual(keyCheckValue('aes', expected, { lengthBytes: 3, method: 'cmac' }));
    expect(lmkCheckValue(componentA)).toEqual(keyCheckValue('aes', componentA, { lengthBytes: 3 }));
  });

  it('takes 32-hex-digit components as an AES-128 LMK', () => {
    expect(LocalMasterKey.fromComponents([componentA.subarray(0, 16), componentB.subarray(0, 16)]).algorithm).toBe('aes-128');
  });

  it('refuses one component, mixed lengths, other lengths, a repeated component and an all-zero result', () => {
    expectBastionError(() => LocalMasterKey.fromComponents([componentA]), 'HSM_ERR_CEREMONY', { count: 1 });
    expectBastionError(() => LocalMasterKey.fromComponents([componentA, componentB.subarray(0, 16)]), 'HSM_ERR_CEREMONY', { argument: 'components[1]' });
    expectBastionError(() => LocalMasterKey.fromComponents([componentA.subarray(0, 24), componentB.subarray(0, 24)]), 'HSM_ERR_CEREMONY');
    expectBastionError(() => LocalMasterKey.fromComponents([componentA, componentB, componentA]), 'HSM_ERR_COMPONENTS', { argument: 'components[2]' }, [
      componentA,
    ]);
    const third = Buffer.from(componentA.map((byte, i) => byte ^ (componentB[i] as number)));
    expectBastionError(() => LocalMasterKey.fromComponents([componentA, componentB, third]), 'HSM_ERR_COMPONENTS');
  });

  it('the development LMK is SHA-256 of the published seed, and says so', () => {
    const dev = LocalMasterKey.development();
    expect(dev.development).toBe(true);
    expect(dev.kcv).toEqual(lmkCheckValue(createHash('sha256').update(developmentLmkSeed).digest()));
    // Pinned so that a changed seed is a deliberate, visible change (keys under the old one die).
    expect(toHex(dev.kcv)).toBe('C9F5C8');
    expect(inspect(dev)).toContain('DEVELOPMENT');
  });

  it('wraps keys so that only the same type and algorithm open them', () => {
    const lmk = LocalMasterKey.development();
    const clear = fromHex('0123456789ABCDEFFEDCBA9876543210');
    const wrapped = lmk.wrapKey('PIK', 'tdes-2key', clear);
    expect(lmk.unwrapKey('PIK', 'tdes-2key', wrapped)).toEqual(clear);
    expect(wrapped.includes(clear)).toBe(false);
    expectBastionError(() => lmk.unwrapKey('MAK', 'tdes-2key', wrapped), 'HSM_ERR_KEY_INTEGRITY', { type: 'MAK' });
    expectBastionError(() => lmk.unwrapKey('PIK', 'aes-128', wrapped), 'HSM_ERR_KEY_INTEGRITY');
    expectBastionError(() => LocalMasterKey.fromComponents([componentA, componentB]).unwrapKey('PIK', 'tdes-2key', wrapped), 'HSM_ERR_KEY_INTEGRITY');
    expectBastionError(() => lmk.unwrapKey('PIK', 'tdes-2key', wrapped.subarray(0, 20)), 'HSM_ERR_KEY_INTEGRITY');
  });

  it('two wraps of one key differ (random nonces)', () => {
    const lmk = LocalMasterKey.development();
    const clear = Buffer.alloc(16, 7);
    expect(lmk.wrapKey('TMK', 'tdes-2key', clear)).not.toEqual(lmk.wrapKey('TMK', 'tdes-2key', clear));
  });

  it('never shows its key in JSON or inspection, and is useless after destroy', () => {
    const lmk = LocalMasterKey.fromComponents([componentA, componentB]);
    const keyHex = toHex(Buffer.from(componentA.map((byte, i) => byte ^ (componentB[i] as number))));
    const shown = `${JSON.stringify(lmk)} ${inspect(lmk, { showHidden: true, depth: 5 })} ${String(Object.values(lmk))}`.toUpperCase();
    expect(shown).not.toContain(keyHex.slice(0, 8));
    expect(shown).toContain(toHex(lmk.kcv));
    const wrapped = lmk.wrapKey('TMK', 'tdes-2key', Buffer.alloc(16, 1));
    lmk.destroy();
    expectBastionError(() => lmk.unwrapKey('TMK', 'tdes-2key', wrapped), 'HSM_ERR_KEY_INTEGRITY');
  });

  it('seals under a wrapping key and opens only with the same key and additional data', () => {
    const lmk = LocalMasterKey.fromComponents([componentA, componentB]);
    const wrappingKey = Buffer.alloc(32, 9);
    const aad = Buffer.from('header');
    const sealed = lmk.sealUnder(wrappingKey, aad);
    expect(LocalMasterKey.unsealFrom(wrappingKey, sealed, aad)?.kcv).toEqual(lmk.kcv);
    expect(LocalMasterKey.unsealFrom(Buffer.alloc(32, 8), sealed, aad)).toBeUndefined();
    expect(LocalMasterKey.unsealFrom(wrappingKey, sealed, Buffer.from('other'))).toBeUndefined();
  });
});
