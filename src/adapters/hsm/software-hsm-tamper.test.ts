import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyTypes, type HsmPort, type KeyType, type KeyUnderLmk } from '../../ports/hsm.js';
import { CachedKey } from './cached-key.js';
import { KeyCache } from './key-cache.js';
import { keyTypeProfiles } from './key-profiles.js';
import { expectRejection, flipCiphertextBit, testHsm } from './test-hsm.js';

/**
 * SECURITY.md: "every key has a KCV; a wrong or tampered key or key block is refused — bit-flip
 * tests on every key block: 100% rejected", and a key can only be used for what it was made for.
 */

/** Runs, with `key`, the one operation its type exists for. */
async function useKey(hsm: HsmPort, key: KeyUnderLmk): Promise<unknown> {
  const pan = '4761739001010010';
  switch (key.type) {
    case 'TMK':
      return hsm.generateWorkingKeys(key);
    case 'PIK':
    case 'ZPK':
      return hsm.translatePinBlock({ sourceKey: key, targetKey: await hsm.generateKey('ZPK'), sourceFormat: 1, targetFormat: 1, pinBlock: Buffer.alloc(8) });
    case 'MAK':
      return hsm.generateMac(key, { algorithm: 'unionpay-ecb' }, Buffer.alloc(16));
    case 'TDK':
    case 'ZEK':
      return hsm.translateTrackData({ sourceKey: key, targetKey: await hsm.generateKey('ZEK'), data: Buffer.alloc(16) });
    case 'IMK-AC':
      return hsm.verifyArqc({ imkAc: key, pan, psn: '00', atc: Buffer.alloc(2), sessionKey: 'common', data: Buffer.alloc(8), arqc: Buffer.alloc(8), padding: 2 });
    case 'PVK':
      return hsm.generatePvvFromPinBlock({ pinKey: await hsm.generateKey('ZPK'), pvk: key, format: 1, pan, pinBlock: Buffer.alloc(8), pvki: '1' });
    case 'CVK':
      return hsm.generateCvv({ cvk: key, pan, expiry: '2912', serviceCode: '101' });
    case 'DEK':
      return hsm.encryptPan(key, pan);
    case 'HASH':
      return hsm.panLookupHash(key, pan);
    case 'KEK':
      return hsm.exportKeyUnderKek(await hsm.generateKey('TMK', key.algorithm === 'sm4' ? 'sm4' : 'tdes-2key'), key);
  }
}

describe('software HSM: tampered keys', () => {
  it('refuses every single-bit flip of a stored key (all bits of a TMK, a MAK and a DEK)', async () => {
    const hsm = testHsm({ cacheEntriesMax: 0 });
    for (const type of ['TMK', 'MAK', 'DEK'] as const) {
      const key = await hsm.generateKey(type);
      for (let bit = 0; bit < key.ciphertext.length * 8; bit++) {
        await expectRejection(useKey(hsm, flipCiphertextBit(key, bit)), 'HSM_ERR_KEY_INTEGRITY', { type });
      }
    }
  });

  it('refuses any altered KCV, truncated or extended ciphertext (property, cache on)', async () => {
    const hsm = testHsm();
    const keys = await Promise.all(keyTypes.map((type) => hsm.generateKey(type)));
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: keys.length - 1 }), fc.nat(), fc.integer({ min: 1, max: 255 }), async (which, where, delta) => {
        const key = keys[which] as KeyUnderLmk;
        const kcv = Buffer.from(key.kcv);
        kcv[where % kcv.length] = ((kcv[where % kcv.length] as number) + delta) & 0xff;
        await expectRejection(useKey(hsm, { ...key, kcv }), 'HSM_ERR_KEY_INTEGRITY');
        const cut = key.ciphertext.subarray(0, where % key.ciphertext.length);
        await expectRejection(useKey(hsm, { ...key, ciphertext: cut }), 'HSM_ERR_KEY_INTEGRITY');
        const longer = Buffer.concat([key.ciphertext, Buffer.of(delta)]);
        await expectRejection(useKey(hsm, { ...key, ciphertext: longer }), 'HSM_ERR_KEY_INTEGRITY');
      }),
      { numRuns: 200 },
    );
  });

  it('a key relabelled as another type fails integrity, even after the real key was used (and cached)', async () => {
    const hsm = testHsm();
    for (const type of keyTypes) {
      const key = await hsm.generateKey(type);
      await useKey(hsm, key).catch((error: unknown) => {
        // Operations may refuse the dummy data; they must not refuse the key.
        expect((error as { code?: string }).code).not.toMatch(/^HSM_ERR_KEY/);
      });
      for (const other of keyTypes.filter((candidate) => candidate !== type)) {
        const algorithm = keyTypeProfiles[other].algorithms.includes(key.algorithm) ? key.algorithm : (keyTypeProfiles[other].algorithms[0] as KeyUnderLmk['algorithm']);
        await expectRejection(useKey(hsm, { ...key, type: other, algorithm }), 'HSM_ERR_KEY_INTEGRITY');
      }
    }
  });

  it('a key made under another LMK is refused', async () => {
    const { LocalMasterKey } = await import('./local-master-key.js');
    const { SoftwareHsm } = await import('./software-hsm.js');
    const other = new SoftwareHsm(LocalMasterKey.fromComponents([Buffer.alloc(32, 1), Buffer.alloc(32, 2)]));
    await expectRejection(useKey(testHsm(), await other.generateKey('MAK')), 'HSM_ERR_KEY_INTEGRITY', { argument: 'mak', type: 'MAK' });
  });

  it('rejects unknown types and algorithms presented as keys', async () => {
    const hsm = testHsm();
    const mak = await hsm.generateKey('MAK');
    await expectRejection(hsm.generateMac({ ...mak, type: 'TAK' as KeyType }, { algorithm: 'unionpay-ecb' }, Buffer.alloc(8)), 'HSM_ERR_KEY_TYPE');
    await expectRejection(hsm.generateMac({ ...mak, algorithm: 'rc4' as 'des' }, { algorithm: 'unionpay-ecb' }, Buffer.alloc(8)), 'HSM_ERR_KEY_TYPE');
  });
});

describe('software HSM: key usage', () => {
  it('every operation refuses every key type it is not for', async () => {
    const hsm = testHsm();
    const keys = Object.fromEntries(await Promise.all(keyTypes.map(async (type) => [type, await hsm.generateKey(type)] as const))) as Record<KeyType, KeyUnderLmk>;
    const pan = '4761739001010010';
    const operations: readonly { name: string; allowed: readonly KeyType[]; run: (key: KeyUnderLmk) => Promise<unknown> }[] = [
      { name: 'generateWorkingKeys', allowed: ['TMK'], run: (key) => hsm.generateWorkingKeys(key) },
      { name: 'generateMac', allowed: ['MAK'], run: (key) => hsm.generateMac(key, { algorithm: 'unionpay-ecb' }, Buffer.alloc(8)) },
      {
        name: 'translatePinBlock (target)',
        allowed: ['ZPK'],
        run: (key) => hsm.translatePinBlock({ sourceKey: keys.PIK, targetKey: key, sourceFormat: 1, targetFormat: 1, pinBlock: Buffer.alloc(8) }),
      },
      { name: 'translateTrackData (target)', allowed: ['ZEK'], run: (key) => hsm.translateTrackData({ sourceKey: keys.TDK, targetKey: key, data: Buffer.alloc(16) }) },
      { name: 'decryptTrackData', allowed: ['ZEK'], run: (key) => hsm.decryptTrackData({ key, data: Buffer.alloc(16) }) },
      { name: 'generateCvv', allowed: ['CVK'], run: (key) => hsm.generateCvv({ cvk: key, pan, expiry: '2912', serviceCode: '101' }) },
      {
        name: 'verifyArqc',
        allowed: ['IMK-AC'],
        run: (key) => hsm.verifyArqc({ imkAc: key, pan, psn: '00', atc: Buffer.alloc(2), sessionKey: 'none', data: Buffer.alloc(8), arqc: Buffer.alloc(8), padding: 1 }),
      },
      { name: 'encryptPan', allowed: ['DEK'], run: (key) => hsm.encryptPan(key, pan) },
      { name: 'panLookupHash', allowed: ['HASH'], run: (key) => hsm.panLookupHash(key, pan) },
      { name: 'exportKeyUnderKek (kek)', allowed: ['KEK'], run: (key) => hsm.exportKeyUnderKek(keys.TMK, key) },
    ];
    for (const operation of operations) {
      for (const type of keyTypes.filter((candidate) => !operation.allowed.includes(candidate))) {
        const error = await expectRejection(operation.run(keys[type]), 'HSM_ERR_KEY_USAGE', { type });
        expect(error.message, operation.name).toMatch(new RegExp(`must be a .*${operation.allowed[0] as string}`));
      }
    }
  });
});

describe('KeyCache', () => {
  const keyOf = (fill: number): KeyUnderLmk => ({ type: 'MAK', algorithm: 'tdes-2key', kcv: Buffer.alloc(3, fill), ciphertext: Buffer.alloc(45, fill) });

  it.each([
    ['its own fingerprints', undefined],
    ['every key in one bucket', () => 7],
  ] as const)('keeps at most its bound, drops the least recently used and wipes what it drops (%s)', (_, fingerprintOf) => {
    const cache = new KeyCache(2, fingerprintOf === undefined ? {} : { fingerprintOf });
    const a = Buffer.alloc(16, 0xaa);
    const b = Buffer.alloc(16, 0xbb);
    const entryA = new CachedKey(a, keyOf(0xa));
    cache.set(entryA);
    cache.set(new CachedKey(b, keyOf(0xb)));
    expect(cache.get(keyOf(0xa))).toBe(entryA); // a is now the most recent
    cache.set(new CachedKey(Buffer.alloc(16, 0xcc), keyOf(0xc)));
    expect(cache.size).toBe(2);
    expect(cache.get(keyOf(0xb))).toBeUndefined();
    expect(b.every((byte) => byte === 0)).toBe(true);
    expect(cache.get(keyOf(0xa))).toBe(entryA);
    expect(a.every((byte) => byte === 0xaa)).toBe(true);
    // Only the very same type, algorithm, KCV and ciphertext find the entry.
    expect(cache.get({ ...keyOf(0xa), type: 'PIK' })).toBeUndefined();
    expect(cache.get({ ...keyOf(0xa), algorithm: 'tdes-3key' })).toBeUndefined();
    expect(cache.get({ ...keyOf(0xa), kcv: Buffer.alloc(3, 0xb) })).toBeUndefined();
    expect(cache.get({ ...keyOf(0xa), ciphertext: Buffer.alloc(44, 0xa) })).toBeUndefined();
    // The same key set again replaces (and wipes) its old entry.
    cache.set(new CachedKey(Buffer.alloc(16, 0xdd), keyOf(0xa)));
    expect(cache.size).toBe(2);
    expect(a.every((byte) => byte === 0)).toBe(true);
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.get(keyOf(0xc))).toBeUndefined();
    expect(entryA.wiped).toBe(true);
    expect(JSON.stringify(cache)).toBe('{"entries":0}');
  });
});
