import type SqliteDatabase from 'better-sqlite3';
import type { Transaction } from 'kysely';
import { STORE_CHANGE_COUNT_TABLE, type StoreChanges } from '../../ports/store.js';

/**
 * The part of `StoreChanges` both dialects share: a counter that writes announced in this process
 * move, now and once their transaction has settled (`settled`, called by the store after every
 * transaction it ran, committed or not, before the caller hears of it).
 */
export abstract class LocalChanges implements StoreChanges {
  #count = 0;
  readonly #pending = new WeakSet<Transaction<unknown>>();

  abstract epoch(): number | undefined;

  wrote(trx?: Transaction<unknown>): void {
    this.#count += 1;
    if (trx !== undefined) this.#pending.add(trx);
  }

  /** `trx` has committed or rolled back: what was cached while it was open may be stale. */
  settled(trx: Transaction<unknown> | undefined): void {
    if (trx === undefined || !this.#pending.has(trx)) return;
    this.#pending.delete(trx);
    this.#count += 1;
  }

  /** Moves the epoch for a change this process did not make. */
  protected moved(): void {
    this.#count += 1;
  }

  protected get count(): number {
    return this.#count;
  }
}

/**
 * SQLite: another connection's commit (another process, a CLI command, a sibling worker thread)
 * moves `PRAGMA data_version`; only when it has moved is the watched tables' change counter read
 * (`watchTableChangesOnSqlite`), and the epoch moves only when that counter has too. So the
 * siblings' many commits to other tables leave the caches alone, and a read of `data_version`
 * (about a microsecond) stays the whole cost of an epoch while nobody else commits.
 * `changeCount` answers `undefined` while the counter cannot be read (a database not migrated
 * yet): then every other connection's commit moves the epoch. This connection's own commits to
 * watched tables count too (they are announced already): the next commit by another connection
 * then moves the epoch once more, which costs a cache refill, never a stale row.
 */
export class SqliteChanges extends LocalChanges {
  #dataVersion: unknown;
  #changeCount: unknown;

  constructor(
    private readonly dataVersion: () => unknown,
    private readonly changeCount: () => unknown,
  ) {
    super();
    // The counter after the version: a commit between the two reads is then counted in the
    // counter seen, and a row read after this epoch includes it.
    this.#dataVersion = dataVersion();
    this.#changeCount = changeCount();
  }

  epoch(): number {
    const version = this.dataVersion();
    if (version === this.#dataVersion) return this.count;
    this.#dataVersion = version;
    const changeCount = this.changeCount();
    // Not greater: a counter that went back (a rolled-back own transaction seen while open) also changed.
    if (changeCount === undefined || changeCount !== this.#changeCount) this.moved();
    this.#changeCount = changeCount;
    return this.count;
  }
}

/**
 * Reads the watched tables' change counter on `database`; `undefined` while its table does not
 * exist (a store opened before its migrations ran). Prepared on first success, since the
 * migrations may create the table after the store opened, on this connection or another.
 */
export function sqliteChangeCounter(database: Pick<SqliteDatabase.Database, 'prepare'>): () => unknown {
  let statement: SqliteDatabase.Statement | undefined;
  return () => {
    try {
      statement ??= database.prepare(`select n from ${STORE_CHANGE_COUNT_TABLE} where id = 1`).pluck();
      // A bigint (safe integers); compared with `!==`, which compares bigints by value.
      return statement.get();
    } catch (error) {
      if (!isMissingTable(error)) throw error;
      statement = undefined;
      return undefined;
    }
  };
}

function isMissingTable(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('no such table');
}
