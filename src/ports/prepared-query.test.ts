import fc from 'fast-check';
import { sql, type Generated, type Insertable } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databases } from '../adapters/store/test-databases.js';
import { definedColumns, placeholders, PreparedQuery } from './prepared-query.js';
import type { Store } from './store.js';

interface Tables {
  pq_rows: { id: string; amount_minor: bigint; note: string | null; status: Generated<string>; data: Buffer | null };
}
type NewRow = Insertable<Tables['pq_rows']>;

const insertRow = new PreparedQuery<Tables, NewRow, { id: string }>(
  (db, arg, row) => db.insertInto('pq_rows').values(placeholders(row, arg)).onConflict((c) => c.doNothing()).returning('id'),
  definedColumns,
);
const byStatusAbove = new PreparedQuery<Tables, { status: string; minMinor: bigint }, { id: string; amount_minor: bigint }>((db, arg) =>
  db
    .selectFrom('pq_rows')
    .select(['id', 'amount_minor'])
    .where('status', '=', arg('status'))
    .where('amount_minor', '>', arg('minMinor'))
    // A constant the build puts there itself is kept as it was compiled.
    .where('id', '<>', 'never')
    .orderBy('id'),
);
const debit = new PreparedQuery<Tables, { id: string; amountMinor: bigint }, { amount_minor: bigint }>((db, arg) =>
  db
    .updateTable('pq_rows')
    .set({ amount_minor: sql<bigint>`amount_minor - cast(${arg('amountMinor')} as bigint)` })
    .where('id', '=', arg('id'))
    .where(sql<boolean>`amount_minor >= cast(${arg('amountMinor')} as bigint)`)
    .returning('amount_minor'),
);

describe.each(databases)('PreparedQuery on $name', (database) => {
  let store: Store;
  beforeEach(async () => {
    store = await database.open([]);
    const blob = database.name === 'sqlite' ? sql`blob` : sql`bytea`;
    await sql`create table pq_rows (id text primary key, amount_minor bigint not null, note text, status text not null default 'open', data ${blob})`.execute(store.db());
  });
  afterEach(async () => {
    await store.close();
  });

  it('inserts rows of several shapes, leaving an undefined column to its default', async () => {
    const db = store.db<Tables>();
    expect(await insertRow.first(db, { id: 'a', amount_minor: 100n })).toEqual({ id: 'a' });
    expect(await insertRow.first(db, { id: 'b', amount_minor: 250n, note: 'second', status: 'held', data: Buffer.from([0, 1, 255]) })).toEqual({ id: 'b' });
    expect(await insertRow.first(db, { id: 'c', amount_minor: 7n, status: 'open', ...({ note: undefined } as object) })).toEqual({ id: 'c' });
    // The conflict clause is part of the template: a second 'a' is not inserted.
    expect(await insertRow.first(db, { id: 'a', amount_minor: 1n })).toBeUndefined();
    const rows = await db.selectFrom('pq_rows').selectAll().orderBy('id').execute();
    expect(rows.map((row) => [row.id, row.amount_minor, row.note, row.status, row.data === null ? null : Buffer.from(row.data).toString('hex')])).toEqual([
      ['a', 100n, null, 'open', null],
      ['b', 250n, 'second', 'held', '0001ff'],
      ['c', 7n, null, 'open', null],
    ]);
  });

  it('answers as the same query built by hand, for any values (property)', async () => {
    const db = store.db<Tables>();
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.record({ id: fc.stringMatching(/^[a-z0-9]{1,8}$/), amountMinor: fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }), status: fc.constantFrom('open', 'held') }), {
          selector: (row) => row.id,
          maxLength: 12,
        }),
        fc.constantFrom('open', 'held'),
        fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }),
        async (rows, status, minMinor) => {
          await db.deleteFrom('pq_rows').execute();
          for (const row of rows) await insertRow.run(db, { id: row.id, amount_minor: row.amountMinor, status: row.status });
          const byHand = await db.selectFrom('pq_rows').select(['id', 'amount_minor']).where('status', '=', status).where('amount_minor', '>', minMinor).where('id', '<>', 'never').orderBy('id').execute();
          expect(await byStatusAbove.rows(db, { status, minMinor })).toEqual(byHand);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('binds one argument used twice in both places, and runs inside a transaction', async () => {
    await insertRow.run(store.db(), { id: 'acct', amount_minor: 500n });
    const first = await store.transact<Tables, { amount_minor: bigint } | undefined>((trx) => debit.first(trx, { id: 'acct', amountMinor: 300n }));
    expect(first).toEqual({ amount_minor: 200n });
    // Not enough left: the guard with the same argument refuses it.
    expect(await debit.first(store.db(), { id: 'acct', amountMinor: 300n })).toBeUndefined();
    expect((await store.db<Tables>().selectFrom('pq_rows').select('amount_minor').executeTakeFirstOrThrow()).amount_minor).toBe(200n);
  });

  it('refuses a template whose argument is inlined into the SQL text or not used at all', async () => {
    const inlined = new PreparedQuery<Tables, { status: string }, { id: string }>((db, arg) =>
      db.selectFrom('pq_rows').select('id').where(sql<boolean>`status = ${sql.lit(arg('status'))}`),
    );
    await expect(inlined.rows(store.db(), { status: 'open' })).rejects.toMatchObject({ code: 'STORE_ERR_PREPARED' });
    const dropped = new PreparedQuery<Tables, { status: string; id: string }, { id: string }>((db, arg) => {
      arg('id');
      return db.selectFrom('pq_rows').select('id').where('status', '=', arg('status'));
    });
    await expect(dropped.rows(store.db(), { status: 'open', id: 'x' })).rejects.toMatchObject({ code: 'STORE_ERR_PREPARED', message: expect.stringContaining('id') });
  });
});
