import { describe, expect, it } from 'vitest';
import { adjustOddParity, decryptEcb, encryptEcb, fromHex, keyCheckValue, toHex, tr31Unwrap } from '../../lib/crypto/index.js';
import { keyTypes, type KeyType } from '../../ports/hsm.js';
import { keyKcv, keyLengthBytes, keyTypeProfiles } from './key-profiles.js';
import { expectRejection, loadKey, queuedRandom, testHsm } from './test-hsm.js';

// The test terminal of src/lib/iso8583/specs/unionpay-frames.test.ts: its TMK, the working keys of
// its sign-in, and field 62 of the 0810 for 60.3 = 004 (PIK + KCV, MAK + 8 zeros + KCV, TDK + KCV).
const tmkClear = fromHex('0123456789ABCDEFFEDCBA9876543210');
const pikClear = fromHex('89ABCDEF0123456776543210FEDCBA98');
const makClear = fromHex('5CBE7E38A146FD5C');
const tdkClear = fromHex('1F2E3D4C5B6A79880897A6B5C4D3E2F1');
const field62 = fromHex(
  '4230EF1CB268495597F4494DD23D8A72' + 'EB7A8DF9' + '5FD85224E20BF4A40000000000000000' + '5212F4C1' + '1F0E1BFFA5BC7EB130264E53B0DE2899' + 'C76714A5',
);

describe('software HSM: key generation', () => {
  it('makes every key type with its default algorithm, length and KCV', async () => {
    const hsm = testHsm();
    for (const type of keyTypes) {
      const key = await hsm.generateKey(type);
      expect(key.type).toBe(type);
      expect(key.algorithm).toBe(keyTypeProfiles[type].algorithms[0]);
      expect(key.kcv).toHaveLength(3);
      // Key length + version byte + nonce + tag.
      expect(key.ciphertext).toHaveLength(keyLengthBytes[key.algorithm] + 1 + 12 + 16);
    }
    expect((await hsm.generateKey('TMK')).algorithm).toBe('tdes-2key');
    expect((await hsm.generateDataKey()).algorithm).toBe('aes-256');
  });

  it('takes the key material from the random source, DES keys with odd parity, and KCVs of the clear key', async () => {
    const raw = fromHex('0022446688AACCEE1032547698BADCFE');
    const key = await testHsm({ random: queuedRandom(raw) }).generateKey('TMK', 'tdes-2key');
    // 0x00 → 0x01, 0x22 → 0x23 …: every byte gets odd parity.
    expect(key.kcv).toEqual(keyCheckValue('tdes', fromHex('0123456789ABCDEF1032547698BADCFE'), { lengthBytes: 3 }));
  });

  it('refuses an algorithm the type does not allow and an unknown type', async () => {
    const hsm = testHsm();
    await expectRejection(hsm.generateKey('DEK', 'tdes-2key'), 'HSM_ERR_KEY_TYPE', { type: 'DEK', algorithm: 'tdes-2key' });
    await expectRejection(hsm.generateKey('PVK', 'aes-256'), 'HSM_ERR_KEY_TYPE');
    await expectRejection(hsm.generateKey('XYZ' as KeyType), 'HSM_ERR_KEY_TYPE');
  });
});

describe('software HSM: components', () => {
  it('forms a key from components, checking the KCV the sender printed', async () => {
    const hsm = testHsm();
    const zpk = await loadKey(hsm, 'ZPK', 'tdes-2key', tmkClear);
    expect(zpk.kcv).toEqual(keyCheckValue('tdes', tmkClear, { lengthBytes: 3 }));
    const components = [fromHex('11111111111111111111111111111111'), Buffer.from(tmkClear.map((byte) => byte ^ 0x11))];
    const checked = await hsm.importKeyFromComponents({ type: 'ZPK', algorithm: 'tdes-2key', components, expectedKcv: zpk.kcv });
    expect(checked.kcv).toEqual(zpk.kcv);
    await expectRejection(
      hsm.importKeyFromComponents({ type: 'ZPK', algorithm: 'tdes-2key', components, expectedKcv: fromHex('000000') }),
      'CRYPTO_ERR_KCV_MISMATCH',
      {},
      [tmkClear, ...components],
    );
  });

  it('refuses one component, repeated components, wrong lengths and an all-zero key', async () => {
    const hsm = testHsm();
    const a = fromHex('0123456789ABCDEFFEDCBA9876543210');
    const b = fromHex('1032547698BADCFEEFCDAB8967452301');
    await expectRejection(hsm.importKeyFromComponents({ type: 'ZPK', algorithm: 'tdes-2key', components: [a] }), 'CRYPTO_ERR_COMPONENT_COUNT');
    await expectRejection(hsm.importKeyFromComponents({ type: 'ZPK', algorithm: 'tdes-2key', components: [a, a] }), 'HSM_ERR_COMPONENTS', {}, [a]);
    await expectRejection(hsm.importKeyFromComponents({ type: 'ZPK', algorithm: 'tdes-2key', components: [a, b.subarray(0, 8)] }), 'CRYPTO_ERR_KEY_LENGTH', {
      argument: 'components[1]',
    });
    const c = Buffer.from(a.map((byte, i) => byte ^ (b[i] as number)));
    await expectRejection(hsm.importKeyFromComponents({ type: 'ZPK', algorithm: 'tdes-2key', components: [a, b, c] }), 'HSM_ERR_COMPONENTS');
  });

  it('exports components whose XOR is the key, each with its KCV, for exchangeable types only', async () => {
    const hsm = testHsm();
    const tmk = await loadKey(hsm, 'TMK', 'tdes-2key', tmkClear);
    const components = await hsm.exportKeyAsComponents(tmk, 3);
    expect(components).toHaveLength(3);
    const xored = Buffer.alloc(16);
    for (const { component, kcv } of components) {
      expect(kcv).toEqual(keyCheckValue('tdes', component, { lengthBytes: 3 }));
      for (let i = 0; i < 16; i++) xored[i] = (xored[i] as number) ^ (component[i] as number);
    }
    expect(keyCheckValue('tdes', xored, { lengthBytes: 3 })).toEqual(tmk.kcv);
    const back = await hsm.importKeyFromComponents({ type: 'TMK', algorithm: 'tdes-2key', components: components.map((c) => c.component) });
    expect(back.kcv).toEqual(tmk.kcv);
    for (const type of ['DEK', 'HASH', 'PIK', 'MAK', 'TDK'] as const) {
      await expectRejection(hsm.exportKeyAsComponents(await hsm.generateKey(type), 2), 'HSM_ERR_EXPORT', { type });
    }
  });
});

describe('software HSM: export under a transport key', () => {
  it('ECB: the TMK enciphered under the KEK, TDES-ECB', async () => {
    const hsm = testHsm();
    const kekClear = fromHex('89ABCDEF0123456776543210FEDCBA98');
    const kek = await loadKey(hsm, 'KEK', 'tdes-2key', kekClear);
    const tmk = await loadKey(hsm, 'TMK', 'tdes-2key', tmkClear);
    const exported = await hsm.exportKeyUnderKek(tmk, kek, 'ecb');
    expect(exported.format).toBe('ecb');
    if (exported.format !== 'ecb') return;
    expect(exported.ciphertext).toEqual(encryptEcb('tdes', kekClear, tmkClear));
    expect(decryptEcb('tdes', kekClear, exported.ciphertext)).toEqual(tmkClear);
    expect(exported.kcv).toEqual(tmk.kcv);
  });

  it('TR-31: a version B key block under a TDES KEK, version D under an AES KEK, that unwrap to the TMK', async () => {
    const hsm = testHsm();
    const tmk = await loadKey(hsm, 'TMK', 'tdes-2key', tmkClear);
    const tdesKek = fromHex('89ABCDEF0123456776543210FEDCBA98');
    const b = await hsm.exportKeyUnderKek(tmk, await loadKey(hsm, 'KEK', 'tdes-2key', tdesKek), 'tr31');
    if (b.format !== 'tr31') throw new Error('expected a key block');
    const unwrappedB = tr31Unwrap(tdesKek, b.keyBlock);
    expect(unwrappedB.key).toEqual(tmkClear);
    expect(b.keyBlock.slice(0, 1)).toBe('B');
    expect(b.keyBlock.slice(5, 12)).toBe('K0TB00N');
    const aesKek = fromHex('000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F');
    const d = await hsm.exportKeyUnderKek(tmk, await loadKey(hsm, 'KEK', 'aes-256', aesKek), 'tr31');
    if (d.format !== 'tr31') throw new Error('expected a key block');
    expect(d.keyBlock.slice(0, 1)).toBe('D');
    expect(tr31Unwrap(aesKek, d.keyBlock).key).toEqual(tmkClear);
  });

  it('refuses a KEK that is not a KEK, keys that never leave, and ECB across algorithm families', async () => {
    const hsm = testHsm();
    const tmk = await hsm.generateKey('TMK');
    const kek = await hsm.generateKey('KEK');
    await expectRejection(hsm.exportKeyUnderKek(tmk, await hsm.generateKey('ZPK')), 'HSM_ERR_KEY_USAGE', { argument: 'kek', type: 'ZPK' });
    await expectRejection(hsm.exportKeyUnderKek(await hsm.generateKey('DEK'), kek), 'HSM_ERR_EXPORT', { type: 'DEK' });
    await expectRejection(hsm.exportKeyUnderKek(await hsm.generateKey('PIK'), kek), 'HSM_ERR_EXPORT', { type: 'PIK' });
    await expectRejection(hsm.exportKeyUnderKek(tmk, await hsm.generateKey('KEK', 'aes-256'), 'ecb'), 'HSM_ERR_ALGORITHM');
    await expectRejection(hsm.exportKeyUnderKek(await hsm.generateKey('TMK', 'sm4'), kek, 'tr31'), 'HSM_ERR_ALGORITHM');
  });
});

describe('software HSM: working keys at sign-in', () => {
  it('reproduces field 62 of the test sign-in (60.3 = 004, single-length MAK)', async () => {
    const hsm = testHsm({ random: queuedRandom(pikClear, makClear, tdkClear) });
    const tmk = await loadKey(hsm, 'TMK', 'tdes-2key', tmkClear);
    const { pik, mak, tdk } = await hsm.generateWorkingKeys(tmk);
    const sent = Buffer.concat([pik.underTmk, pik.kcv, mak.underTmk, mak.kcv, tdk.underTmk, tdk.kcv]);
    // The PIK (odd parity already) and all three KCVs are byte for byte those of the published
    // field. The published MAK and TDK have even-parity bytes; the HSM hands out keys with odd
    // parity, which encipher identically (DES ignores parity bits, hence the equal KCVs).
    expect(toHex(sent.subarray(0, 20))).toBe(toHex(field62.subarray(0, 20)));
    for (const [start, end] of [[36, 40], [56, 60]]) expect(toHex(sent.subarray(start, end))).toBe(toHex(field62.subarray(start, end)));
    expect(decryptEcb('tdes', tmkClear, sent.subarray(20, 28))).toEqual(adjustOddParity(makClear));
    expect(sent.subarray(28, 36)).toEqual(Buffer.alloc(8));
    expect(decryptEcb('tdes', tmkClear, sent.subarray(40, 56))).toEqual(adjustOddParity(tdkClear));
    // With parity-adjusted keys the whole 60-byte field is reproduced.
    const adjusted = Buffer.concat([
      field62.subarray(0, 20),
      encryptEcb('tdes', tmkClear, adjustOddParity(makClear)),
      field62.subarray(28, 40),
      encryptEcb('tdes', tmkClear, adjustOddParity(tdkClear)),
      field62.subarray(56, 60),
    ]);
    expect(toHex(sent)).toBe(toHex(adjusted));
    expect([pik.underLmk.type, mak.underLmk.type, tdk.underLmk.type]).toEqual(['PIK', 'MAK', 'TDK']);
    expect([pik.underLmk.algorithm, mak.underLmk.algorithm, tdk.underLmk.algorithm]).toEqual(['tdes-2key', 'des', 'tdes-2key']);
    expect(mak.underLmk.kcv).toEqual(keyKcv('des', makClear));
  });

  it('a double-length MAK fills its 16-byte slot and is checked with TDES', async () => {
    const hsm = testHsm();
    const tmk = await loadKey(hsm, 'TMK', 'tdes-2key', tmkClear);
    const { mak } = await hsm.generateWorkingKeys(tmk, { makLength: 'double' });
    expect(mak.underLmk.algorithm).toBe('tdes-2key');
    const makBack = decryptEcb('tdes', tmkClear, mak.underTmk);
    expect(mak.kcv).toEqual(keyCheckValue('tdes', makBack, { lengthBytes: 4 }));
    expect(mak.underLmk.kcv).toEqual(keyCheckValue('tdes', makBack, { lengthBytes: 3 }));
  });

  it('an SM4 TMK gives SM4 working keys, each enciphered under it with an encrypt-zeros KCV', async () => {
    const hsm = testHsm();
    const sm4Tmk = fromHex('0123456789ABCDEFFEDCBA9876543210');
    const tmk = await loadKey(hsm, 'TMK', 'sm4', sm4Tmk);
    const keys = await hsm.generateWorkingKeys(tmk);
    for (const key of [keys.pik, keys.mak, keys.tdk]) {
      expect(key.underLmk.algorithm).toBe('sm4');
      const clear = decryptEcb('sm4', sm4Tmk, key.underTmk);
      expect(key.kcv).toEqual(encryptEcb('sm4', clear, Buffer.alloc(16)).subarray(0, 4));
    }
  });

  it('keys differ at every sign-in and across terminals', async () => {
    const hsm = testHsm();
    const tmks = await Promise.all([hsm.generateKey('TMK'), hsm.generateKey('TMK'), hsm.generateKey('TMK')]);
    const seen = new Set<string>();
    for (const tmk of tmks) {
      for (let signIn = 0; signIn < 3; signIn++) {
        const keys = await hsm.generateWorkingKeys(tmk);
        for (const key of [keys.pik, keys.mak, keys.tdk]) seen.add(toHex(key.underLmk.kcv) + toHex(key.kcv));
      }
    }
    expect(seen.size).toBe(27);
  });

  it('needs a TMK', async () => {
    const hsm = testHsm();
    await expectRejection(hsm.generateWorkingKeys(await hsm.generateKey('ZPK')), 'HSM_ERR_KEY_USAGE', { argument: 'tmk', type: 'ZPK' });
  });
});
