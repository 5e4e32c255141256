import { sql, type Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PreparedQuery, type ArgumentOf } from '../../ports/prepared-query.js';
import type { Store } from '../../ports/store.js';
import { databases } from './test-databases.js';

interface Tables {
  ns_rows: { id: string; note: string };
}

const noteById = new PreparedQuery((db: Kysely<Tables>, arg: ArgumentOf<{ id: string }>) => db.selectFrom('ns_rows').select('note').where('id', '=', arg('id')));

/** The statements this connection has prepared (PostgreSQL keeps them per session). */
async function preparedOnConnection(db: Kysely<Tables>): Promise<string[]> {
  const result = await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(db);
  return result.rows.map((row) => row.statement);
}

describe.each(databases.filter((database) => database.name === 'postgres'))('named statements on $name', (database) => {
  let store: Store;
  beforeEach(async () => {
    store = await database.open([]);
    await sql`create table ns_rows (id text primary key, note text not null)`.execute(store.db());
    await sql`insert into ns_rows values ('a', 'first'), ('b', 'second')`.execute(store.db());
  });
  afterEach(async () => {
    await store.close();
  });

  it("prepares a prepared query's SQL once per connection and answers with each run's values; ad-hoc queries stay unnamed", async () => {
    // One transaction is one connection: everything below runs on the same session.
    const seen = await store.transact<Tables, { notes: (string | undefined)[]; prepared: string[] }>(async (trx) => {
      const notes = [(await noteById.first(trx, { id: 'a' }))?.note, (await noteById.first(trx, { id: 'b' }))?.note, (await noteById.first(trx, { id: 'zz' }))?.note];
      await trx.selectFrom('ns_rows').select('id').where('note', '=', 'second').execute();
      return { notes, prepared: await preparedOnConnection(trx) };
    });
    expect(seen.notes).toEqual(['first', 'second', undefined]);
    expect(seen.prepared).toEqual(['select "note" from "ns_rows" where "id" = $1']);
  });
});

interface WiderTables {
  ns_rows: { id: string; note: string; extra: string | null };
}

const rowById = new PreparedQuery((db: Kysely<WiderTables>, arg: ArgumentOf<{ id: string }>) => db.selectFrom('ns_rows').selectAll().where('id', '=', arg('id')));

describe.each(databases.filter((database) => database.name === 'postgres'))('named statements across a migration on $name', (database) => {
  let store: Store;
  beforeEach(async () => {
    store = await database.open([]);
    await sql`create table ns_rows (id text primary key, note text not null)`.execute(store.db());
    await sql`insert into ns_rows values ('a', 'first')`.execute(store.db());
  });
  afterEach(async () => {
    await store.close();
  });

  it('a select * prepared before a column is added answers with the new column, outside and inside a transaction', async () => {
    // Prepare it on the session, then change the table's row type under it, as a migration run
    // by another node or by `bastion migrate` would.
    const before = await store.transact<WiderTables, unknown>(async (trx) => {
      const row = await rowById.first(trx, { id: 'a' });
      await sql`alter table ns_rows add column extra text`.execute(trx);
      return row;
    });
    expect(before).toEqual({ id: 'a', note: 'first' });
    // Outside a transaction the statement is prepared again and answers at once, on every connection of the pool.
    const outside = await Promise.all(Array.from({ length: 8 }, () => rowById.first(store.db(), { id: 'a' })));
    expect(outside).toEqual(Array.from({ length: 8 }, () => ({ id: 'a', note: 'first', extra: null })));
    // Inside a transaction on a session that still held the old plan, that transaction fails whole; the next one succeeds.
    await sql`alter table ns_rows drop column extra`.execute(store.db());
    const results: unknown[] = [];
    for (let attempt = 0; attempt < 2; attempt += 1) {
      results.push(await store.transact<WiderTables, unknown>((trx) => rowById.first(trx, { id: 'a' })).catch((error: unknown) => (error as { code?: string }).code));
    }
    expect(results.at(-1)).toEqual({ id: 'a', note: 'first' });
  });
});
