import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptPinBlock, encryptPinBlock, fromHex, toHex } from '../../lib/crypto/index.js';
import { BastionError } from '../../lib/errors/index.js';
import type { HsmPort, KeyUnderLmk } from '../../ports/hsm.js';
import { LocalMasterKey } from './local-master-key.js';
import { SoftwareHsm } from './software-hsm.js';
import { expectRejection, flipCiphertextBit, loadKey } from './test-hsm.js';
import { eventually, expectOnlyBuffers, requireBuiltHsmWorker, startTestWorkerHsm } from './test-worker-hsm.js';
import { WorkerHsm } from './worker-hsm.js';

/** A non-development LMK from two random components, so the sealed transfer to the workers is the path taken. */
function freshLmk(): LocalMasterKey {
  return LocalMasterKey.fromComponents([randomBytes(32), randomBytes(32)]);
}

type Outcome = { readonly value: unknown } | { readonly error: unknown };

async function outcome(run: Promise<unknown>): Promise<Outcome> {
  try {
    return { value: await run };
  } catch (error) {
    return { error };
  }
}

/** The worker HSM's answer is the software HSM's: equal values (Buffers as Buffers), or the same BastionError. */
async function expectSameOutcome(name: string, inProcess: Promise<unknown>, inWorker: Promise<unknown>): Promise<void> {
  const [expected, actual] = await Promise.all([outcome(inProcess), outcome(inWorker)]);
  if ('value' in expected) {
    expect(actual, name).toEqual({ value: expected.value });
    if ('value' in actual) expectOnlyBuffers(actual.value, name);
    return;
  }
  expect('error' in actual, `${name}: the worker HSM rejects too`).toBe(true);
  const want = expected.error as BastionError;
  const got = (actual as { error: unknown }).error;
  expect(want, `${name}: the software HSM's error`).toBeInstanceOf(BastionError);
  expect(got, name).toBeInstanceOf(BastionError);
  const error = got as BastionError;
  expect({ code: error.code, message: error.message, details: error.details }, name).toEqual({ code: want.code, message: want.message, details: want.details });
}

const pikClear = fromHex('89ABCDEF0123456776543210FEDCBA98');
const zpkClear = fromHex('0123456789ABCDEFFEDCBA9876543210');
const tdkClear = fromHex('1F2E3D4C5B6A79880897A6B5C4D3E2F1');
const pan = '6222021234567890123';
const salePinBlock = fromHex('8E37F451C21B66E2');
const imkClear = fromHex('0123456789ABCDEFFEDCBA9876543210');
const emvCard = { pan: '1234567890123456', psn: '00', atc: fromHex('001C') };
const visaData = '000000004000' + '000000000000' + '0124' + '8000048000' + '0124' + '191105' + '01' + '52BF4585' + '1800' + '001C';
const mcData = fromHex('000000009999' + '000000000000' + '0124' + '8000000000' + '0124' + '209906' + '00' + 'ABCDEF12' + '1800' + '001C' + 'A00003220000');

interface Keys {
  readonly mak: KeyUnderLmk;
  readonly mak2: KeyUnderLmk;
  readonly pik: KeyUnderLmk;
  readonly zpk: KeyUnderLmk;
  readonly aesZpk: KeyUnderLmk;
  readonly pvk: KeyUnderLmk;
  readonly cvk: KeyUnderLmk;
  readonly tdk: KeyUnderLmk;
  readonly zek: KeyUnderLmk;
  readonly imkAc: KeyUnderLmk;
  readonly dek: KeyUnderLmk;
  readonly hash: KeyUnderLmk;
  readonly tmk: KeyUnderLmk;
  readonly kek: KeyUnderLmk;
}

async function makeKeys(hsm: HsmPort): Promise<Keys> {
  return {
    mak: await loadKey(hsm, 'MAK', 'des', fromHex('0723C80DB5F4CD3D')),
    mak2: await loadKey(hsm, 'MAK', 'tdes-2key', fromHex('0123456789ABCDEFFEDCBA9876543210')),
    pik: await loadKey(hsm, 'PIK', 'tdes-2key', pikClear),
    zpk: await loadKey(hsm, 'ZPK', 'tdes-2key', zpkClear),
    aesZpk: await loadKey(hsm, 'ZPK', 'aes-128', fromHex('000102030405060708090A0B0C0D0E0F')),
    pvk: await loadKey(hsm, 'PVK', 'tdes-2key', fromHex('0123456789ABCDEFFEDCBA9876543210')),
    cvk: await loadKey(hsm, 'CVK', 'tdes-2key', fromHex('0123456789ABCDEFFEDCBA9876543210')),
    tdk: await loadKey(hsm, 'TDK', 'tdes-2key', tdkClear),
    zek: await loadKey(hsm, 'ZEK', 'tdes-2key', zpkClear),
    imkAc: await loadKey(hsm, 'IMK-AC', 'tdes-2key', imkClear),
    dek: await hsm.generateDataKey(),
    hash: await loadKey(hsm, 'HASH', 'hmac-sha256', Buffer.alloc(32, 0x5a)),
    tmk: await hsm.generateKey('TMK'),
    kek: await hsm.generateKey('KEK'),
  };
}

/** Deterministic operations (and their refusals): the same call on either HSM must give the same outcome. */
function deterministicCases(keys: Keys): readonly { readonly name: string; readonly run: (hsm: HsmPort) => Promise<unknown> }[] {
  const mab = fromHex('02003020048000C08015000000000000001234000002030099303030303030303139353237313831383232313738373531353600192600000100060000000000435F01123238343431323334353637383930313233345F03063136303033365F04063230303832365C023031');
  // A MAC over a view into a larger buffer (as a frame's bytes are): only the view's bytes count.
  const framed = Buffer.concat([Buffer.from('frame header'), mab, Buffer.from('trailer')]).subarray(12, 12 + mab.length);
  const pvvBlock = encryptPinBlock(0, zpkClear, '4524', '1122334455667788');
  const pvvRequest = { pinKey: keys.zpk, pvk: keys.pvk, format: 0, pan: '1122334455667788', pinBlock: pvvBlock, pvki: '1' } as const;
  const track2 = fromHex('6222021234567890123D291222012345678900');
  const translate = { sourceKey: keys.pik, targetKey: keys.zpk, sourceFormat: 0, targetFormat: 0, pan, pinBlock: salePinBlock } as const;
  const visaArqc = { imkAc: keys.imkAc, ...emvCard, sessionKey: 'none', data: fromHex(`${visaData}03A06010`), arqc: fromHex('29CCA15AE665FA2E'), padding: 1 } as const;
  return [
    { name: 'UnionPay ECB MAC', run: (hsm) => hsm.generateMac(keys.mak, { algorithm: 'unionpay-ecb' }, mab) },
    { name: 'UnionPay ECB MAC over a view', run: (hsm) => hsm.generateMac(keys.mak, { algorithm: 'unionpay-ecb' }, framed) },
    { name: 'verify MAC', run: (hsm) => hsm.verifyMac(keys.mak, { algorithm: 'unionpay-ecb' }, mab, Buffer.from('B3A092AE', 'latin1')) },
    { name: 'verify a wrong MAC', run: (hsm) => hsm.verifyMac(keys.mak, { algorithm: 'unionpay-ecb' }, mab, Buffer.from('B3A092AF', 'latin1')) },
    { name: 'X9.19 MAC, padding 2', run: (hsm) => hsm.generateMac(keys.mak2, { algorithm: 'x9.19', padding: 2 }, mab) },
    { name: 'X9.19 with a single-length MAK', run: (hsm) => hsm.generateMac(keys.mak, { algorithm: 'x9.19' }, mab) },
    { name: 'MAC with a PIK', run: (hsm) => hsm.generateMac(keys.pik, { algorithm: 'unionpay-ecb' }, mab) },
    { name: 'MAC with an altered key', run: (hsm) => hsm.generateMac(flipCiphertextBit(keys.mak, 40), { algorithm: 'unionpay-ecb' }, mab) },
    { name: 'PIN translate 0 → 0', run: (hsm) => hsm.translatePinBlock(translate) },
    { name: 'PIN translate to a PIK', run: (hsm) => hsm.translatePinBlock({ ...translate, targetKey: keys.pik }) },
    { name: 'PIN translate 0 → 1', run: (hsm) => hsm.translatePinBlock({ ...translate, targetFormat: 1 }) },
    { name: 'PIN translate of a bad block', run: (hsm) => hsm.translatePinBlock({ ...translate, pinBlock: fromHex('0000000000000000') }) },
    { name: 'PVV generate', run: (hsm) => hsm.generatePvvFromPinBlock(pvvRequest) },
    { name: 'PVV verify', run: (hsm) => hsm.verifyPinPvv({ ...pvvRequest, pvv: '8523' }) },
    { name: 'PVV verify, wrong PVV', run: (hsm) => hsm.verifyPinPvv({ ...pvvRequest, pvv: '8524' }) },
    { name: 'PVV verify with a ZPK as PVK', run: (hsm) => hsm.verifyPinPvv({ ...pvvRequest, pvk: keys.zpk, pvv: '8523' }) },
    { name: 'CVV', run: (hsm) => hsm.generateCvv({ cvk: keys.cvk, pan: '4123456789012345', expiry: '8701', serviceCode: '101' }) },
    { name: 'CVV verify', run: (hsm) => hsm.verifyCvv({ cvk: keys.cvk, pan: '4123456789012345', expiry: '8701', serviceCode: '101', cvv: '561' }) },
    { name: 'track data translate', run: (hsm) => hsm.translateTrackData({ sourceKey: keys.tdk, targetKey: keys.zek, data: track2 }) },
    { name: 'track data decrypt', run: (hsm) => hsm.decryptTrackData({ key: keys.zek, data: track2 }) },
    { name: 'track data too short', run: (hsm) => hsm.translateTrackData({ sourceKey: keys.tdk, targetKey: keys.zek, data: Buffer.alloc(8) }) },
    { name: 'ARQC verify (Visa CVN 10)', run: (hsm) => hsm.verifyArqc(visaArqc) },
    { name: 'ARQC verify, wrong cryptogram', run: (hsm) => hsm.verifyArqc({ ...visaArqc, arqc: fromHex('29CCA15AE665FA2F') }) },
    {
      name: 'ARQC verify (Mastercard, unpredictable number)',
      run: (hsm) => hsm.verifyArqc({ imkAc: keys.imkAc, ...emvCard, sessionKey: 'common', unpredictableNumber: fromHex('ABCDEF12'), data: mcData, arqc: fromHex('24CCF3DEE3158C70'), padding: 2 }),
    },
    { name: 'ARQC with a CVK', run: (hsm) => hsm.verifyArqc({ ...visaArqc, imkAc: keys.cvk }) },
    { name: 'ARPC method 1', run: (hsm) => hsm.generateArpc({ imkAc: keys.imkAc, ...emvCard, sessionKey: 'none', arqc: visaArqc.arqc, method: 1, arc: fromHex('3030') }) },
    {
      name: 'ARQC verify with the ARPC to follow, then the ARPC',
      run: async (hsm) => [
        await hsm.verifyArqc({ ...visaArqc, arpcFollows: true }),
        await hsm.generateArpc({ imkAc: keys.imkAc, ...emvCard, sessionKey: 'none', arqc: visaArqc.arqc, method: 1, arc: fromHex('3030') }),
      ],
    },
    { name: 'ARPC method 2', run: (hsm) => hsm.generateArpc({ imkAc: keys.imkAc, ...emvCard, sessionKey: 'common', arqc: fromHex('7A788EA6B8A3E733'), method: 2, csu: fromHex('00000000') }) },
    { name: 'PAN look-up hash', run: (hsm) => hsm.panLookupHash(keys.hash, '4761739001010010') },
    { name: 'PAN look-up hash with a DEK', run: (hsm) => hsm.panLookupHash(keys.dek, '4761739001010010') },
    { name: 'seal a malformed PAN', run: (hsm) => hsm.encryptPan(keys.dek, '476173900101001X') },
    { name: 'export a DEK', run: (hsm) => hsm.exportKeyUnderKek(keys.dek, keys.kek) },
    { name: 'unknown key type', run: (hsm) => hsm.generateKey('XYZ' as 'MAK') },
    { name: 'status', run: (hsm) => hsm.status() },
  ];
}

describe('worker HSM: the same answers as the software HSM with the same LMK', () => {
  const lmk = freshLmk();
  const software = new SoftwareHsm(lmk);
  let worker: WorkerHsm;
  let keys: Keys;

  beforeAll(async () => {
    worker = await startTestWorkerHsm(lmk, { threads: 2 });
    keys = await makeKeys(software);
  });
  afterAll(async () => {
    await worker.close();
  });

  it('every deterministic operation, and every refusal (same code, message and details)', async () => {
    for (const { name, run } of deterministicCases(keys)) await expectSameOutcome(name, run(software), run(worker));
  });

  it('a key of the wrong type is HSM_ERR_KEY_USAGE naming the argument; a malformed call is the same kind of error', async () => {
    await expectRejection(worker.generateMac(keys.pik, { algorithm: 'unionpay-ecb' }, Buffer.alloc(8)), 'HSM_ERR_KEY_USAGE', { argument: 'mak', type: 'PIK' });
    await expectRejection(worker.panLookupHash(keys.dek, pan), 'HSM_ERR_KEY_USAGE', { argument: 'hashKey', type: 'DEK' }, [pan]);
    // Not a BastionError in process (no key at all): through a worker, an Error of the same name and message.
    const missingKey = undefined as unknown as KeyUnderLmk;
    const [inProcess, inWorker] = await Promise.all([outcome(software.generateMac(missingKey, { algorithm: 'unionpay-ecb' }, Buffer.alloc(8))), outcome(worker.generateMac(missingKey, { algorithm: 'unionpay-ecb' }, Buffer.alloc(8)))]);
    expect('error' in inProcess && 'error' in inWorker).toBe(true);
    const [want, got] = [(inProcess as { error: Error }).error, (inWorker as { error: Error }).error];
    expect(got).toBeInstanceOf(Error);
    expect(got).not.toBeInstanceOf(BastionError);
    expect({ name: got.name, message: got.message }).toEqual({ name: want.name, message: want.message });
  });

  it('status: the LMK check value crossed over, and it is not the development LMK', async () => {
    const status = await worker.status();
    expect(status).toEqual({ implementation: 'software', lmkKcv: lmk.kcv, development: false });
    expectOnlyBuffers(status);
    expect(JSON.stringify(worker)).toBe(`{"implementation":"software","threads":2,"lmkKcv":"${toHex(lmk.kcv)}"}`);
  });

  it('keys generated in a worker: Buffers, usable by the software HSM, with the KCV of the clear key', async () => {
    const mak = await worker.generateKey('MAK', 'tdes-2key');
    expectOnlyBuffers(mak);
    expect(await software.generateMac(mak, { algorithm: 'x9.19' }, Buffer.alloc(16, 7))).toEqual(await worker.generateMac(mak, { algorithm: 'x9.19' }, Buffer.alloc(16, 7)));
    // The same clear key imported through either HSM has the same KCV.
    const clear = fromHex('0123456789ABCDEFFEDCBA9876543210');
    const viaWorker = await loadKey(worker, 'ZPK', 'tdes-2key', clear);
    const viaSoftware = await loadKey(software, 'ZPK', 'tdes-2key', clear);
    expect(viaWorker.kcv).toEqual(viaSoftware.kcv);
    expect(toHex(viaWorker.kcv)).toBe(toHex(keys.zpk.kcv));
    expect(Buffer.isBuffer(viaWorker.ciphertext)).toBe(true);
    expect(await worker.generateDataKey()).toMatchObject({ type: 'DEK', algorithm: 'aes-256' });
  });

  it('sign-in working keys: Buffers two levels down, each under-LMK key usable in process', async () => {
    const set = await worker.generateWorkingKeys(keys.tmk, { makLength: 'double' });
    expectOnlyBuffers(set);
    expect(set.mak.underLmk.type).toBe('MAK');
    expect(set.mak.underTmk).toHaveLength(16);
    const data = Buffer.from('a sign-in reply');
    expect(await software.generateMac(set.mak.underLmk, { algorithm: 'x9.19' }, data)).toEqual(await worker.generateMac(set.mak.underLmk, { algorithm: 'x9.19' }, data));
    const single = await worker.generateWorkingKeys(keys.tmk);
    expect(single.mak.underLmk.algorithm).toBe('des');
  });

  it('exports: ECB and TR-31 under a KEK, and clear components that recombine to the key', async () => {
    const ecb = await worker.exportKeyUnderKek(keys.tmk, keys.kek);
    expectOnlyBuffers(ecb);
    expect(ecb).toEqual(await software.exportKeyUnderKek(keys.tmk, keys.kek));
    const tr31 = await worker.exportKeyUnderKek(keys.tmk, keys.kek, 'tr31');
    expect(tr31).toMatchObject({ format: 'tr31', kcv: keys.tmk.kcv });
    const components = await worker.exportKeyAsComponents(keys.zpk, 3);
    expect(components).toHaveLength(3);
    expectOnlyBuffers(components);
    const reloaded = await software.importKeyFromComponents({ type: 'ZPK', algorithm: 'tdes-2key', components: components.map((part) => part.component), expectedKcv: keys.zpk.kcv });
    expect(reloaded.kcv).toEqual(keys.zpk.kcv);
    await expectRejection(worker.exportKeyAsComponents(keys.dek, 2), 'HSM_ERR_EXPORT');
  });

  it('imported components: a KCV mismatch is refused the same way, and the caller’s components are left as they were', async () => {
    const first = randomBytes(16);
    const second = Buffer.from(zpkClear.map((byte, i) => byte ^ (first[i] as number)));
    const firstCopy = Buffer.from(first);
    const request = { type: 'ZPK', algorithm: 'tdes-2key', components: [first, second], expectedKcv: fromHex('000000') } as const;
    await expectSameOutcome('KCV mismatch', software.importKeyFromComponents(request), worker.importKeyFromComponents(request));
    expect(first).toEqual(firstCopy);
  });

  it('PIN blocks with random fill (formats 3 and 4) decode to the same PIN', async () => {
    const format3 = await worker.translatePinBlock({ sourceKey: keys.pik, targetKey: keys.zpk, sourceFormat: 0, targetFormat: 3, pan, pinBlock: salePinBlock });
    expect(decryptPinBlock(3, zpkClear, format3, pan)).toBe('123456');
    const format4 = await worker.translatePinBlock({ sourceKey: keys.pik, targetKey: keys.aesZpk, sourceFormat: 0, targetFormat: 4, pan, pinBlock: salePinBlock });
    expect(Buffer.isBuffer(format4)).toBe(true);
    expect(decryptPinBlock(4, fromHex('000102030405060708090A0B0C0D0E0F'), format4, pan)).toBe('123456');
  });

  it('PANs sealed in a worker open in process and back; a tampered seal is refused by both alike', async () => {
    const card = '4761739001010010';
    const sealed = await worker.encryptPan(keys.dek, card);
    expectOnlyBuffers(sealed);
    expect(sealed.iv).toHaveLength(12);
    expect(await software.decryptPan(keys.dek, sealed)).toBe(card);
    expect(await worker.decryptPan(keys.dek, await software.encryptPan(keys.dek, card))).toBe(card);
    const tag = Buffer.from(sealed.tag);
    tag[0] = (tag[0] as number) ^ 1;
    await expectSameOutcome('tampered seal', software.decryptPan(keys.dek, { ...sealed, tag }), worker.decryptPan(keys.dek, { ...sealed, tag }));
    await expectRejection(worker.decryptPan(keys.dek, { ...sealed, tag }), 'HSM_ERR_DATA_INTEGRITY', {}, [card]);
    await expectRejection(worker.encryptPan(keys.dek, '476173900101001X'), 'CRYPTO_ERR_PAN', {}, ['476173900101001X']);
  });

  it('a key made under another LMK is refused by the workers as it is in process', async () => {
    const other = new SoftwareHsm(freshLmk());
    const foreign = await other.generateKey('MAK', 'des');
    await expectSameOutcome('foreign key', software.generateMac(foreign, { algorithm: 'unionpay-ecb' }, Buffer.alloc(8)), worker.generateMac(foreign, { algorithm: 'unionpay-ecb' }, Buffer.alloc(8)));
    await expectRejection(worker.generateMac(foreign, { algorithm: 'unionpay-ecb' }, Buffer.alloc(8)), 'HSM_ERR_KEY_INTEGRITY', { argument: 'mak' });
  });

  it('many concurrent calls over both workers each get their own answer', async () => {
    const messages = Array.from({ length: 600 }, (_, i) => Buffer.from(`message ${i} ${'x'.repeat(i % 50)}`));
    const cards = Array.from({ length: 200 }, (_, i) => `47617390010${String(i).padStart(5, '0')}`);
    const [macs, hashes] = await Promise.all([
      Promise.all(messages.map((data) => worker.generateMac(keys.mak2, { algorithm: 'x9.19' }, data))),
      Promise.all(cards.map((card) => worker.panLookupHash(keys.hash, card))),
    ]);
    for (let i = 0; i < messages.length; i++) expect(macs[i]).toEqual(await software.generateMac(keys.mak2, { algorithm: 'x9.19' }, messages[i] as Buffer));
    for (let i = 0; i < cards.length; i++) expect(hashes[i]).toEqual(await software.panLookupHash(keys.hash, cards[i] as string));
    expect(worker.callsInFlight).toBe(0);
  });
});

describe('worker HSM: the development LMK', () => {
  it('is rebuilt from its published seed in each worker', async () => {
    const hsm = await startTestWorkerHsm();
    try {
      expect(await hsm.status()).toEqual({ implementation: 'software', lmkKcv: fromHex('C9F5C8'), development: true });
      const dev = new SoftwareHsm(LocalMasterKey.development());
      const mak = await dev.generateKey('MAK', 'des');
      expect(await hsm.generateMac(mak, { algorithm: 'unionpay-ecb' }, Buffer.alloc(16))).toEqual(await dev.generateMac(mak, { algorithm: 'unionpay-ecb' }, Buffer.alloc(16)));
    } finally {
      await hsm.close();
    }
  });
});

describe('worker HSM: workers that die', () => {
  it('a terminated worker rejects its calls in flight with HSM_ERR_UNAVAILABLE, and a replacement takes over', async () => {
    const hsm = await startTestWorkerHsm(freshLmk(), { threads: 1 });
    try {
      const mak = await hsm.generateKey('MAK', 'tdes-2key');
      const [first] = hsm.threads;
      const firstThreadId = first?.threadId;
      expect(firstThreadId).toBeGreaterThan(0);
      // Calls the worker has not answered yet (the long MAC keeps it busy), then the worker goes.
      const inFlight = [hsm.generateMac(mak, { algorithm: 'x9.19' }, Buffer.alloc(4 * 1024 * 1024, 1)), hsm.generateKey('ZPK'), hsm.status()];
      expect(hsm.callsInFlight).toBe(3);
      await first?.terminate();
      for (const call of inFlight) await expectRejection(call, 'HSM_ERR_UNAVAILABLE', { slot: 0 });
      expect(hsm.callsInFlight).toBe(0);
      // The pool keeps serving: the next call goes to the replacement.
      expect(await hsm.verifyMac(mak, { algorithm: 'x9.19' }, Buffer.alloc(8), await hsm.generateMac(mak, { algorithm: 'x9.19' }, Buffer.alloc(8)))).toBe(true);
      expect(hsm.threads).toHaveLength(1);
      expect(hsm.threads[0]?.threadId).toBeGreaterThan(0);
      expect(hsm.threads[0]?.threadId).not.toBe(firstThreadId);
    } finally {
      await hsm.close();
    }
  });

  it('with two workers, one dying under load loses only its own calls; the pool then answers everything', async () => {
    const lmk = freshLmk();
    const hsm = await startTestWorkerHsm(lmk, { threads: 2 });
    const software = new SoftwareHsm(lmk);
    try {
      const mak = await software.generateKey('MAK', 'tdes-2key');
      const messages = Array.from({ length: 400 }, (_, i) => Buffer.from(`load ${i}`));
      const calls = messages.map((data) => outcome(hsm.generateMac(mak, { algorithm: 'x9.19' }, data)));
      const victim = hsm.threads[1];
      await victim?.terminate();
      const outcomes = await Promise.all(calls);
      let lost = 0;
      for (let i = 0; i < outcomes.length; i++) {
        const result = outcomes[i] as Outcome;
        if ('value' in result) {
          expect(result.value).toEqual(await software.generateMac(mak, { algorithm: 'x9.19' }, messages[i] as Buffer));
        } else {
          lost++;
          expect(result.error).toBeInstanceOf(BastionError);
          expect((result.error as BastionError).code).toBe('HSM_ERR_UNAVAILABLE');
        }
      }
      // The load was spread over both workers: the victim held calls, and the survivor answered its own.
      expect(lost).toBeGreaterThan(0);
      expect(lost).toBeLessThan(messages.length);
      await eventually(() => hsm.threads.length === 2, 'the replacement worker');
      const again = await Promise.all(messages.map((data) => hsm.generateMac(mak, { algorithm: 'x9.19' }, data)));
      for (let i = 0; i < messages.length; i++) expect(again[i]).toEqual(await software.generateMac(mak, { algorithm: 'x9.19' }, messages[i] as Buffer));
    } finally {
      await hsm.close();
    }
  });
});

describe('worker HSM: start and close', () => {
  it('close() ends the workers; calls after it are refused with HSM_ERR_UNAVAILABLE; closing twice is harmless', async () => {
    const hsm = await startTestWorkerHsm(freshLmk(), { threads: 2 });
    const workers = hsm.threads;
    expect(workers).toHaveLength(2);
    const exits = workers.map((worker) => new Promise<number>((resolve) => worker.once('exit', resolve)));
    const answered = hsm.generateKey('MAK');
    await hsm.close();
    await hsm.close();
    // A call sent before close() is answered first: each worker drains what it was sent, then ends.
    expect((await answered).type).toBe('MAK');
    expect(await Promise.all(exits)).toEqual([0, 0]);
    expect(hsm.threads).toHaveLength(0);
    await expectRejection(hsm.status(), 'HSM_ERR_UNAVAILABLE');
  });

  it('a worker entry that does not load fails start() with HSM_ERR_UNAVAILABLE', async () => {
    await expectRejection(WorkerHsm.start(freshLmk(), { workerUrl: new URL('./no-such-hsm-worker.js', requireBuiltHsmWorker()) }), 'HSM_ERR_UNAVAILABLE');
  });

  it('refuses a thread count outside 1 to 64', async () => {
    for (const threads of [0, -1, 1.5, 65]) await expectRejection(WorkerHsm.start(freshLmk(), { threads, workerUrl: requireBuiltHsmWorker() }), 'CRYPTO_ERR_ARGUMENT', { argument: 'threads' });
  });

  it('idle workers do not keep a process alive, and a call in flight does (a child process, built entry)', () => {
    const workerHsmModule = fileURLToPath(new URL('../../../dist/adapters/hsm/worker-hsm.js', import.meta.url));
    const lmkModule = fileURLToPath(new URL('../../../dist/adapters/hsm/local-master-key.js', import.meta.url));
    requireBuiltHsmWorker();
    // Never closed: after its last answer the process must end by itself, having printed the answer.
    const script = [
      `const { WorkerHsm } = await import(${JSON.stringify(workerHsmModule)});`,
      `const { LocalMasterKey } = await import(${JSON.stringify(lmkModule)});`,
      'const hsm = await WorkerHsm.start(LocalMasterKey.development(), { threads: 2 });',
      'hsm.generateKey("MAK", "des").then((key) => { process.stdout.write(`kcv ${key.kcv.length}\\n`); });',
    ].join('\n');
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(child.error).toBeUndefined();
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    expect(child.stdout).toBe('kcv 3\n');
  });
});
