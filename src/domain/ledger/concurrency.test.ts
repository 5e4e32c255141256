import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../adapters/store/open-store.js';
import { databases, testPostgresUrl } from '../../adapters/store/test-databases.js';
import { BastionError } from '../../lib/errors/index.js';
import type { Store } from '../../ports/store.js';
import { LedgerService } from './ledger-service.js';
import { CHECKPOINT_LOCK_TIMEOUT_MS } from './limits.js';
import type { LedgerTables } from './tables.js';
import { expectRejection, expectSoundLedger, openSaleAccounts, openTestLedger, saleAccounts, transfer, type LedgerFixture } from './test-ledger.js';

/**
 * Several hosts may share one PostgreSQL database. On PostgreSQL these tests post through two
 * stores with their own connection pools on the same schema, as two host processes would; on
 * SQLite (one process by design) through one store, whose writes the driver serialises.
 */
describe.each(databases)('ledger concurrency on $name', (database) => {
  let fixture: LedgerFixture;
  let otherStore: Store | undefined;
  let ledgers: LedgerService[];

  beforeEach(async () => {
    fixture = await openTestLedger(database);
    await openSaleAccounts(fixture.ledger);
    ledgers = [fixture.ledger];
    if (database.name === 'postgres') {
      const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(fixture.store.db());
      otherStore = openStore({ postgresUrl: testPostgresUrl, schema: rows[0]?.schema ?? 'public' }, { poolSize: 4 });
      ledgers.push(new LedgerService(otherStore, fixture.clock.now));
    }
  });
  afterEach(async () => {
    await otherStore?.close();
    otherStore = undefined;
    await fixture.store.close();
  });

  const ledgerFor = (index: number): LedgerService => ledgers[index % ledgers.length] ?? fixture.ledger;

  const entryCount = async (): Promise<bigint> => {
    const row = await fixture.store.db<LedgerTables>().selectFrom('ledger_entries').select(sql<bigint>`count(*)`.as('n')).executeTakeFirstOrThrow();
    return row.n;
  };

  it('20 concurrent posts of one key make exactly one entry, and all get its id', async () => {
    const request = transfer('sale:T9:000001', 2_500n);
    const results = await Promise.all(Array.from({ length: 20 }, (_, index) => ledgerFor(index).post(request)));
    expect(new Set(results.map((result) => result.entryId)).size).toBe(1);
    expect(results.filter((result) => result.created)).toHaveLength(1);
    expect(await entryCount()).toBe(1n);
    expect((await fixture.ledger.balance(saleAccounts.payable.code)).balanceMinor).toBe(2_500n);
    await expectSoundLedger(fixture.ledger);
  });

  it('concurrent posts of one key with two contents: one content wins, the other all conflict', async () => {
    const contents = [transfer('sale:T9:000002', 100n), transfer('sale:T9:000002', 200n)];
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, (_, index) => ledgerFor(index).post(contents[index % 2] ?? contents[0] ?? transfer('x', 1n))));
    const fulfilled = outcomes.flatMap((outcome, index) => (outcome.status === 'fulfilled' ? [{ index, result: outcome.value }] : []));
    const rejected = outcomes.flatMap((outcome, index) => (outcome.status === 'rejected' ? [{ index, reason: outcome.reason as unknown }] : []));
    expect(fulfilled).toHaveLength(10);
    expect(rejected).toHaveLength(10);
    const winner = (fulfilled[0]?.index ?? 0) % 2;
    expect(fulfilled.every(({ index }) => index % 2 === winner)).toBe(true);
    expect(fulfilled.filter(({ result }) => result.created)).toHaveLength(1);
    for (const { reason } of rejected) {
      expect(reason).toBeInstanceOf(BastionError);
      expect((reason as BastionError).code).toBe('LEDGER_ERR_IDEMPOTENCY_CONFLICT');
    }
    expect(await entryCount()).toBe(1n);
    await expectSoundLedger(fixture.ledger);
  });

  it('50 concurrent distinct posts are all present and balanced', async () => {
    const amounts = Array.from({ length: 50 }, (_, index) => BigInt(1_000 + index));
    const results = await Promise.all(amounts.map((amountMinor, index) => ledgerFor(index).post(transfer(`sale:T9:1${index.toString().padStart(5, '0')}`, amountMinor))));
    expect(results.every((result) => result.created)).toBe(true);
    expect(new Set(results.map((result) => result.entryId)).size).toBe(50);
    for (const [index, result] of results.entries()) {
      expect((await fixture.ledger.entry(result.entryId))?.postings[0]?.amountMinor).toBe(amounts[index]);
    }
    const total = amounts.reduce((sum, amount) => sum + amount, 0n);
    expect((await fixture.ledger.balance(saleAccounts.payable.code)).balanceMinor).toBe(total);
    expect((await fixture.ledger.balance(saleAccounts.receivable.code)).balanceMinor).toBe(total);
    const report = await fixture.ledger.verifyLedger();
    expect(report.entriesChecked).toBe(50);
    expect(report.postingsChecked).toBe(100);
    await expectSoundLedger(fixture.ledger);
  });

  it('checkpoints taken while posts are in flight never miss a posting', async () => {
    const amounts = Array.from({ length: 40 }, (_, index) => BigInt(10 + index));
    const posts = amounts.map((amountMinor, index) => ledgerFor(index).post(transfer(`sale:T9:2${index.toString().padStart(5, '0')}`, amountMinor)));
    const checkpoints = Array.from({ length: 6 }, (_, index) => ledgerFor(index).checkpoint(saleAccounts.payable.code));
    await Promise.all([...posts, ...checkpoints]);
    const total = amounts.reduce((sum, amount) => sum + amount, 0n);
    expect((await fixture.ledger.balance(saleAccounts.payable.code)).balanceMinor).toBe(total);
    const final = await fixture.ledger.checkpoint(saleAccounts.payable.code);
    expect(final.netDebitMinor).toBe(-total);
    const report = await fixture.ledger.verifyLedger();
    expect(report.checkpointsChecked).toBeGreaterThan(0);
    await expectSoundLedger(fixture.ledger);
  });

  it.runIf(database.name === 'postgres')('a checkpoint waits for an open posting transaction, and gives up with LEDGER_ERR_BUSY', async () => {
    const { ledger, store } = fixture;
    await ledger.post(transfer('sale:T9:300000', 5n));
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    // A host transaction that has posted an entry but not yet committed.
    const open = store.db<LedgerTables>().transaction().execute(async (trx) => {
      await ledger.postWithin(trx, transfer('sale:T9:300001', 7n));
      await held;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await expectRejection(ledger.checkpoint(saleAccounts.payable.code), 'LEDGER_ERR_BUSY');
    expect(Date.now() - started).toBeGreaterThanOrEqual(CHECKPOINT_LOCK_TIMEOUT_MS - 100);

    // Once that transaction is about to commit, a waiting checkpoint includes its posting.
    const waiting = ledger.checkpoint(saleAccounts.payable.code);
    await new Promise((resolve) => setTimeout(resolve, 100));
    release();
    await open;
    expect((await waiting).netDebitMinor).toBe(-12n);
    await expectSoundLedger(ledger);
  });
});
