import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type SqliteDatabase as KyselySqliteDatabase, type Transaction } from 'kysely';
import pg from 'pg';
import { BastionError } from '../../lib/errors/index.js';
import { isPreparedSqlText } from '../../ports/prepared-query.js';
import type { CommitStats, SqlDialect, Store } from '../../ports/store.js';
import { GroupCommitter, type WriteTurn } from './group-commit.js';
import { PostgresGroupCommitter } from './postgres-group-commit.js';
import { ImmediateSqliteDialect } from './immediate-sqlite-dialect.js';
import { PostgresChanges } from './postgres-changes.js';
import { SqliteChanges, sqliteChangeCounter, type LocalChanges } from './store-changes.js';
import { WAL_AUTOCHECKPOINT_BACKSTOP_PAGES, WalCheckpointer } from './wal-checkpointer.js';
import { WalSync } from './wal-sync.js';
import { ConnectionWriteTurn, SharedWriteTurn } from './write-turn.js';

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
  /**
   * SQLite: checkpoint the WAL from a worker thread (wal-checkpointer.ts) instead of inside the
   * host's commits. For the long-running host; off by default (a CLI command or test does not
   * need a thread).
   */
  readonly sqliteBackgroundCheckpoints?: boolean;
  /**
   * SQLite: another connection of this process checkpoints the WAL in the background (the host
   * thread's store, when the main thread's store has `sqliteBackgroundCheckpoints`): this
   * connection's automatic checkpoint is only the backstop (WAL_AUTOCHECKPOINT_BACKSTOP_PAGES), so
   * that its commits do not run checkpoints on its event loop either.
   */
  readonly sqliteCheckpointsElsewhere?: boolean;
  /**
   * SQLite's page cache for this connection, MiB (16 in better-sqlite3's build). The host's inserts land
   * at scattered places of several indexes; a larger cache keeps their pages in memory
   * (measured: the sale's inserts 10–15% cheaper with 64 MiB).
   */
  readonly sqliteCacheMiB?: number;
  /**
   * SQLite, for several threads of one process each with its own store on the same file: the
   * buffer of a `SharedWriteTurn` (write-turn.ts) they all share. Every transaction on the store
   * (a group commit, or a plain `db().transaction()`) then waits, without blocking the event loop,
   * for its turn as it begins and gives it up once it has committed or rolled back, and a write
   * outside any transaction takes the turn for its one statement (immediate-sqlite-dialect.ts). The
   * threads never meet SQLite's write lock held by each other, which would put the waiting thread's
   * event loop to sleep in the busy handler, or fail a transaction whose snapshot went stale.
   * Transactions begin `IMMEDIATE`. Ignored on PostgreSQL.
   */
  readonly sqliteWriteTurn?: SharedArrayBuffer;
}

/** The host's SQLite page cache (`serve`). */
export const SQLITE_HOST_CACHE_MIB = 64;

// PostgreSQL returns BIGINT as text by default; Bastion keeps money and counters as bigint.
pg.types.setTypeParser(pg.types.builtins.INT8, (text) => BigInt(text));

/** better-sqlite3 statements kept per SQL text; the host's hot path uses a few dozen. */
export const SQLITE_STATEMENTS_CACHED_MAX = 512;

/** What a store is made of besides its query builder: SQLite's fsync, checkpoint thread and write turn, PostgreSQL's groups at once. */
interface StoreParts {
  readonly walSync?: WalSync;
  readonly checkpointer?: WalCheckpointer;
  readonly writeTurn?: WriteTurn;
  readonly postgresGroupsMax?: number;
}

class KyselyStore implements Store {
  readonly #groupCommit: GroupCommitter | PostgresGroupCommitter;

  constructor(
    readonly dialect: SqlDialect,
    private readonly kysely: Kysely<unknown>,
    readonly changes: LocalChanges & { close?: () => Promise<void> },
    private readonly parts: StoreParts,
  ) {
    // SQLite has one writer: units share its commits one group after another. PostgreSQL runs
    // several groups at once, each on a connection of its pool.
    const settled = (trx: Transaction<unknown> | undefined): void => { changes.settled(trx); };
    this.#groupCommit = dialect === 'sqlite' ? new GroupCommitter(kysely, settled, parts.walSync, parts.writeTurn) : new PostgresGroupCommitter(kysely, settled, parts.postgresGroupsMax ?? 1);
  }

  whenDurable(): Promise<void> | undefined {
    // PostgreSQL's COMMIT returns once the commit is durable: nothing committed waits.
    return this.#groupCommit instanceof GroupCommitter ? this.#groupCommit.whenDurable() : undefined;
  }

  commitStats(): CommitStats | undefined {
    return this.#groupCommit.stats;
  }

  db<Tables>(): Kysely<Tables> {
    return this.kysely as unknown as Kysely<Tables>;
  }

  transact<Tables, T>(work: (trx: Transaction<Tables>) => Promise<T>): Promise<T> {
    return this.#groupCommit.run(work as unknown as (trx: Transaction<unknown>) => Promise<T>);
  }

  async close(): Promise<void> {
    await this.changes.close?.();
    await this.parts.checkpointer?.stop();
    await this.kysely.destroy();
    await this.parts.walSync?.close();
  }
}

/**
 * The database as Kysely's SQLite driver sees it, with prepared statements kept by SQL text:
 * Kysely prepares every query it runs, and preparing costs more than running a small indexed
 * query. A statement is reused only after its previous run has finished (the driver runs one query
 * at a time on its single connection); SQLite re-prepares it by itself after a schema change.
 */
function withStatementCache(database: SqliteDatabase.Database): KyselySqliteDatabase {
  const statements = new Map<string, SqliteDatabase.Statement>();
  return {
    prepare(text: string) {
      let statement = statements.get(text);
      if (statement === undefined) {
        statement = database.prepare(text);
        if (statements.size >= SQLITE_STATEMENTS_CACHED_MAX) {
          const oldest = statements.keys().next().value;
          if (oldest !== undefined) statements.delete(oldest);
        }
        statements.set(text, statement);
      }
      return statement;
    },
    close() {
      statements.clear();
      database.close();
    },
  };
}

/** Names for prepared statements, by SQL text: short, stable within the process, never reused for another text. */
const statementNames = new Map<string, string>();

function statementNameOf(text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `bastion_${statementNames.size.toString(36)}`;
    statementNames.set(text, name);
  }
  return name;
}

/**
 * A PostgreSQL client that runs the hot path's prepared queries as named statements: the server
 * parses and plans each once per connection and then only binds and executes it. Only template
 * texts (a finite set, `isPreparedSqlText`) are named, so a connection's prepared statements stay
 * bounded; everything else runs unnamed as before.
 */
class NamingClient extends pg.Client {
  /** Statements this session had to prepare again under a new name, by SQL text (see `#renamed`). */
  readonly #renamed = new Map<string, string>();
  #renames = 0;

  override query(config: unknown, values?: unknown, callback?: unknown): never {
    const query = super.query.bind(this) as (config: unknown, values?: unknown, callback?: unknown) => Promise<unknown>;
    if (typeof config === 'string' && Array.isArray(values) && callback === undefined && isPreparedSqlText(config)) {
      return this.#runNamed(query, config, values) as never;
    }
    return query(config, values, callback) as never;
  }

  /**
   * A migration run while this session holds a prepared `select *` (or `returning *`) changes its
   * result type, and PostgreSQL refuses to run it again ("cached plan must not change result type",
   * 0A000). The session then prepares the text under a new name (the old one may not be deallocated
   * inside a failed transaction), and runs it again at once when no transaction is open; inside a
   * transaction the error stands, that transaction fails as a whole, and the next one succeeds.
   */
  async #runNamed(query: (config: unknown) => Promise<unknown>, text: string, values: unknown[]): Promise<unknown> {
    const name = this.#renamed.get(text) ?? statementNameOf(text);
    try {
      return await query({ name, text, values });
    } catch (error) {
      if ((error as { code?: unknown }).code !== '0A000') throw error;
      this.#renames += 1;
      this.#renamed.set(text, `${statementNameOf(text)}_${this.#renames}`);
      if (this.getTransactionStatus() !== 'I') throw error;
      return query({ name: this.#renamed.get(text), text, values });
    }
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
    // Savepoint journals in memory, not in temporary files: a group commit runs each unit in its own
    // savepoint, and each savepoint keeps the original of every page it changes first. Past 64 KiB
    // SQLite spilled them to a new temporary file per group transaction (a page write syscall each:
    // half of the host's file writes at full load). What this connection sorts or builds in temporary
    // tables is held in memory too: Bastion's queries read bounded pages or small sets.
    database.pragma('temp_store = MEMORY');
    if (options.sqliteCacheMiB !== undefined) database.pragma(`cache_size = ${-Math.floor(options.sqliteCacheMiB * 1024)}`);
    database.defaultSafeIntegers(true);
    const dataVersion = database.prepare('pragma data_version').pluck();
    const changes = new SqliteChanges(() => dataVersion.get(), sqliteChangeCounter(database));
    // In WAL mode with FULL, the group commit's fsync runs in the thread pool (wal-sync.ts).
    const inWal = String(database.pragma('journal_mode', { simple: true })).toLowerCase() === 'wal';
    const walSync = inWal && options.sqliteSynchronous !== 'normal' ? new WalSync(`${location.sqliteFile}-wal`) : undefined;
    const checkpointer = inWal && options.sqliteBackgroundCheckpoints === true ? WalCheckpointer.start(database, location.sqliteFile) : undefined;
    if (inWal && checkpointer === undefined && options.sqliteCheckpointsElsewhere === true) database.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_BACKSTOP_PAGES}`);
    const writeTurn = options.sqliteWriteTurn === undefined ? undefined : new ConnectionWriteTurn(SharedWriteTurn.attach(options.sqliteWriteTurn));
    // Sharing the file in turns, transactions take SQLite's write lock as they begin (immediate-sqlite-dialect.ts).
    const dialectConfig = { database: withStatementCache(database) };
    const dialect = writeTurn === undefined ? new SqliteDialect(dialectConfig) : new ImmediateSqliteDialect(dialectConfig, writeTurn);
    return new KyselyStore('sqlite', new Kysely<unknown>({ dialect }), changes, {
      ...(walSync === undefined ? {} : { walSync }),
      ...(checkpointer === undefined ? {} : { checkpointer }),
      ...(writeTurn === undefined ? {} : { writeTurn }),
    });
  }
  const schema = location.schema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new BastionError('STORE_ERR_CONFIG', 'the PostgreSQL schema name must be lower-case letters, digits and _', { argument: 'schema' });
  }
  const connection = { connectionString: location.postgresUrl, ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }) };
  const poolSize = options.poolSize ?? 10;
  const pool = new pg.Pool({ ...connection, max: poolSize, Client: NamingClient });
  // Half the pool runs group commits (postgres-group-commit.ts); the rest serves reads outside transactions.
  const postgresGroupsMax = Math.max(1, Math.ceil(poolSize / 2));
  return new KyselyStore('postgres', new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) }), new PostgresChanges(connection), { postgresGroupsMax });
}
