import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../lib/testing/test-eventually.js';
import { databases, openSecondStore } from '../../adapters/store/test-databases.js';
import type { Store } from '../../ports/store.js';
import { MerchantService, merchantsMigrations } from '../merchants/index.js';
import { terminalsMigrations } from './terminal-migrations.js';
import { TerminalService } from './terminal-service.js';
import { testTmk, testWorkingKeys } from './test-keys.js';

const merchantId = '102581054110001';
const nowMs = BigInt(Date.UTC(2024, 0, 2, 3, 0));
const clock = (): bigint => nowMs;

/**
 * The terminal and merchant rows the host reads on every request are served from memory; these
 * tests change them every way the platform can — this service, a caller's transaction, another
 * process or node — and check that a read after the change never answers with the row before it.
 */
describe.each(databases)('terminal and merchant caches on $name', (database) => {
  let store: Store;
  let elsewhere: Store;
  let merchants: MerchantService;
  let terminals: TerminalService;
  /** The same services in another process (or on another host node). */
  let otherTerminals: TerminalService;
  let otherMerchants: MerchantService;
  let serial = 0;

  async function activeTerminal(terminalId: string): Promise<void> {
    serial += 1;
    await terminals.add({ terminalId, merchantId, serialNumber: `SN-CACHE-${serial}`, model: 'PAX A920' });
    await terminals.setTmk({ terminalId }, testTmk());
    await terminals.recordSignIn({ terminalId }, testWorkingKeys(0x11), '000001', nowMs);
  }

  beforeAll(async () => {
    store = await database.open([merchantsMigrations, terminalsMigrations]);
    elsewhere = openSecondStore(store);
    merchants = new MerchantService(store, { clock });
    terminals = new TerminalService(store, merchants, { clock });
    otherMerchants = new MerchantService(elsewhere, { clock });
    otherTerminals = new TerminalService(elsewhere, otherMerchants, { clock });
    await merchants.add({ merchantId, legalName: 'Canton Grocers' });
    // PostgreSQL's store listens from the first read on; wait until it does, so that reads cache.
    await eventually(() => store.changes.epoch() !== undefined, 'the store to watch for changes', 10_000);
  });
  afterAll(async () => {
    await elsewhere.close();
    await store.close();
  });

  it("serves a repeated read from memory: the same frozen object, until this service's own write", async () => {
    await activeTerminal('20000001');
    // On PostgreSQL the notifications of those writes arrive a moment later, each a cache miss.
    await eventually(async () => (await terminals.findByTerminalId('20000001')) === (await terminals.findByTerminalId('20000001')), 'two reads served by one object');
    const first = await terminals.findByTerminalId('20000001');
    expect(Object.isFrozen(first)).toBe(true);
    expect(await terminals.findByTerminalId('20000001', { fresh: true })).not.toBe(first);
    await terminals.lock({ terminalId: '20000001' }, 'stolen');
    expect((await terminals.findByTerminalId('20000001'))?.status).toBe('locked');
    expect((await merchants.find(merchantId))?.status).toBe('active');
    await merchants.setStatus(merchantId, 'suspended');
    expect((await merchants.find(merchantId))?.status).toBe('suspended');
    await merchants.setStatus(merchantId, 'active');
  });

  it('a sign-in inside a transaction is seen by the first read after it commits, even if a read during it kept the old keys', async () => {
    await activeTerminal('20000002');
    expect((await terminals.findByTerminalId('20000002'))?.workingKeys?.mak.kcv).toEqual(testWorkingKeys(0x11).mak.kcv);
    let readDuring: Promise<unknown> | undefined;
    await store.transact(async (trx) => {
      await terminals.recordSignInWithin(trx, { terminalId: '20000002' }, testWorkingKeys(0x22), '000001', nowMs);
      // Another request reads meanwhile (on PostgreSQL from another connection: the old keys).
      readDuring = terminals.findByTerminalId('20000002');
      if (store.dialect === 'postgres') await readDuring;
    });
    await readDuring;
    expect((await terminals.findByTerminalId('20000002'))?.workingKeys?.mak.kcv).toEqual(testWorkingKeys(0x22).mak.kcv);
  });

  it('a rolled-back change is not served: the read after the rollback gets the row as committed', async () => {
    await activeTerminal('20000003');
    let readDuring: Promise<unknown> | undefined;
    await expect(
      store.transact(async (trx) => {
        await terminals.recordSignInWithin(trx, { terminalId: '20000003' }, testWorkingKeys(0x33), '000001', nowMs);
        // On SQLite a read outside the transaction waits for it (one connection); on PostgreSQL it runs now.
        readDuring = terminals.findByTerminalId('20000003');
        if (store.dialect === 'postgres') await readDuring;
        throw new Error('rolled back on purpose');
      }),
    ).rejects.toThrow('rolled back on purpose');
    await readDuring;
    expect((await terminals.findByTerminalId('20000003'))?.workingKeys?.mak.kcv).toEqual(testWorkingKeys(0x11).mak.kcv);
  });

  it("another process's lock is seen by the next read (SQLite) or once its notification arrives (PostgreSQL); a fresh read sees it at once", async () => {
    await activeTerminal('20000004');
    expect((await terminals.findByTerminalId('20000004'))?.status).toBe('active');
    await otherTerminals.lock({ terminalId: '20000004' }, 'reported stolen');
    expect((await terminals.findByTerminalId('20000004', { fresh: true }))?.status).toBe('locked');
    if (store.dialect === 'sqlite') expect((await terminals.findByTerminalId('20000004'))?.status).toBe('locked');
    else await eventually(async () => (await terminals.findByTerminalId('20000004'))?.status === 'locked', 'the lock to reach this node');
    expect((await merchants.find(merchantId))?.status).toBe('active');
    await otherMerchants.setStatus(merchantId, 'closed');
    if (store.dialect === 'sqlite') expect((await merchants.find(merchantId))?.status).toBe('closed');
    else await eventually(async () => (await merchants.find(merchantId))?.status === 'closed', 'the closure to reach this node');
    await otherMerchants.setStatus(merchantId, 'active');
  });
});
