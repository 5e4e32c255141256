import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesColumn, type ModuleMigrations, type Store } from '../../ports/store.js';
import { migrateStore } from './migrate.js';
import { databases } from './test-databases.js';

interface SampleTables {
  sample_rows: { id: bigint; amount_minor: bigint; payload: Buffer; created_at_ms: bigint };
}

const sample: ModuleMigrations = {
  module: 'sample',
  migrations: [
    {
      name: '0001_rows',
      async up(db, dialect) {
        await db.schema
          .createTable('sample_rows')
          .addColumn('id', 'bigint', (column) => column.primaryKey())
          .addColumn('amount_minor', 'bigint', (column) => column.notNull())
          .addColumn('payload', bytesColumn(dialect), (column) => column.notNull())
          .addColumn('created_at_ms', 'bigint', (column) => column.notNull())
          .execute();
      },
    },
  ],
};

describe.each(databases)('store on $name', (database) => {
  let store: Store;
  beforeAll(async () => {
    store = await database.open([sample]);
  });
  afterAll(async () => {
    await store.close();
  });

  it('round-trips bigint money beyond 2^53 and bytes exactly', async () => {
    const db = store.db<SampleTables>();
    const big = 9_007_199_254_740_993n; // 2^53 + 1: a number would lose it
    await db.insertInto('sample_rows').values({ id: 1n, amount_minor: big, payload: Buffer.from([0, 1, 0xfe, 0xff]), created_at_ms: 1_700_000_000_000n }).execute();
    const row = await db.selectFrom('sample_rows').selectAll().where('id', '=', 1n).executeTakeFirstOrThrow();
    expect(row.amount_minor).toBe(big);
    expect(typeof row.id).toBe('bigint');
    expect(Buffer.from(row.payload)).toEqual(Buffer.from([0, 1, 0xfe, 0xff]));
  });

  it('runs each migration once', async () => {
    expect((await migrateStore(store, [sample])).applied).toEqual([]);
  });

  it('rolls a failed transaction back completely', async () => {
    const db = store.db<SampleTables>();
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('sample_rows').values({ id: 2n, amount_minor: 5n, payload: Buffer.alloc(1), created_at_ms: 0n }).execute();
        await trx.insertInto('sample_rows').values({ id: 2n, amount_minor: 6n, payload: Buffer.alloc(1), created_at_ms: 0n }).execute();
      }),
    ).rejects.toThrow();
    const count = await db.selectFrom('sample_rows').select(sql<bigint>`count(*)`.as('n')).executeTakeFirstOrThrow();
    expect(count.n).toBe(1n);
  });
});
