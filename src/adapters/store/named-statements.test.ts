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
