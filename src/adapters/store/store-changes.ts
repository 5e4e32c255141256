import type { Transaction } from 'kysely';
import type { StoreChanges } from '../../ports/store.js';

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

/** SQLite: another connection's commit (another process, a CLI command) moves `PRAGMA data_version`. */
export class SqliteChanges extends LocalChanges {
  #dataVersion: unknown;

  constructor(private readonly dataVersion: () => unknown) {
    super();
    this.#dataVersion = dataVersion();
  }

  epoch(): number {
    const version = this.dataVersion();
    if (version !== this.#dataVersion) {
      this.#dataVersion = version;
      this.moved();
    }
    return this.count;
  }
}
