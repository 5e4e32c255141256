import { performance } from 'node:perf_hooks';
import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
import type { CommitStats } from '../../ports/store.js';

/** The most units one shared commit takes; more wait for the next. */
export const GROUP_COMMIT_UNITS_MAX = 512;

/** How a committer with a deferred sync spaces its groups under load (see `GroupCommitter`). */
export interface GroupSpacing {
  /** The least time from one group's end to the next group's start. */
  readonly spacingMs: number;
  /** How many units waiting make a group start at once, spacing or not. */
  readonly eagerUnits: number;
}

export const GROUP_SPACING_DEFAULT: GroupSpacing = { spacingMs: 2, eagerUnits: 64 };

/** A unit of work waiting for a group commit, and how its caller hears of the outcome. */
export interface Unit {
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

/**
 * A turn at writing the database, shared with other connections (`SharedWriteTurn`): a group's
 * transaction begins only once it has the turn, and gives it up as soon as it has committed or
 * rolled back.
 */
export interface WriteTurn {
  acquire(): Promise<void>;
  release(): void;
}

// SQLite refuses to change the level inside a transaction: it is set before BEGIN and restored
// after COMMIT or ROLLBACK, on the one connection the group holds meanwhile.
const syncDeferred = CompiledQuery.raw('pragma synchronous = NORMAL');
const syncAtCommit = CompiledQuery.raw('pragma synchronous = FULL');

/**
 * Group commit for a database with one writer (SQLite): units of work that arrive while a commit
 * is under way wait, and the next database transaction runs all of them, each inside a savepoint
 * of its own, then commits — and fsyncs — once for all. A unit's promise settles only after that
 * commit is durable: nobody learns of a result that a crash could still undo. With a deferred
 * sync (`WalSync`) the fsync runs in the thread pool, and the next group's transaction runs
 * meanwhile; each group's units still wait for their own fsync. A unit that throws is rolled
 * back to its savepoint and rejected without disturbing the others; a failed commit rejects every
 * unit of the group.
 *
 * A group starts once the event loop has finished the turn in which its first unit came (so every
 * request read in that turn can join), and under light load that group is one unit. Groups grow
 * by themselves as load rises, because units pile up behind the commit in progress. With a
 * deferred sync they are also spaced: a group that would start less than `spacingMs` (2 ms) after
 * the previous one ended waits out the rest, and the units that arrive meanwhile join it — unless
 * `eagerUnits` (64) are waiting already. Without it, under moderate load (when the fsync is short)
 * almost every unit committed alone, each paying a transaction, a COMMIT that writes its pages to
 * the WAL, and an fsync of its own: at 900 sales/s groups were 1.4–2.7 units and a sale cost the
 * host nearly twice its CPU at full load. With it they are 4–6 units there, for up to 2 ms more
 * latency per commit; at full load groups are larger than the spacing could make them.
 *
 * With a write turn (several threads, each with its own connection to the same file), the
 * committer waits for the turn before it takes the next group — units that arrive while it waits
 * join that group — and gives the turn up right after the group's COMMIT or ROLLBACK, before its
 * fsync: an fsync of the WAL makes durable what any connection wrote to it, and needs no turn.
 */
export class GroupCommitter {
  #queue: Unit[] = [];
  #running = false;
  /** Settled by the fsync of the latest group's commit (`whenDurable`); undefined once it has. */
  #durable: DurableMark | undefined;
  #groups = 0;
  #units = 0;
  #fsyncs = 0;
  #fsyncSeconds = 0;
  /** The WAL fsync in flight, and the one queued behind it for the commits made meanwhile. */
  #fsyncRunning: Promise<void> | undefined;
  #fsyncNext: Promise<void> | undefined;
  /** When the latest group's transaction ended (performance.now()). */
  #lastEndedMs = Number.NEGATIVE_INFINITY;
  /** Set while the next group waits out the spacing: called once `eagerUnits` units wait. */
  #enoughWaiting: (() => void) | undefined;

  /**
   * `settled` is told of each transaction once it has committed or rolled back, before its units
   * hear; `writeTurn`, when given, is taken around each group's transaction (see the class comment).
   */
  constructor(
    private readonly db: Kysely<unknown>,
    private readonly settled: (trx: Transaction<unknown> | undefined) => void = () => undefined,
    private readonly deferredSync?: DeferredSync,
    private readonly writeTurn?: WriteTurn,
    private readonly spacing: GroupSpacing = GROUP_SPACING_DEFAULT,
  ) {}

  /**
   * Settles once every commit made so far is durable; `undefined` when none waits for its fsync.
   * A group's rows can be read as soon as its COMMIT has run, before its fsync returns (by a
   * duplicate of one of its requests, say): anything that answers from what it read waits for
   * this first. It is armed just before a group's COMMIT — nothing can read the group's rows
   * earlier — and, since an fsync makes durable everything written before it, it is the latest
   * group's fsync.
   */
  whenDurable(): Promise<void> | undefined {
    return this.#durable?.promise;
  }

  run<T>(work: (trx: Transaction<unknown>) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (this.#enoughWaiting !== undefined && this.#queue.length >= this.spacing.eagerUnits) this.#enoughWaiting();
      if (!this.#running) {
        this.#running = true;
        // After this turn's I/O: every request read in it reaches its commit first and joins the group.
        setImmediate(() => void this.#drain());
      }
    });
  }

  /** Groups committed and units in them so far (the average group size is units ÷ groups), and the fsyncs. */
  get stats(): CommitStats {
    return { groups: this.#groups, units: this.#units, fsyncs: this.#fsyncs, fsyncSeconds: this.#fsyncSeconds, groupsRerun: 0 };
  }

  /**
   * A database transaction. With a deferred sync it runs at `synchronous = NORMAL`, and `whenDurable`
   * is armed after its last statement, just before its COMMIT; the caller then calls `#synced`.
   */
  #transaction<T>(work: (trx: Transaction<unknown>) => Promise<T>): Promise<T> {
    if (this.deferredSync === undefined) return this.db.transaction().execute(work);
    return this.db.connection().execute(async (connection) => {
      await connection.executeQuery(syncDeferred);
      try {
        return await connection.transaction().execute(async (trx) => {
          const value = await work(trx);
          this.#durable = durableMark();
          return value;
        });
      } finally {
        await connection.executeQuery(syncAtCommit);
      }
    });
  }

  /**
   * Asks for an fsync that starts after the transaction that just ended (`#fsyncAfterCommit`),
   * and settles the `whenDurable` mark that transaction armed with it. The next group's
   * transaction does not wait for it.
   */
  #synced(): Promise<void> {
    if (this.deferredSync === undefined) return Promise.resolve();
    const mark = this.#durable ?? durableMark();
    const syncing = this.#fsyncAfterCommit(this.deferredSync);
    syncing.then(mark.resolve, mark.reject);
    void mark.promise.then(
      () => { if (this.#durable === mark) this.#durable = undefined; },
      () => undefined,
    );
    return syncing;
  }

  /**
   * An fsync that starts after the commit that asks for it: the one starting now when none is
   * running, else the next one, which starts once the running one returns and serves every
   * commit made meanwhile (the running one may have started before them). One fsync at a time.
   */
  #fsyncAfterCommit(deferredSync: DeferredSync): Promise<void> {
    if (this.#fsyncRunning === undefined) return this.#startFsync(deferredSync);
    this.#fsyncNext ??= this.#fsyncRunning
      .then(() => undefined, () => undefined)
      .then(() => {
        this.#fsyncNext = undefined;
        return this.#startFsync(deferredSync);
      });
    return this.#fsyncNext;
  }

  #startFsync(deferredSync: DeferredSync): Promise<void> {
    const startedMs = performance.now();
    const fsync = deferredSync.sync();
    this.#fsyncRunning = fsync;
    const done = (): void => {
      if (this.#fsyncRunning === fsync) this.#fsyncRunning = undefined;
    };
    fsync.then(
      () => {
        this.#fsyncs += 1;
        this.#fsyncSeconds += (performance.now() - startedMs) / 1000;
        done();
      },
      done,
    );
    return fsync;
  }

  #count(units: number): void {
    this.#groups += 1;
    this.#units += units;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        await this.#spaced();
        if (this.writeTurn === undefined) await this.#commit(this.#nextGroup());
        else await this.#commitInTurn(this.writeTurn);
      }
    } finally {
      this.#running = false;
    }
  }

  /**
   * With a deferred sync, a group that would start less than `spacingMs` after the previous one
   * ended waits out the rest, unless `eagerUnits` units already wait (see the class comment).
   */
  #spaced(): Promise<void> | undefined {
    if (this.deferredSync === undefined) return undefined;
    const waitMs = this.#lastEndedMs + this.spacing.spacingMs - performance.now();
    if (waitMs <= 0 || this.#queue.length >= this.spacing.eagerUnits) return undefined;
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#enoughWaiting = undefined;
        resolve();
      };
      const timer = setTimeout(done, waitMs);
      this.#enoughWaiting = done;
    });
  }

  #nextGroup(): Unit[] {
    return this.#queue.splice(0, GROUP_COMMIT_UNITS_MAX);
  }

  /**
   * The next group's commit in the write turn. The group is taken once the turn has come, so units
   * that arrived while it was awaited join it; the turn is given up as soon as the transaction has
   * ended, before the fsync.
   */
  async #commitInTurn(turn: WriteTurn): Promise<void> {
    await turn.acquire();
    let held = true;
    const giveUp = (): void => {
      if (held) turn.release();
      held = false;
    };
    try {
      await this.#commit(this.#nextGroup(), giveUp);
    } finally {
      giveUp();
    }
  }

  /**
   * Runs a group's transaction; its units settle once its fsync has returned (not awaited here).
   * `ended` is called as soon as the transaction has committed or rolled back.
   */
  async #commit(group: readonly Unit[], ended: () => void = () => undefined): Promise<void> {
    const failure = this.deferredSync?.failure;
    if (failure !== undefined) {
      for (const unit of group) unit.reject(failure);
      return;
    }
    const [only] = group;
    let opened: Transaction<unknown> | undefined;
    let outcomes: Settled[];
    try {
      outcomes =
        group.length === 1 && only !== undefined
          ? // Alone: the transaction is the unit's own, no savepoint needed.
            [{ ok: true, value: await this.#transaction((trx) => { opened = trx; return only.work(trx); }) }]
          : await this.#transaction(async (trx) => {
              opened = trx;
              const settledUnits: Settled[] = [];
              for (const unit of group) settledUnits.push(await runInSavepoint(trx, unit));
              return settledUnits;
            });
    } catch (error) {
      ended();
      this.settled(opened);
      // Nothing committed. A COMMIT that failed had armed `whenDurable` already: an fsync settles it.
      if (this.#durable !== undefined) this.#synced().catch(() => undefined);
      for (const unit of group) unit.reject(error);
      return;
    }
    ended();
    this.#lastEndedMs = performance.now();
    this.settled(opened);
    this.#count(group.length);
    this.#synced().then(
      () => {
        for (const [index, unit] of group.entries()) {
          const outcome = outcomes[index];
          if (outcome?.ok === true) unit.resolve(outcome.value);
          else unit.reject(outcome === undefined ? new Error('group commit lost a unit') : outcome.error);
        }
      },
      (error: unknown) => {
        for (const unit of group) unit.reject(error);
      },
    );
  }
}

interface DurableMark {
  readonly promise: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** A promise settled by hand; a rejection nobody waits for is not an unhandled one. */
function durableMark(): DurableMark {
  let resolve: () => void = () => undefined;
  let reject: (error: unknown) => void = () => undefined;
  const promise = new Promise<void>((resolveMark, rejectMark) => {
    resolve = resolveMark;
    reject = rejectMark;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
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
