import { existsSync, readFileSync } from 'node:fs';
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

/**
 * Every byte the store holds, for the canary scans: on SQLite the database file with its WAL and
 * shared-memory index, raw; on PostgreSQL every row of every table in the store's schema as text
 * (bytea as hex), each table's rows after its name.
 */
export async function storedBytes(store: Store): Promise<Buffer> {
  if (store.dialect === 'sqlite') {
    const file = await sqliteFileOf(store);
    return Buffer.concat([file, `${file}-wal`, `${file}-shm`].filter((path) => existsSync(path)).map((path) => readFileSync(path)));
  }
  const schema = await postgresSchemaOf(store);
  const tables = await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = ${schema}`.execute(store.db());
  const parts: string[] = [];
  for (const { name } of tables.rows) {
    const rows = await sql<{ row: string }>`select t::text as row from ${sql.table(name)} as t`.execute(store.db());
    parts.push(name, ...rows.rows.map((row) => row.row));
  }
  return Buffer.from(parts.join('\n'), 'utf8');
}
