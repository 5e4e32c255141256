import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { BastionError } from '../../lib/errors/index.js';
import type { SqlDialect, Store } from '../../ports/store.js';

/** Where the store lives: a SQLite file (the embedded default) or a PostgreSQL URL. */
export type StoreLocation = { readonly sqliteFile: string } | { readonly postgresUrl: string; readonly schema?: string };

export interface StoreOptions {
  /**
   * SQLite durability. `full` (the default) fsyncs every commit in WAL mode, so an acknowledged
   * transaction survives power loss; `normal` is faster and survives a process crash only.
   */
  readonly sqliteSynchronous?: 'full' | 'normal';
  /** PostgreSQL pool size (default 10). */
  readonly poolSize?: number;
}

// PostgreSQL returns BIGINT as text by default; Bastion keeps money and counters as bigint.
pg.types.setTypeParser(pg.types.builtins.INT8, (text) => BigInt(text));

class KyselyStore implements Store {
  constructor(
    readonly dialect: SqlDialect,
    private readonly kysely: Kysely<unknown>,
  ) {}

  db<Tables>(): Kysely<Tables> {
    return this.kysely as unknown as Kysely<Tables>;
  }

  async close(): Promise<void> {
    await this.kysely.destroy();
  }
}

/** The store location from the environment: DATABASE_URL selects PostgreSQL, else BASTION_DB or the data dir's file. */
export function storeLocationFromEnvironment(environment: NodeJS.ProcessEnv, dataDir: string): StoreLocation {
  const url = environment['DATABASE_URL'];
  if (url !== undefined && url !== '') return { postgresUrl: url };
  return { sqliteFile: environment['BASTION_DB'] ?? `${dataDir}/bastion.sqlite` };
}

export function openStore(location: StoreLocation, options: StoreOptions = {}): Store {
  if ('sqliteFile' in location) {
    if (location.sqliteFile !== ':memory:') mkdirSync(dirname(location.sqliteFile), { recursive: true });
    const database = new SqliteDatabase(location.sqliteFile);
    database.pragma('journal_mode = WAL');
    database.pragma(`synchronous = ${options.sqliteSynchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    database.pragma('foreign_keys = ON');
    database.pragma('busy_timeout = 5000');
    database.defaultSafeIntegers(true);
    return new KyselyStore('sqlite', new Kysely<unknown>({ dialect: new SqliteDialect({ database }) }));
  }
  const schema = location.schema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new BastionError('STORE_ERR_CONFIG', 'the PostgreSQL schema name must be lower-case letters, digits and _', { argument: 'schema' });
  }
  const pool = new pg.Pool({
    connectionString: location.postgresUrl,
    max: options.poolSize ?? 10,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  return new KyselyStore('postgres', new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) }));
}
