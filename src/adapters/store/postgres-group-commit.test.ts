import { sql, type Kysely, type Transaction } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModuleMigrations, Store } from '../../ports/store.js';
import { PostgresGroupCommitter } from './postgres-group-commit.js';
import { allTestDatabases, isPostgresAvailable, openSecondStore } from './test-databases.js';

interface GroupTables {
  group_rows: { id: bigint; note: string };
}

const rows: ModuleMigrations = {
  module: 'group_sample',
  migrations: [
    {
      name: '0001_rows',
      async up(db) {
        await db.schema
          .createTable('group_rows')
          .addColumn('id', 'bigint', (column) => column.primaryKey())
          .addColumn('note', 'text', (column) => column.notNull())
          .execute();
      },
    },
  ],
};

const postgres = allTestDatabases.find((database) => database.name === 'postgres');
const available = await isPostgresAvailable();

/** The id of the database transaction a unit runs in. */
async function transactionId(trx: Transaction<unknown>): Promise<string> {
  const { rows: [row] } = await sql<{ id: string }>`select txid_current()::text as id`.execute(trx);
  return row?.id ?? '';
}

async function insert(trx: Transaction<unknown>, id: bigint, note = 'unit'): Promise<string> {
  await (trx as unknown as Transaction<GroupTables>).insertInto('group_rows').values({ id, note }).execute();
  return transactionId(trx);
}

async function idsIn(db: Kysely<GroupTables>): Promise<bigint[]> {
  return (await db.selectFrom('group_rows').select('id').orderBy('id').execute()).map((row) => row.id);
}

describe.runIf(available && postgres !== undefined)('PostgreSQL group commit', () => {
  let store: Store;
  let other: Store;
  let db: Kysely<GroupTables>;
  beforeAll(async () => {
    store = await (postgres?.open([rows]) ?? Promise.reject(new Error('no PostgreSQL')));
    other = openSecondStore(store);
    db = store.db<GroupTables>();
  });
  afterAll(async () => {
    await other.close();
    await store.close();
  });

  it('runs the units that arrive together in one transaction, and each unit settles once it has committed', async () => {
    await db.deleteFrom('group_rows').execute();
    const committer = new PostgresGroupCommitter(store.db(), () => undefined, 1);
    const seenAfterCommit: bigint[][] = [];
    const units = [1n, 2n, 3n, 4n].map((id) =>
      committer.run((trx) => insert(trx, id)).then(async (txid) => {
        // Settled: another connection sees the unit's row.
        seenAfterCommit.push(await idsIn(other.db<GroupTables>()));
        return txid;
      }),
    );
    const txids = await Promise.all(units);
    expect(new Set(txids).size).toBe(1);
    expect(committer.stats).toMatchObject({ groups: 1, units: 4, fsyncs: 0 });
    for (const seen of seenAfterCommit) expect(seen).toEqual([1n, 2n, 3n, 4n]);
  });

  it('takes the units that wait while the groups allowed are running into the next group', async () => {
    await db.deleteFrom('group_rows').execute();
    const committer = new PostgresGroupCommitter(store.db(), () => undefined, 1);
    let releaseFirst: () => void = () => undefined;
    const firstHeld = new Promise<void>((resolve) => { releaseFirst = resolve; });
    const first = committer.run(async (trx) => {
      await firstHeld;
      return insert(trx, 10n);
    });
    await new Promise((resolve) => setImmediate(resolve));
    // The only group allowed is running: these wait, then share the next transaction.
    const later = [11n, 12n, 13n].map((id) => committer.run((trx) => insert(trx, id)));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await idsIn(other.db<GroupTables>())).toEqual([]);
    releaseFirst();
    const [firstTxid, ...laterTxids] = await Promise.all([first, ...later]);
    expect(new Set(laterTxids).size).toBe(1);
    expect(laterTxids[0]).not.toBe(firstTxid);
    expect(committer.stats).toMatchObject({ groups: 2, units: 4 });
  });

  it('runs as many groups at once as allowed, each on its own connection', async () => {
    await db.deleteFrom('group_rows').execute();
    const committer = new PostgresGroupCommitter(store.db(), () => undefined, 2);
    let running = 0;
    let mostAtOnce = 0;
    const slowUnit = (id: bigint) => async (trx: Transaction<unknown>): Promise<string> => {
      running += 1;
      mostAtOnce = Math.max(mostAtOnce, running);
      await sql`select pg_sleep(0.05)`.execute(trx);
      running -= 1;
      return insert(trx, id);
    };
    const first = committer.run(slowUnit(20n));
    await new Promise((resolve) => setImmediate(resolve));
    const second = committer.run(slowUnit(21n));
    await new Promise((resolve) => setImmediate(resolve));
    const third = committer.run(slowUnit(22n));
    const txids = await Promise.all([first, second, third]);
    expect(mostAtOnce).toBe(2);
    expect(new Set(txids).size).toBe(3);
    expect(await idsIn(db)).toEqual([20n, 21n, 22n]);
  });

  it('rolls a group back when one unit fails and runs every unit again alone: only the failing one fails', async () => {
    await db.deleteFrom('group_rows').execute();
    await db.insertInto('group_rows').values({ id: 31n, note: 'there before' }).execute();
    const committer = new PostgresGroupCommitter(store.db(), () => undefined, 1);
    const attempts = new Map<bigint, number>();
    const unit = (id: bigint) => (trx: Transaction<unknown>): Promise<string> => {
      attempts.set(id, (attempts.get(id) ?? 0) + 1);
      return insert(trx, id);
    };
    const outcomes = await Promise.allSettled([30n, 31n, 32n].map((id) => committer.run(unit(id))));
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((outcomes[1] as PromiseRejectedResult).reason)).toMatch(/duplicate key/);
    // 30 ran in the group (rolled back) and again alone; 32 never ran in the group (it came after the failure).
    expect(Object.fromEntries([...attempts].map(([id, n]) => [String(id), n]))).toEqual({ '30': 2, '31': 2, '32': 1 });
    expect(committer.stats.groupsRerun).toBe(1);
    const stored = await db.selectFrom('group_rows').select(['id', 'note']).orderBy('id').execute();
    expect(stored).toEqual([{ id: 30n, note: 'unit' }, { id: 31n, note: 'there before' }, { id: 32n, note: 'unit' }]);
  });

  it('tells the store of every transaction it ended, committed or rolled back', async () => {
    await db.deleteFrom('group_rows').execute();
    const ended: (Transaction<unknown> | undefined)[] = [];
    const committer = new PostgresGroupCommitter(store.db(), (trx) => { ended.push(trx); }, 1);
    await Promise.allSettled([40n, 40n].map((id) => committer.run((trx) => insert(trx, id))));
    // The group (rolled back), then each unit alone: the first commits, the second fails.
    expect(ended).toHaveLength(3);
    expect(ended.every((trx) => trx !== undefined)).toBe(true);
    expect(await idsIn(db)).toEqual([40n]);
  });

  it('groups the store’s own units: transact shares transactions under load', async () => {
    await db.deleteFrom('group_rows').execute();
    const txids = await Promise.all([50n, 51n, 52n, 53n, 54n, 55n].map((id) => store.transact<GroupTables, string>((trx) => insert(trx as unknown as Transaction<unknown>, id))));
    // The test store's pool has 4 connections, so 2 groups run at once: fewer transactions than units.
    expect(new Set(txids).size).toBeLessThan(txids.length);
    expect(await idsIn(db)).toEqual([50n, 51n, 52n, 53n, 54n, 55n]);
  });

  it('refuses a group limit below one', () => {
    expect(() => new PostgresGroupCommitter(store.db(), () => undefined, 0)).toThrow(RangeError);
  });
});
