import { sql, type Kysely, type Transaction } from 'kysely';

/**
 * The store port. Domain modules speak Kysely (a typed query builder, not an ORM) and own their
 * tables: each module declares its migrations here, and the store adapter runs them in order.
 * One schema, two dialects — SQLite (embedded default) and PostgreSQL — so the few places where
 * the dialects differ (column types for bytes) go through `SqlDialect`.
 *
 * Conventions every module follows: money and counters are BIGINT and come back as `bigint`;
 * times are BIGINT epoch milliseconds; bytes are BLOB / BYTEA and come back as Buffer.
 */
export type SqlDialect = 'sqlite' | 'postgres';

export interface ModuleMigration {
  /** Unique within the module and sorted: `0001_accounts`, `0002_…`. */
  readonly name: string;
  up(db: Kysely<unknown>, dialect: SqlDialect): Promise<void>;
}

export interface ModuleMigrations {
  /** The owning module, e.g. `ledger`; its tables are prefixed with it. */
  readonly module: string;
  readonly migrations: readonly ModuleMigration[];
}

/** An open store: the query builder, which dialect it speaks, and how to close it. */
export interface Store {
  readonly dialect: SqlDialect;
  /** Typed for the caller's own tables; modules never query another module's tables. */
  db<Tables>(): Kysely<Tables>;
  /**
   * Runs `work` in a database transaction and settles only once that transaction is durably
   * committed. The store may commit several callers' units together (group commit: one fsync for
   * many); each unit still commits or rolls back as a whole, on its own. `work` must touch the
   * database only through `trx` and must not wait on anything slow outside it.
   */
  transact<Tables, T>(work: (trx: Transaction<Tables>) => Promise<T>): Promise<T>;
  /**
   * Settles once every commit made so far is durable; `undefined` when they all are already. A
   * store may let a commit's rows be read a moment before its fsync returns (SQLite's group
   * commit fsyncs off the event loop): whatever is answered from a read waits for this first.
   */
  whenDurable(): Promise<void> | undefined;
  /** How the store has committed so far, for `/metrics`; `undefined` where it does not group commits (PostgreSQL). */
  commitStats?(): CommitStats | undefined;
  /** When rows a service caches may have changed (`StoreChanges`, `EpochCache`). */
  readonly changes: StoreChanges;
  close(): Promise<void>;
}

/** Group commit since the store opened: transactions, the units in them, and the WAL fsyncs run off the event loop. */
export interface CommitStats {
  readonly groups: number;
  readonly units: number;
  readonly fsyncs: number;
  readonly fsyncSeconds: number;
  /** PostgreSQL: groups rolled back because a unit failed in them, their units then run again one by one. */
  readonly groupsRerun: number;
}

/**
 * What services that cache rows (the terminal, its merchant, its EMV parameter versions: read on
 * every request) need from the store to stay correct: an epoch that moves whenever a cached row
 * may have changed.
 */
export interface StoreChanges {
  /**
   * Changes whenever rows of the watched tables may have changed: a write announced with `wrote`,
   * or a commit to them by another process or node (the tables' triggers, `watchTableChanges`) —
   * on SQLite seen at once (`PRAGMA data_version`, then the triggers' counter), on PostgreSQL by
   * a notification, which arrives a moment after that commit. `undefined` while the store
   * cannot tell (PostgreSQL's listening connection is not up): cache nothing then.
   */
  epoch(): number | undefined;
  /**
   * Announces a write to a watched table: the epoch moves now and, when the write is inside `trx`,
   * again once that transaction has committed or rolled back (before its result is returned).
   */
  wrote(trx?: Transaction<unknown>): void;
}

/**
 * Runs `write`, a write to a watched table on `db` (a service's own handle or a caller's
 * transaction), announced to `changes`: before it starts and, once it has committed or rolled
 * back, again (by the store for a transaction, here for a write on its own).
 */
export async function announcedWrite<Tables, T>(changes: StoreChanges, db: Kysely<Tables>, write: () => Promise<T>): Promise<T> {
  const trx = db.isTransaction ? (db as unknown as Transaction<unknown>) : undefined;
  changes.wrote(trx);
  try {
    return await write();
  } finally {
    if (trx === undefined) changes.wrote();
  }
}

/** The channel the watched tables' triggers notify on PostgreSQL; the payload is the table's schema. */
export const STORE_CHANGES_CHANNEL = 'bastion_changes';

/** The statements a watched table's trigger fires on (`watchTableChanges`). */
export type WatchedTableEvent = 'insert' | 'update' | 'delete' | 'truncate';

const watchedTableEventsAll: readonly WatchedTableEvent[] = ['insert', 'update', 'delete', 'truncate'];

/**
 * Makes commits to `table` move every store's epoch (`StoreChanges.epoch`), for a migration of the
 * module that owns it: on PostgreSQL a statement-level trigger notifies `STORE_CHANGES_CHANNEL`
 * with the schema's name; on SQLite row-level triggers count the changes
 * (`watchTableChangesOnSqlite`). `events` narrows which statements notify, for a table whose
 * cached rows only updates and deletes can make stale (every statement by default).
 */
export async function watchTableChanges(db: Kysely<unknown>, dialect: SqlDialect, table: string, events: readonly WatchedTableEvent[] = watchedTableEventsAll): Promise<void> {
  if (dialect !== 'postgres') {
    await watchTableChangesOnSqlite(db, dialect, table, events);
    return;
  }
  checkWatched(table, events);
  await sql
    .raw(
      `create or replace function bastion_notify_change() returns trigger language plpgsql as $$ ` +
        `begin perform pg_notify('${STORE_CHANGES_CHANNEL}', tg_table_schema); return null; end $$`,
    )
    .execute(db);
  await sql.raw(`create trigger ${table}_notify_change after ${[...new Set(events)].join(' or ')} on ${table} for each statement execute function bastion_notify_change()`).execute(db);
}

/** The one-row table SQLite's triggers on the watched tables count commits in (`watchTableChangesOnSqlite`). */
export const STORE_CHANGE_COUNT_TABLE = 'store_change_count';

/**
 * The SQLite half of `watchTableChanges`, and nothing on PostgreSQL: for a migration that adds it
 * to a table watched before SQLite needed it (released migrations cannot change). Each insert,
 * update or delete of `table` (as `events` say) adds one to `STORE_CHANGE_COUNT_TABLE`'s only
 * row, in the same transaction, so a store tells a commit that may have changed a watched row
 * from one that cannot have (`SqliteChanges`), without asking on every commit by anyone.
 * SQLite has no TRUNCATE (a `delete` without `where` is one): `truncate` means `delete` here.
 * Idempotent: a database migrated from scratch runs it twice for each table.
 */
export async function watchTableChangesOnSqlite(db: Kysely<unknown>, dialect: SqlDialect, table: string, events: readonly WatchedTableEvent[] = watchedTableEventsAll): Promise<void> {
  if (dialect !== 'sqlite') return;
  checkWatched(table, events);
  await sql.raw(`create table if not exists ${STORE_CHANGE_COUNT_TABLE} (id integer primary key check (id = 1), n integer not null)`).execute(db);
  await sql.raw(`insert or ignore into ${STORE_CHANGE_COUNT_TABLE} (id, n) values (1, 0)`).execute(db);
  const rowEvents = new Set(events.map((event) => (event === 'truncate' ? 'delete' : event)));
  for (const event of rowEvents) {
    await sql
      .raw(`create trigger if not exists ${table}_count_${event} after ${event} on ${table} begin update ${STORE_CHANGE_COUNT_TABLE} set n = n + 1 where id = 1; end`)
      .execute(db);
  }
}

/** `table` and `events` go into DDL as text: only a plain table name and known events pass. */
function checkWatched(table: string, events: readonly WatchedTableEvent[]): void {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(table)) throw new Error(`not a table name: ${table}`);
  if (events.length === 0 || events.some((event) => !watchedTableEventsAll.includes(event))) throw new Error(`not trigger events: ${events.join(', ')}`);
}

/** The column type for bytes in each dialect. */
export function bytesColumn(dialect: SqlDialect): 'blob' | 'bytea' {
  return dialect === 'sqlite' ? 'blob' : 'bytea';
}

/**
 * Whether a database error is a unique-constraint violation, on either dialect: better-sqlite3
 * reports `SQLITE_CONSTRAINT_UNIQUE` (or `…_PRIMARYKEY`), PostgreSQL SQLSTATE 23505. Services insert
 * first and look up which value was taken afterwards, so that two hosts racing for the same id
 * get a coded error instead of a check-then-insert race.
 */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || !('code' in error)) return false;
  const { code } = error;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
