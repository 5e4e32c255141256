import { sql } from 'kysely';
import { openStore } from '../../adapters/store/open-store.js';
import { testPostgresUrl } from '../../adapters/store/test-databases.js';
import type { Store } from '../../ports/store.js';

/**
 * Test support (left out of the build): where a test store lives, so a test can open a second,
 * independent connection pool on it (two "hosts") or read its raw files.
 */
export async function sqliteFileOf(store: Store): Promise<string> {
  const result = await sql<{ name: string; file: string }>`pragma database_list`.execute(store.db());
  const main = result.rows.find((row) => row.name === 'main');
  if (main === undefined || main.file === '') throw new Error('not a SQLite file store');
  return main.file;
}

export async function postgresSchemaOf(store: Store): Promise<string> {
  const result = await sql<{ schema: string }>`select current_schema() as schema`.execute(store.db());
  const schema = result.rows[0]?.schema;
  if (schema === undefined) throw new Error('no current schema');
  return schema;
}

/** A second store on the same database (no migrations: the first one ran them). */
export async function secondStoreOn(store: Store): Promise<Store> {
  return store.dialect === 'sqlite'
    ? openStore({ sqliteFile: await sqliteFileOf(store) })
    : openStore({ postgresUrl: testPostgresUrl, schema: await postgresSchemaOf(store) }, { poolSize: 4 });
}
