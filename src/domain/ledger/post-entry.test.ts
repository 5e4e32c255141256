import { sql, type KyselyPlugin, type Transaction } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databases } from '../../adapters/store/test-databases.js';
import type { Store } from '../../ports/store.js';
import { LedgerService } from './ledger-service.js';
import type { LedgerTables } from './tables.js';
import { expectRejection, expectSoundLedger, openTestLedger, saleAccounts, TestClock, transfer, type LedgerFixture } from './test-ledger.js';
import type { PostRequest } from './types.js';

/**
 * The statements of a post: on PostgreSQL the entry and its postings are one statement (a
 * data-modifying CTE), on SQLite two. Whatever the statements, a post keeps its rules: a replay
 * of a key answers the first entry and writes nothing, other content under a taken key is
 * LEDGER_ERR_IDEMPOTENCY_CONFLICT and writes nothing.
 */
describe.each(databases)('posting an entry on $name', (database) => {
  let fixture: LedgerFixture;
  /** A ledger over the same store that counts its statements (transactions' begin and commit aside). */
  let ledger: LedgerService;
  let store: Store;
  let statements = 0;

  beforeEach(async () => {
    fixture = await openTestLedger(database);
    const inner = fixture.store;
    // Counted as they return: a query builder runs transformQuery while it is built, too.
    const recording: KyselyPlugin = {
      transformQuery: (args) => args.node,
      transformResult: (args) => {
        statements += 1;
        return Promise.resolve(args.result);
      },
    };
    store = {
      ...inner,
      db: <Tables>() => inner.db<Tables>().withPlugin(recording),
      transact: <Tables, T>(work: (trx: Transaction<Tables>) => Promise<T>) => inner.transact<Tables, T>((trx) => work(trx.withPlugin(recording))),
      changes: inner.changes,
      close: () => inner.close(),
    };
    ledger = new LedgerService(store, new TestClock().now);
    for (const spec of Object.values(saleAccounts)) await ledger.ensureAccount(spec);
  });
  afterEach(async () => {
    await fixture.store.close();
  });

  async function statementsOf<T>(run: () => Promise<T>): Promise<{ result: T; count: number }> {
    statements = 0;
    const result = await run();
    return { result, count: statements };
  }

  const postingCount = async (): Promise<bigint> => {
    const row = await fixture.store.db<LedgerTables>().selectFrom('ledger_postings').select(sql<bigint>`count(*)`.as('n')).executeTakeFirstOrThrow();
    return row.n;
  };

  const threeLines: PostRequest = {
    ...transfer('sale:T1:000001', 10_000n),
    postings: [
      { accountCode: saleAccounts.receivable.code, amountMinor: 10_000n, currency: '156' },
      { accountCode: saleAccounts.payable.code, amountMinor: -9_940n, currency: '156' },
      { accountCode: saleAccounts.fees.code, amountMinor: -60n, currency: '156' },
    ],
  };

  it('an entry and its postings in one statement on PostgreSQL, two on SQLite (accounts known)', async () => {
    const { result, count } = await statementsOf(() => store.transact((trx) => ledger.postWithin(trx, threeLines)));
    expect(count).toBe(database.name === 'postgres' ? 1 : 2);
    expect(result.created).toBe(true);
    const entry = await fixture.ledger.entry(result.entryId);
    expect(entry?.postings.map((posting) => [posting.accountCode, posting.amountMinor, posting.currency])).toEqual([
      [saleAccounts.receivable.code, 10_000n, '156'],
      [saleAccounts.payable.code, -9_940n, '156'],
      [saleAccounts.fees.code, -60n, '156'],
    ]);
    expect((await fixture.ledger.balance(saleAccounts.fees.code)).balanceMinor).toBe(60n);
    await expectSoundLedger(fixture.ledger);
  });

  it('a replay of the key answers the first entry and writes nothing; other content under it is refused and writes nothing', async () => {
    const first = await store.transact((trx) => ledger.postWithin(trx, threeLines));
    const postings = await postingCount();
    const replay = await store.transact((trx) => ledger.postWithin(trx, threeLines));
    expect(replay).toEqual({ entryId: first.entryId, created: false });
    expect(await ledger.post(threeLines)).toEqual({ entryId: first.entryId, created: false });
    const error = await expectRejection(store.transact((trx) => ledger.postWithin(trx, transfer('sale:T1:000001', 10_000n))), 'LEDGER_ERR_IDEMPOTENCY_CONFLICT');
    expect(error.details).toMatchObject({ entryId: first.entryId.toString() });
    expect(await postingCount()).toBe(postings);
    // A new key after all that posts as usual.
    const next = await ledger.post(transfer('sale:T1:000002', 500n));
    expect(next.created).toBe(true);
    expect(next.entryId).not.toBe(first.entryId);
    expect(await postingCount()).toBe(postings + 2n);
    await expectSoundLedger(fixture.ledger);
  });

  it('the most postings an entry may have, in one statement on PostgreSQL', async () => {
    const postings = Array.from({ length: 64 }, (_, index) => ({
      accountCode: index % 2 === 0 ? saleAccounts.receivable.code : saleAccounts.payable.code,
      amountMinor: (index % 2 === 0 ? 1n : -1n) * BigInt(index + 1 + (index % 2 === 0 ? 1 : 0)),
      currency: '156',
    }));
    const { result, count } = await statementsOf(() => store.transact((trx) => ledger.postWithin(trx, { ...transfer('sale:T1:000064', 1n), postings })));
    expect(count).toBe(database.name === 'postgres' ? 1 : 2);
    const entry = await fixture.ledger.entry(result.entryId);
    expect(entry?.postings.map((posting) => posting.amountMinor)).toEqual(postings.map((posting) => posting.amountMinor));
    await expectSoundLedger(fixture.ledger);
  });
});
