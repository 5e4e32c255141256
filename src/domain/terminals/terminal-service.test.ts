import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../../adapters/store/test-databases.js';
import type { ErrorCode } from '../../lib/errors/index.js';
import type { Store } from '../../ports/store.js';
import { MerchantService, merchantsMigrations } from '../merchants/index.js';
import { terminalsMigrations } from './terminal-migrations.js';
import { MAC_FAILURES_LOCK_REASON, TerminalService } from './terminal-service.js';
import { testKey, testTmk, testWorkingKeys } from './test-keys.js';

async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await expect(promise).rejects.toMatchObject({ name: 'BastionError', code });
}

function rejectionCodes(results: readonly PromiseSettledResult<unknown>[]): unknown[] {
  return results.flatMap((result) => (result.status === 'rejected' ? [(result.reason as { code?: unknown }).code] : []));
}

const merchantId = '102581054110001';
// 2024-01-01 23:30 UTC is 2024-01-02 07:30 in Shanghai: "today" is the acquirer's day, not UTC's.
const lateEveningUtcMs = BigInt(Date.UTC(2024, 0, 1, 23, 30));

describe.each(databases)('TerminalService on $name', (database) => {
  let store: Store;
  let nowMs = lateEveningUtcMs;
  let merchants: MerchantService;
  let terminals: TerminalService;
  let serial = 0;

  /** A fresh terminal with its own id and serial number. */
  async function addTerminal(terminalId: string, options: { readonly withTmk?: boolean } = {}): Promise<void> {
    serial += 1;
    await terminals.add({ terminalId, merchantId, serialNumber: `SN-${terminalId}-${serial}`, model: 'PAX A920' });
    if (options.withTmk === true) await terminals.setTmk({ terminalId }, testTmk());
  }

  beforeAll(async () => {
    store = await database.open([merchantsMigrations, terminalsMigrations]);
    const clock = (): bigint => nowMs;
    merchants = new MerchantService(store, { clock });
    terminals = new TerminalService(store, merchants, { clock });
    await merchants.add({ merchantId, legalName: 'Canton Grocers' });
    await merchants.add({ merchantId: '102581054110002', legalName: 'Closed Shop' });
    await merchants.setStatus('102581054110002', 'closed');
  });
  afterAll(async () => {
    await store.close();
  });

  it('adds a terminal bound to an active merchant and finds it by field 41', async () => {
    const added = await terminals.add({ terminalId: '10000001', merchantId, serialNumber: 'N7NL0123456', model: 'PAX A920', macVariant: 'tdes' });
    expect(added).toEqual({
      terminalId: '10000001',
      merchantId,
      serialNumber: 'N7NL0123456',
      model: 'PAX A920',
      macVariant: 'tdes',
      status: 'new',
      tmk: undefined,
      workingKeys: undefined,
      keyGeneration: 0n,
      batchNumber: '000001',
      lastSignInAtMs: undefined,
      lastSignInLocalDate: undefined,
      signedOutAtMs: undefined,
      macFailureCount: 0n,
      lockReason: undefined,
      lockedAtMs: undefined,
      createdAtMs: nowMs,
      updatedAtMs: nowMs,
    });
    expect(await terminals.findByTerminalId('10000001')).toEqual(added);
    expect(await terminals.findByTerminalId('99999999')).toBeUndefined();
    expect(await terminals.findByTerminalId('bad id')).toBeUndefined();
    expect((await terminals.add({ terminalId: '10000002', merchantId, serialNumber: 'N7NL0123457', model: 'PAX A920' })).macVariant).toBe('des-left');
  });

  it('refuses an unknown or closed merchant and malformed input, each with its code', async () => {
    await expectCode(terminals.add({ terminalId: '10000009', merchantId: '102581054119999', serialNumber: 'X1', model: 'M' }), 'MERCHANT_ERR_NOT_FOUND');
    await expectCode(terminals.add({ terminalId: '10000009', merchantId: '102581054110002', serialNumber: 'X1', model: 'M' }), 'MERCHANT_ERR_NOT_ACTIVE');
    await expectCode(terminals.add({ terminalId: '1000000', merchantId, serialNumber: 'X1', model: 'M' }), 'TERMINAL_ERR_ID');
    await expectCode(terminals.add({ terminalId: '10000009', merchantId, serialNumber: 'X 1', model: 'M' }), 'TERMINAL_ERR_SERIAL');
    await expectCode(terminals.add({ terminalId: '10000009', merchantId, serialNumber: 'X1', model: '' }), 'TERMINAL_ERR_MODEL');
    await expectCode(terminals.add({ terminalId: '10000009', merchantId, serialNumber: 'X1', model: 'M', macVariant: 'x9.19' as never }), 'TERMINAL_ERR_MAC_VARIANT');
    expect(await terminals.findByTerminalId('10000009')).toBeUndefined();
  });

  it('refuses a taken terminal id and a taken serial number, also when hosts race', async () => {
    await expectCode(terminals.add({ terminalId: '10000001', merchantId, serialNumber: 'OTHER-SERIAL', model: 'M' }), 'TERMINAL_ERR_ID_TAKEN');
    await expectCode(terminals.add({ terminalId: '10000003', merchantId, serialNumber: 'N7NL0123456', model: 'M' }), 'TERMINAL_ERR_SERIAL_TAKEN');
    const sameId = await Promise.allSettled(Array.from({ length: 6 }, (_, index) => terminals.add({ terminalId: '10000004', merchantId, serialNumber: `RACE-ID-${index}`, model: 'M' })));
    expect(sameId.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    expect(rejectionCodes(sameId)).toEqual(Array<string>(5).fill('TERMINAL_ERR_ID_TAKEN'));
    const sameSerial = await Promise.allSettled(Array.from({ length: 6 }, (_, index) => terminals.add({ terminalId: `1000001${index}`, merchantId, serialNumber: 'RACE-SERIAL', model: 'M' })));
    expect(sameSerial.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    expect(rejectionCodes(sameSerial)).toEqual(Array<string>(5).fill('TERMINAL_ERR_SERIAL_TAKEN'));
  });

  it('stores a TMK under the LMK as given, replaces one only when asked; a TMK slot takes only a TMK', async () => {
    await addTerminal('20000001');
    const tmk = testTmk(0x11);
    const withTmk = await terminals.setTmk({ terminalId: '20000001' }, tmk);
    expect(withTmk.tmk).toEqual(tmk);
    expect(withTmk.tmk?.ciphertext).toBeInstanceOf(Buffer);
    await expectCode(terminals.setTmk({ terminalId: '20000001' }, testTmk(0x12)), 'TERMINAL_ERR_STATE');
    expect((await terminals.require({ terminalId: '20000001' })).tmk).toEqual(tmk);
    expect((await terminals.setTmk({ terminalId: '20000001' }, testTmk(0x12), { replace: true })).tmk).toEqual(testTmk(0x12));
    await expectCode(terminals.setTmk({ terminalId: '20000001' }, testKey('ZPK', 'tdes-2key', 1)), 'TERMINAL_ERR_KEY');
    await expectCode(terminals.setTmk({ terminalId: '20000001' }, { ...tmk, kcv: Buffer.alloc(1) }), 'TERMINAL_ERR_KEY');
    await expectCode(terminals.setTmk({ terminalId: '20000001' }, { ...tmk, ciphertext: Buffer.alloc(129) }), 'TERMINAL_ERR_KEY');
    await expectCode(terminals.setTmk({ terminalId: '29999999' }, tmk), 'TERMINAL_ERR_NOT_FOUND');
  });

  it('gives a terminal its first TMK once when operators race', async () => {
    await addTerminal('20000012');
    const results = await Promise.allSettled(Array.from({ length: 6 }, (_, index) => terminals.setTmk({ terminalId: '20000012' }, testTmk(0x20 + index))));
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    expect(rejectionCodes(results)).toEqual(Array<string>(5).fill('TERMINAL_ERR_STATE'));
  });

  it('records a sign-in: keys, batch, local date in the configured time zone, generation; new becomes active', async () => {
    await addTerminal('20000002');
    await expectCode(terminals.recordSignIn({ terminalId: '20000002' }, testWorkingKeys(1), '000001', nowMs), 'TERMINAL_ERR_NO_TMK');
    await terminals.setTmk({ terminalId: '20000002' }, testTmk());
    const signedIn = await terminals.recordSignIn({ terminalId: '20000002' }, testWorkingKeys(1), '000123', nowMs);
    expect(signedIn).toMatchObject({ status: 'active', batchNumber: '000123', keyGeneration: 1n, lastSignInAtMs: nowMs, lastSignInLocalDate: '20240102', signedOutAtMs: undefined });
    expect(signedIn.workingKeys).toEqual(testWorkingKeys(1));
    expect(terminals.today()).toBe('20240102');

    const again = await terminals.recordSignIn({ terminalId: '20000002' }, testWorkingKeys(2, false), '000124', nowMs + 60_000n);
    expect(again.workingKeys).toEqual(testWorkingKeys(2, false));
    expect(again.keyGeneration).toBe(2n);

    await expectCode(terminals.recordSignIn({ terminalId: '20000002' }, testWorkingKeys(3), '000000', nowMs), 'TERMINAL_ERR_BATCH');
    await expectCode(terminals.recordSignIn({ terminalId: '20000002' }, { ...testWorkingKeys(3), mak: testKey('PIK', 'des', 3) }, '000001', nowMs), 'TERMINAL_ERR_KEY');
    await expectCode(terminals.recordSignIn({ terminalId: '29999999' }, testWorkingKeys(3), '000001', nowMs), 'TERMINAL_ERR_NOT_FOUND');
  });

  it('replaces the working keys whole when sign-ins race: one complete set, every generation counted', async () => {
    await addTerminal('20000003', { withTmk: true });
    const markers = Array.from({ length: 12 }, (_, index) => index + 1);
    await Promise.all(markers.map((marker) => terminals.recordSignIn({ terminalId: '20000003' }, testWorkingKeys(marker), String(marker).padStart(6, '0'), nowMs)));
    const after = await terminals.require({ terminalId: '20000003' });
    expect(after.keyGeneration).toBe(BigInt(markers.length));
    const winner = after.workingKeys?.pik.ciphertext[0] ?? -1;
    expect(markers).toContain(winner);
    expect(after.workingKeys).toEqual(testWorkingKeys(winner));
    expect(after.batchNumber).toBe(String(winner).padStart(6, '0'));
  });

  it('signs out by erasing the working keys', async () => {
    await addTerminal('20000004', { withTmk: true });
    await terminals.recordSignIn({ terminalId: '20000004' }, testWorkingKeys(4), '000001', nowMs);
    nowMs += 1_000n;
    const signedOut = await terminals.signOut({ terminalId: '20000004' });
    expect(signedOut).toMatchObject({ workingKeys: undefined, signedOutAtMs: nowMs, status: 'active', tmk: testTmk() });
    const back = await terminals.recordSignIn({ terminalId: '20000004' }, testWorkingKeys(5), '000002', nowMs);
    expect(back.signedOutAtMs).toBeUndefined();
  });

  it('counts MAC failures and locks at the threshold, once', async () => {
    await addTerminal('20000005', { withTmk: true });
    await terminals.recordSignIn({ terminalId: '20000005' }, testWorkingKeys(5), '000001', nowMs);
    expect(await terminals.registerMacFailure({ terminalId: '20000005' }, 3)).toEqual({ consecutiveFailures: 1n, locked: false, lockedNow: false });
    expect(await terminals.registerMacFailure({ terminalId: '20000005' }, 3)).toEqual({ consecutiveFailures: 2n, locked: false, lockedNow: false });
    expect(await terminals.registerMacFailure({ terminalId: '20000005' }, 3)).toEqual({ consecutiveFailures: 3n, locked: true, lockedNow: true });
    expect(await terminals.registerMacFailure({ terminalId: '20000005' }, 3)).toEqual({ consecutiveFailures: 4n, locked: true, lockedNow: false });
    const locked = await terminals.require({ terminalId: '20000005' });
    expect(locked).toMatchObject({ status: 'locked', lockReason: MAC_FAILURES_LOCK_REASON, lockedAtMs: nowMs, workingKeys: undefined, macFailureCount: 4n });
    await expectCode(terminals.registerMacFailure({ terminalId: '29999999' }, 3), 'TERMINAL_ERR_NOT_FOUND');
    await expectCode(terminals.registerMacFailure({ terminalId: '20000005' }, 0), 'TERMINAL_ERR_ARGUMENT');
    await expectCode(terminals.registerMacFailure({ terminalId: '20000005' }, 101), 'TERMINAL_ERR_ARGUMENT');
  });

  it('counts 20 concurrent MAC failures exactly and locks exactly once', async () => {
    await addTerminal('20000006', { withTmk: true });
    await terminals.recordSignIn({ terminalId: '20000006' }, testWorkingKeys(6), '000001', nowMs);
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => terminals.registerMacFailure({ terminalId: '20000006' }, 5)));
    expect(outcomes.map((outcome) => outcome.consecutiveFailures).sort((a, b) => Number(a - b))).toEqual(Array.from({ length: 20 }, (_, index) => BigInt(index + 1)));
    expect(outcomes.filter((outcome) => outcome.lockedNow)).toEqual([{ consecutiveFailures: 5n, locked: true, lockedNow: true }]);
    expect(outcomes.filter((outcome) => outcome.consecutiveFailures >= 5n).every((outcome) => outcome.locked)).toBe(true);
    expect(await terminals.require({ terminalId: '20000006' })).toMatchObject({ status: 'locked', macFailureCount: 20n });
  });

  it('resets the MAC-failure count after a verified MAC, writing only when there is a count', async () => {
    await addTerminal('20000007');
    await terminals.registerMacFailure({ terminalId: '20000007' }, 5);
    expect(await terminals.resetMacFailures({ terminalId: '20000007' })).toBe(true);
    expect(await terminals.resetMacFailures({ terminalId: '20000007' })).toBe(false);
    expect((await terminals.require({ terminalId: '20000007' })).macFailureCount).toBe(0n);
    await expectCode(terminals.resetMacFailures({ terminalId: '29999999' }), 'TERMINAL_ERR_NOT_FOUND');
  });

  it('locks and unlocks: keys erased at the lock, sign-in refused while locked, count cleared at unlock', async () => {
    await addTerminal('20000008', { withTmk: true });
    await terminals.recordSignIn({ terminalId: '20000008' }, testWorkingKeys(8), '000001', nowMs);
    await terminals.registerMacFailure({ terminalId: '20000008' }, 5);
    const locked = await terminals.lock({ terminalId: '20000008' }, '  reported stolen  ');
    expect(locked).toMatchObject({ status: 'locked', lockReason: 'reported stolen', workingKeys: undefined });
    expect((await terminals.lock({ terminalId: '20000008' }, 'second reason')).lockReason).toBe('reported stolen');
    await expectCode(terminals.recordSignIn({ terminalId: '20000008' }, testWorkingKeys(9), '000001', nowMs), 'TERMINAL_ERR_LOCKED');
    const unlocked = await terminals.unlock({ terminalId: '20000008' });
    expect(unlocked).toMatchObject({ status: 'active', lockReason: undefined, lockedAtMs: undefined, macFailureCount: 0n, workingKeys: undefined });
    await expectCode(terminals.unlock({ terminalId: '20000008' }), 'TERMINAL_ERR_STATE');
    await expectCode(terminals.lock({ terminalId: '20000008' }, ' '), 'TERMINAL_ERR_ARGUMENT');

    await addTerminal('20000009');
    await terminals.lock({ terminalId: '20000009' }, 'never signed in');
    expect((await terminals.unlock({ terminalId: '20000009' })).status).toBe('new');
  });

  it('retires a terminal for good: keys erased, every change but retire refused', async () => {
    await addTerminal('20000010', { withTmk: true });
    await terminals.recordSignIn({ terminalId: '20000010' }, testWorkingKeys(10), '000001', nowMs);
    const retired = await terminals.retire({ terminalId: '20000010' });
    expect(retired).toMatchObject({ status: 'retired', tmk: undefined, workingKeys: undefined });
    await expectCode(terminals.recordSignIn({ terminalId: '20000010' }, testWorkingKeys(11), '000001', nowMs), 'TERMINAL_ERR_RETIRED');
    await expectCode(terminals.setTmk({ terminalId: '20000010' }, testTmk()), 'TERMINAL_ERR_RETIRED');
    await expectCode(terminals.lock({ terminalId: '20000010' }, 'x'), 'TERMINAL_ERR_RETIRED');
    await expectCode(terminals.unlock({ terminalId: '20000010' }), 'TERMINAL_ERR_RETIRED');
    await expectCode(terminals.signOut({ terminalId: '20000010' }), 'TERMINAL_ERR_RETIRED');
    await expectCode(terminals.advanceBatch({ terminalId: '20000010' }), 'TERMINAL_ERR_RETIRED');
    await expectCode(terminals.retire({ terminalId: '29999999' }), 'TERMINAL_ERR_NOT_FOUND');
  });

  it('advances the batch atomically and wraps 999999 to 000001', async () => {
    await addTerminal('20000011', { withTmk: true });
    expect(await terminals.advanceBatch({ terminalId: '20000011' })).toBe('000002');
    const results = await Promise.all(Array.from({ length: 10 }, () => terminals.advanceBatch({ terminalId: '20000011' })));
    expect(new Set(results).size).toBe(10);
    expect((await terminals.require({ terminalId: '20000011' })).batchNumber).toBe('000012');
    await terminals.recordSignIn({ terminalId: '20000011' }, testWorkingKeys(12), '999999', nowMs);
    expect(await terminals.advanceBatch({ terminalId: '20000011' })).toBe('000001');
    await expectCode(terminals.advanceBatch({ terminalId: '29999999' }), 'TERMINAL_ERR_NOT_FOUND');
  });

  it('advances from a given batch once, inside a transaction, and not past a batch already left', async () => {
    await addTerminal('20000098', { withTmk: true });
    const db = store.db();
    expect(await db.transaction().execute((trx) => terminals.advanceBatchWithin(trx, { terminalId: '20000098' }, '000001'))).toBe('000002');
    expect(await db.transaction().execute((trx) => terminals.advanceBatchWithin(trx, { terminalId: '20000098' }, '000001'))).toBeUndefined();
    expect((await terminals.require({ terminalId: '20000098' })).batchNumber).toBe('000002');
    await expect(
      db.transaction().execute(async (trx) => {
        await terminals.advanceBatchWithin(trx, { terminalId: '20000098' }, '000002');
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect((await terminals.require({ terminalId: '20000098' })).batchNumber).toBe('000002');
    await expectCode(db.transaction().execute((trx) => terminals.advanceBatchWithin(trx, { terminalId: '29999999' }, '000001')), 'TERMINAL_ERR_NOT_FOUND');
  });

  it('lists in terminal-id order, by merchant, bounded', async () => {
    const page = await terminals.list({ limit: 2, after: '10000001' });
    expect(page.map((terminal) => terminal.terminalId)).toEqual(['10000002', '10000004']);
    expect((await terminals.list({ merchantId: '102581054110002' })).length).toBe(0);
    expect((await terminals.list({ merchantId })).length).toBeGreaterThan(10);
    await expectCode(terminals.list({ limit: 0 }), 'TERMINAL_ERR_ARGUMENT');
  });
});
