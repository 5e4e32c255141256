import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  adjustOddParity,
  CvvCalculator,
  EcbCipher,
  emvAtcDiversifier,
  emvCommonSessionKey,
  emvDeriveIccMasterKey,
  EmvCryptogramKey,
  PinBlockCipher,
  PvvCalculator,
  RetailMac,
  UnionPayEcbMac,
} from '../../lib/crypto/index.js';
import { expectBastionError } from '../../lib/errors/test-helpers.js';
import type { KeyAlgorithm, KeyType, KeyUnderLmk } from '../../ports/hsm.js';
import { generateCvv } from './card-operations.js';
import { generateArpc, verifyArqc } from './emv-operations.js';
import { Keyring } from './keyring.js';
import { LocalMasterKey } from './local-master-key.js';
import { generateMac } from './mac-operations.js';
import { generatePvvFromPinBlock, translatePinBlock } from './pin-operations.js';
import { translateTrackData } from './track-data.js';

/**
 * The keyring keeps, with each cached clear key, the objects prepared from it (cipher contexts).
 * These tests hold the cached objects to what fresh library objects give for the same clear key,
 * through hits, evictions, re-opening and forget(), and check that an entry is never reached by a
 * key presented with another type, algorithm or KCV.
 */

const lmk = LocalMasterKey.development();
const pan = '4761739001010010';

/** A clear key, DES-family ones with odd parity, and the same key under the LMK. */
interface TestKey {
  readonly clear: Buffer;
  readonly underLmk: KeyUnderLmk;
}

function makeKey(keyring: Keyring, type: KeyType, algorithm: KeyAlgorithm, lengthBytes: number, bytes?: Uint8Array): TestKey {
  const clear = adjustOddParity(Buffer.from(bytes ?? randomBytes(lengthBytes)));
  return { clear, underLmk: keyring.wrap(type, algorithm, clear) };
}

/** One terminal's and one issuer's keys. */
interface KeySet {
  readonly makSingle: TestKey;
  readonly makDouble: TestKey;
  readonly pik: TestKey;
  readonly zpk: TestKey;
  readonly pvk: TestKey;
  readonly imk: TestKey;
  readonly cvk: TestKey;
  readonly tdk: TestKey;
  readonly zek: TestKey;
}

function makeKeySet(keyring: Keyring, seed?: Uint8Array): KeySet {
  const bytes = (offset: number, length: number): Uint8Array | undefined => seed?.subarray(offset, offset + length);
  return {
    makSingle: makeKey(keyring, 'MAK', 'des', 8, bytes(0, 8)),
    makDouble: makeKey(keyring, 'MAK', 'tdes-2key', 16, bytes(8, 16)),
    pik: makeKey(keyring, 'PIK', 'tdes-2key', 16, bytes(24, 16)),
    zpk: makeKey(keyring, 'ZPK', 'tdes-2key', 16, bytes(40, 16)),
    pvk: makeKey(keyring, 'PVK', 'tdes-2key', 16, bytes(56, 16)),
    imk: makeKey(keyring, 'IMK-AC', 'tdes-2key', 16, bytes(72, 16)),
    cvk: makeKey(keyring, 'CVK', 'tdes-2key', 16, bytes(88, 16)),
    tdk: makeKey(keyring, 'TDK', 'tdes-2key', 16, bytes(104, 16)),
    zek: makeKey(keyring, 'ZEK', 'tdes-2key', 16, bytes(120, 16)),
  };
}

const keySetSeedBytes = 136;

/** A fill source that always hands out the same bytes (translations to format 0 take none). */
const noRandom = (lengthBytes: number): Uint8Array => Buffer.alloc(lengthBytes, 0xa5);

/** Every operation with a prepared object, through the keyring and from fresh library objects. */
function checkAll(keyring: Keyring, keys: KeySet, data: Buffer, pin: string, atcValue: number): void {
  // MACs: four uses of MAKs, each must give what a fresh object gives.
  expect(generateMac(keyring, keys.makSingle.underLmk, { algorithm: 'unionpay-ecb' }, data)).toEqual(new UnionPayEcbMac(keys.makSingle.clear).compute(data));
  for (const variant of ['des-left', 'tdes'] as const) {
    expect(generateMac(keyring, keys.makDouble.underLmk, { algorithm: 'unionpay-ecb', variant }, data)).toEqual(
      new UnionPayEcbMac(keys.makDouble.clear, { variant }).compute(data),
    );
  }
  for (const padding of [1, 2] as const) {
    expect(generateMac(keyring, keys.makDouble.underLmk, { algorithm: 'x9.19', padding }, data)).toEqual(new RetailMac(keys.makDouble.clear, { padding }).compute(data));
  }

  // PIN: PIK → ZPK, then the PVV of the translated block under the ZPK.
  const pinBlock = new PinBlockCipher(0, keys.pik.clear).encrypt(pin, pan);
  const translated = translatePinBlock(keyring, noRandom, { sourceKey: keys.pik.underLmk, targetKey: keys.zpk.underLmk, sourceFormat: 0, targetFormat: 0, pan, pinBlock });
  expect(translated).toEqual(new PinBlockCipher(0, keys.zpk.clear).encrypt(pin, pan));
  const pvv = generatePvvFromPinBlock(keyring, { pinKey: keys.zpk.underLmk, pvk: keys.pvk.underLmk, format: 0, pan, pinBlock: translated, pvki: '1' });
  expect(pvv).toBe(new PvvCalculator(keys.pvk.clear).compute('1', pan, pin));

  // EMV: the IMK's derivation is prepared; the card's keys are derived per call.
  const atc = Buffer.from([atcValue >> 8, atcValue & 0xff]);
  const sessionKey = emvCommonSessionKey(emvDeriveIccMasterKey(keys.imk.clear, pan, '01', 'A'), emvAtcDiversifier(atc));
  const arqc = new EmvCryptogramKey(sessionKey).arqc(data, 2);
  const cardKey = { imkAc: keys.imk.underLmk, pan, psn: '01', atc, sessionKey: 'common' } as const;
  expect(verifyArqc(keyring, { ...cardKey, data, arqc, padding: 2 })).toBe(true);
  expect(generateArpc(keyring, { ...cardKey, arqc, method: 1, arc: Buffer.from('00', 'latin1') })).toEqual(
    new EmvCryptogramKey(sessionKey).arpcMethod1(arqc, Buffer.from('00', 'latin1')),
  );

  // CVV and track data.
  expect(generateCvv(keyring, { cvk: keys.cvk.underLmk, pan, expiry: '2912', serviceCode: '101' })).toBe(new CvvCalculator(keys.cvk.clear).compute(pan, '2912', '101'));
  const track = Buffer.concat([data.subarray(0, 8), Buffer.alloc(8, 0x11)]);
  const expectedTrack = Buffer.from(track);
  expectedTrack.set(new EcbCipher('tdes', keys.zek.clear).encrypt(new EcbCipher('tdes', keys.tdk.clear).decrypt(track.subarray(7, 15))), 7);
  expect(translateTrackData(keyring, { sourceKey: keys.tdk.underLmk, targetKey: keys.zek.underLmk, data: track })).toEqual(expectedTrack);
}

describe('keyring: objects prepared per cached key', () => {
  it.each([
    [0, false],
    [1, false],
    [3, false],
    [4096, false],
    [4096, true],
  ])('give the results of fresh objects for many random keys and data (cache bound %i, all fingerprints colliding: %s)', (cacheEntriesMax, colliding) => {
    const keyring = new Keyring(lmk, cacheEntriesMax, colliding ? { fingerprintOf: () => 0 } : {});
    // A few key sets used again and again (hits, and with small bounds evictions and re-opening),
    // and a new set in every run (misses).
    const pool = Array.from({ length: 3 }, () => makeKeySet(keyring));
    fc.assert(
      fc.property(
        fc.nat({ max: pool.length }),
        fc.uint8Array({ minLength: keySetSeedBytes, maxLength: keySetSeedBytes }),
        fc.uint8Array({ minLength: 8, maxLength: 300 }),
        fc.stringMatching(/^[0-9]{4,12}$/),
        fc.integer({ min: 1, max: 0xffff }),
        (which, seed, data, pin, atc) => {
          const keys = pool[which] ?? makeKeySet(keyring, seed);
          checkAll(keyring, keys, Buffer.from(data), pin, atc);
          checkAll(keyring, keys, Buffer.from(data), pin, atc);
          const counts = keyring.cacheCounts;
          expect(counts.keys).toBeLessThanOrEqual(cacheEntriesMax);
          if (cacheEntriesMax === 0) expect(counts.preparedObjects).toBe(0);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('keeps one object per key and use, and never hands one use the object of another', () => {
    const keyring = new Keyring(lmk);
    const mak = makeKey(keyring, 'MAK', 'tdes-2key', 16);
    const data = randomBytes(64);
    const desLeft = generateMac(keyring, mak.underLmk, { algorithm: 'unionpay-ecb', variant: 'des-left' }, data);
    expect(keyring.cacheCounts).toEqual({ keys: 1, preparedObjects: 1 });
    generateMac(keyring, mak.underLmk, { algorithm: 'unionpay-ecb', variant: 'des-left' }, data);
    expect(keyring.cacheCounts).toEqual({ keys: 1, preparedObjects: 1 });
    // Under a double-length key the two variants differ: a shared object would give des-left's MAC.
    const tdes = generateMac(keyring, mak.underLmk, { algorithm: 'unionpay-ecb', variant: 'tdes' }, data);
    expect(tdes).toEqual(new UnionPayEcbMac(mak.clear, { variant: 'tdes' }).compute(data));
    expect(tdes).not.toEqual(desLeft);
    const padding1 = generateMac(keyring, mak.underLmk, { algorithm: 'x9.19', padding: 1 }, data.subarray(0, 61));
    const padding2 = generateMac(keyring, mak.underLmk, { algorithm: 'x9.19', padding: 2 }, data.subarray(0, 61));
    expect(padding2).toEqual(new RetailMac(mak.clear, { padding: 2 }).compute(data.subarray(0, 61)));
    expect(padding2).not.toEqual(padding1);
    expect(keyring.cacheCounts).toEqual({ keys: 1, preparedObjects: 4 });
  });

  it('keeps nothing for a use the key does not suit, and refuses it again on every call', () => {
    const keyring = new Keyring(lmk);
    const mak = makeKey(keyring, 'MAK', 'des', 8);
    for (let call = 0; call < 2; call++) {
      expectBastionError(() => generateMac(keyring, mak.underLmk, { algorithm: 'unionpay-ecb', variant: 'tdes' }, Buffer.alloc(8)), 'CRYPTO_ERR_KEY_LENGTH');
      expectBastionError(() => generateMac(keyring, mak.underLmk, { algorithm: 'x9.19' }, Buffer.alloc(8)), 'HSM_ERR_ALGORITHM');
    }
    expect(keyring.cacheCounts).toEqual({ keys: 1, preparedObjects: 0 });
  });

  it.each([false, true])('refuses a key relabelled with another type or algorithm, or another KCV, after the real key was prepared (fingerprints colliding: %s)', (colliding) => {
    const keyring = new Keyring(lmk, undefined, colliding ? { fingerprintOf: () => 0 } : {});
    const zpk = makeKey(keyring, 'ZPK', 'tdes-2key', 16);
    const other = makeKey(keyring, 'ZPK', 'tdes-2key', 16);
    const pinBlock = new PinBlockCipher(0, zpk.clear).encrypt('1234', pan);
    const request = { sourceKey: zpk.underLmk, targetKey: other.underLmk, sourceFormat: 0, targetFormat: 0, pan, pinBlock } as const;
    translatePinBlock(keyring, noRandom, request);
    const before = keyring.cacheCounts;
    expect(before.preparedObjects).toBe(2);
    // A PIK is as welcome as a ZPK on the source side: only the cache id keeps the relabelled copy out.
    expectBastionError(() => translatePinBlock(keyring, noRandom, { ...request, sourceKey: { ...zpk.underLmk, type: 'PIK' } }), 'HSM_ERR_KEY_INTEGRITY');
    // AES-128 is 16 bytes too, and format 4 would take it.
    expectBastionError(
      () => translatePinBlock(keyring, noRandom, { ...request, sourceFormat: 4, sourceKey: { ...zpk.underLmk, algorithm: 'aes-128' } }),
      'HSM_ERR_KEY_INTEGRITY',
    );
    const kcv = Buffer.from(zpk.underLmk.kcv);
    kcv[0] = (kcv[0] as number) ^ 1;
    expectBastionError(() => translatePinBlock(keyring, noRandom, { ...request, sourceKey: { ...zpk.underLmk, kcv } }), 'HSM_ERR_KEY_INTEGRITY');
    // Usage is still checked first, on every call: the ZPK is no MAK.
    expectBastionError(() => generateMac(keyring, zpk.underLmk, { algorithm: 'unionpay-ecb' }, Buffer.alloc(8)), 'HSM_ERR_KEY_USAGE');
    expect(keyring.cacheCounts).toEqual(before);
  });

  it('forget() drops the prepared objects with the clear keys, and the results are the same afterwards', () => {
    const keyring = new Keyring(lmk);
    const keys = makeKeySet(keyring);
    const data = randomBytes(100);
    checkAll(keyring, keys, data, '1234', 7);
    const before = generateMac(keyring, keys.makSingle.underLmk, { algorithm: 'unionpay-ecb' }, data);
    expect(keyring.cacheCounts.keys).toBe(9);
    expect(keyring.cacheCounts.preparedObjects).toBe(12);
    keyring.forget();
    expect(keyring.cacheCounts).toEqual({ keys: 0, preparedObjects: 0 });
    expect(generateMac(keyring, keys.makSingle.underLmk, { algorithm: 'unionpay-ecb' }, data)).toEqual(before);
    expect(keyring.cacheCounts).toEqual({ keys: 1, preparedObjects: 1 });
    checkAll(keyring, keys, data, '1234', 7);
  });

  it('eviction drops the least recently used key with its objects; reopened, it gives the same results', () => {
    const keyring = new Keyring(lmk, 2);
    const data = randomBytes(200);
    const maks = Array.from({ length: 3 }, () => makeKey(keyring, 'MAK', 'tdes-2key', 16));
    const macOf = (mak: TestKey): Buffer => generateMac(keyring, mak.underLmk, { algorithm: 'x9.19', padding: 2 }, data);
    const first = maks.map(macOf);
    expect(keyring.cacheCounts).toEqual({ keys: 2, preparedObjects: 2 });
    generateMac(keyring, (maks[1] as TestKey).underLmk, { algorithm: 'unionpay-ecb', variant: 'tdes' }, data);
    expect(keyring.cacheCounts).toEqual({ keys: 2, preparedObjects: 3 });
    // maks[2] is now the least recently used: opening maks[0] again evicts it and its one object.
    expect(macOf(maks[0] as TestKey)).toEqual(first[0]);
    expect(keyring.cacheCounts).toEqual({ keys: 2, preparedObjects: 3 });
    expect(macOf(maks[2] as TestKey)).toEqual(first[2]);
    // ... and now maks[1], with its two objects, went.
    expect(keyring.cacheCounts).toEqual({ keys: 2, preparedObjects: 2 });
    expect(maks.map(macOf)).toEqual(first);
    expect(first.map((mac, i) => mac.equals(new RetailMac((maks[i] as TestKey).clear, { padding: 2 }).compute(data)))).toEqual([true, true, true]);
  });

  it('a key evicted between its opening and its use (cache of one, two keys per operation) is opened again', () => {
    const keyring = new Keyring(lmk, 1);
    const keys = makeKeySet(keyring);
    const pinBlock = new PinBlockCipher(0, keys.pik.clear).encrypt('987654', pan);
    for (let call = 0; call < 3; call++) {
      const translated = translatePinBlock(keyring, noRandom, { sourceKey: keys.pik.underLmk, targetKey: keys.zpk.underLmk, sourceFormat: 0, targetFormat: 0, pan, pinBlock });
      expect(translated).toEqual(new PinBlockCipher(0, keys.zpk.clear).encrypt('987654', pan));
      expect(keyring.cacheCounts.keys).toBe(1);
    }
  });

  it('open() still hands out a copy: wiping it leaves the cached key intact', () => {
    const keyring = new Keyring(lmk);
    const mak = makeKey(keyring, 'MAK', 'des', 8);
    const copy = keyring.open(mak.underLmk, ['MAK'], 'mak');
    expect(copy).toEqual(mak.clear);
    copy.fill(0);
    expect(keyring.open(mak.underLmk, ['MAK'], 'mak')).toEqual(mak.clear);
    expect(generateMac(keyring, mak.underLmk, { algorithm: 'unionpay-ecb' }, Buffer.alloc(16))).toEqual(new UnionPayEcbMac(mak.clear).compute(Buffer.alloc(16)));
  });
});
