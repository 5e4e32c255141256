import type { Kysely, Transaction } from 'kysely';

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
  close(): Promise<void>;
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
