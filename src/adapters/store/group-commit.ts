import { CompiledQuery, type Kysely, type Transaction } from 'kysely';

/** The most units one shared commit takes; more wait for the next. */
export const GROUP_COMMIT_UNITS_MAX = 512;

interface Unit {
  readonly work: (trx: Transaction<unknown>) => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

type Settled = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/**
 * A commit whose fsync runs off the event loop (`WalSync`): the group's transaction runs with
 * `synchronous = NORMAL` (its COMMIT writes the WAL without fsyncing it), and its units settle
 * only once `sync` has fsynced the WAL file.
 */
export interface DeferredSync {
  sync(): Promise<void>;
  /** Set once a sync has failed: no group commits after that. */
  readonly failure: Error | undefined;
}

// SQLite refuses to change the level inside a transaction: it is set before BEGIN and restored
// after COMMIT or ROLLBACK, on the one connection the group holds meanwhile.
const syncDeferred = CompiledQuery.raw('pragma synchronous = NORMAL');
const syncAtCommit = CompiledQuery.raw('pragma synchronous = FULL');

/**
 * Group commit for a database with one writer (SQLite): units of work that arrive while a commit
 * is under way wait, and the next database transaction runs all of them, each inside a savepoint
 * of its own, then commits — and fsyncs — once for all. A unit's promise settles only after that
 * commit: nobody learns of a result that a crash could still undo. A unit that throws is rolled
 * back to its savepoint and rejected without disturbing the others; a failed commit rejects every
 * unit of the group.
 *
 * Nothing waits on a timer: a group starts once the event loop has finished the turn in which its
 * first unit came (so every request read in that turn can join), and under light load that group
 * is one unit. Groups grow by themselves as load rises, because units pile up behind the commit
 * in progress.
 */
export class GroupCommitter {
  #queue: Unit[] = [];
  #running = false;
  /** The fsync in flight of the last group's commit, if any (`whenDurable`). */
  #syncing: Promise<void> | undefined;
  #groups = 0;
  #units = 0;

  /** `settled` is told of each transaction once it has committed or rolled back, before its units hear. */
  constructor(
    private readonly db: Kysely<unknown>,
    private readonly settled: (trx: Transaction<unknown> | undefined) => void = () => undefined,
    private readonly deferredSync?: DeferredSync,
  ) {}

  /**
   * While a group's commit is being fsynced, its rows can already be read (by a duplicate of one
   * of its requests, say): anything that answers from what it read waits for this first. Groups
   * commit one after another, so at most one fsync is ever in flight. `undefined` when none is.
   */
  whenDurable(): Promise<void> | undefined {
    return this.#syncing;
  }

  run<T>(work: (trx: Transaction<unknown>) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#running) {
        this.#running = true;
        // After this turn's I/O: every request read in it reaches its commit first and joins the group.
        setImmediate(() => void this.#drain());
      }
    });
  }

  /** Groups committed and units in them so far (the average group size is units ÷ groups). */
  get stats(): { readonly groups: number; readonly units: number } {
    return { groups: this.#groups, units: this.#units };
  }

  /** A database transaction; with a deferred sync, its COMMIT leaves the fsync to `#sync`. */
  #transaction<T>(work: (trx: Transaction<unknown>) => Promise<T>): Promise<T> {
    if (this.deferredSync === undefined) return this.db.transaction().execute(work);
    return this.db.connection().execute(async (connection) => {
      await connection.executeQuery(syncDeferred);
      try {
        return await connection.transaction().execute(work);
      } finally {
        await connection.executeQuery(syncAtCommit);
      }
    });
  }

  async #sync(): Promise<void> {
    if (this.deferredSync === undefined) return;
    const syncing = this.deferredSync.sync();
    this.#syncing = syncing;
    try {
      await syncing;
    } finally {
      if (this.#syncing === syncing) this.#syncing = undefined;
    }
  }

  #count(units: number): void {
    this.#groups += 1;
    this.#units += units;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const group = this.#queue.splice(0, GROUP_COMMIT_UNITS_MAX);
        await this.#commit(group);
      }
    } finally {
      this.#running = false;
    }
  }

  async #commit(group: readonly Unit[]): Promise<void> {
    const failure = this.deferredSync?.failure;
    if (failure !== undefined) {
      for (const unit of group) unit.reject(failure);
      return;
    }
    const [only] = group;
    if (group.length === 1 && only !== undefined) {
      // Alone: the transaction is the unit's own, no savepoint needed.
      let opened: Transaction<unknown> | undefined;
      try {
        const value = await this.#transaction((trx) => {
          opened = trx;
          return only.work(trx);
        });
        this.settled(opened);
        await this.#sync();
        this.#count(1);
        only.resolve(value);
      } catch (error) {
        this.settled(opened);
        only.reject(error);
      }
      return;
    }
    let settled: Settled[];
    let opened: Transaction<unknown> | undefined;
    try {
      settled = await this.#transaction(async (trx) => {
        opened = trx;
        const outcomes: Settled[] = [];
        for (const unit of group) outcomes.push(await runInSavepoint(trx, unit));
        return outcomes;
      });
      this.settled(opened);
      await this.#sync();
    } catch (error) {
      this.settled(opened);
      for (const unit of group) unit.reject(error);
      return;
    }
    this.#count(group.length);
    for (const [index, unit] of group.entries()) {
      const outcome = settled[index];
      if (outcome?.ok === true) unit.resolve(outcome.value);
      else unit.reject(outcome === undefined ? new Error('group commit lost a unit') : outcome.error);
    }
  }
}

// Run for every unit: compiled once.
const savepoint = CompiledQuery.raw('savepoint unit');
const releaseSavepoint = CompiledQuery.raw('release savepoint unit');
const rollbackToSavepoint = CompiledQuery.raw('rollback to savepoint unit');

/** A unit among others: its own savepoint, so that its failure undoes only its own writes. */
async function runInSavepoint(trx: Transaction<unknown>, unit: Unit): Promise<Settled> {
  await trx.executeQuery(savepoint);
  try {
    const value = await unit.work(trx);
    await trx.executeQuery(releaseSavepoint);
    return { ok: true, value };
  } catch (error) {
    await trx.executeQuery(rollbackToSavepoint);
    await trx.executeQuery(releaseSavepoint);
    return { ok: false, error };
  }
}
