import type { Kysely, Transaction } from 'kysely';
import type { CommitStats } from '../../ports/store.js';
import type { Unit } from './group-commit.js';

/** The most units one shared PostgreSQL transaction takes; more wait for the next. */
export const POSTGRES_GROUP_UNITS_MAX = 64;

/**
 * Group commit for PostgreSQL: units of work that wait share one database transaction — one
 * BEGIN, one COMMIT and one WAL flush for all of them — run one after another on one pooled
 * connection. Several groups run at once, each on its own connection (`groupsMax`, below the
 * pool's size so that reads outside transactions still find a connection).
 *
 * Why: each statement is a round trip, and on the host's sale path the BEGIN and COMMIT of its two
 * units were 4 of its 10 statements, each costing the host and the server as much CPU as a small
 * insert. PostgreSQL's own group commit shares WAL flushes between concurrent commits but not
 * those statements.
 *
 * A group starts once the event loop has finished the turn in which its first unit came (every
 * request read in that turn can join) if fewer than `groupsMax` groups are running; otherwise the
 * units wait and the next group to start takes them all (at most POSTGRES_GROUP_UNITS_MAX). Groups
 * grow as load rises, by themselves.
 *
 * PostgreSQL has no savepoint that costs nothing: after any error the transaction is aborted, and
 * a savepoint per unit would be two statements more per unit. So a group runs without them, and
 * if any unit throws (a failed statement, or a unit rolling itself back on purpose), the whole
 * group is rolled back and every unit of it runs again alone, in its own transaction, exactly as
 * it would have without grouping: a unit's outcome is always the outcome of running it alone on
 * what is committed. A unit settles only after its transaction has committed (PostgreSQL's COMMIT
 * returns once its WAL is flushed), so nobody learns of a result a crash could still undo.
 *
 * Row locks are held until the group commits, so a unit that needs a row another running group
 * locked waits for that whole group. Two groups that each wait for the other's lock deadlock;
 * PostgreSQL breaks the deadlock by failing one statement (after `deadlock_timeout`), that group
 * runs again unit by unit, and nothing is lost.
 */
export class PostgresGroupCommitter {
  #queue: Unit[] = [];
  #running = 0;
  #scheduled = false;
  #groups = 0;
  #units = 0;
  #groupsRerun = 0;

  /**
   * `settled` is told of each transaction once it has committed or rolled back, before its units
   * hear; `groupsMax` groups run at once at most.
   */
  constructor(
    private readonly db: Kysely<unknown>,
    private readonly settled: (trx: Transaction<unknown> | undefined) => void,
    private readonly groupsMax: number,
  ) {
    if (!Number.isInteger(groupsMax) || groupsMax < 1) throw new RangeError('groupsMax must be a whole number of at least 1');
  }

  run<T>(work: (trx: Transaction<unknown>) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      this.#schedule();
    });
  }

  /** Groups committed and units in them so far (a unit run alone counts as a group); PostgreSQL flushes its WAL inside COMMIT, so no fsyncs are counted. */
  get stats(): CommitStats {
    return { groups: this.#groups, units: this.#units, fsyncs: 0, fsyncSeconds: 0, groupsRerun: this.#groupsRerun };
  }

  #schedule(): void {
    if (this.#scheduled || this.#running >= this.groupsMax || this.#queue.length === 0) return;
    this.#scheduled = true;
    // After this turn's I/O: every request read in it reaches its unit first and joins the group.
    setImmediate(() => {
      this.#scheduled = false;
      this.#startGroups();
    });
  }

  #startGroups(): void {
    while (this.#running < this.groupsMax && this.#queue.length > 0) {
      const group = this.#queue.splice(0, POSTGRES_GROUP_UNITS_MAX);
      this.#running += 1;
      void this.#commit(group).finally(() => {
        this.#running -= 1;
        this.#schedule();
      });
    }
  }

  async #commit(group: readonly Unit[]): Promise<void> {
    const [only] = group;
    if (group.length === 1 && only !== undefined) {
      await this.#alone(only);
      return;
    }
    let opened: Transaction<unknown> | undefined;
    let values: unknown[];
    try {
      values = await this.db.transaction().execute(async (trx) => {
        opened = trx;
        const results: unknown[] = [];
        for (const unit of group) results.push(await unit.work(trx));
        return results;
      });
    } catch {
      this.settled(opened);
      // Rolled back as a whole: each unit runs again on its own, as if it had come alone.
      this.#groupsRerun += 1;
      await Promise.all(group.map((unit) => this.#alone(unit)));
      return;
    }
    this.settled(opened);
    this.#count(group.length);
    group.forEach((unit, index) => { unit.resolve(values[index]); });
  }

  /** One unit in a transaction of its own: its result, or its error, is the unit's. */
  async #alone(unit: Unit): Promise<void> {
    let opened: Transaction<unknown> | undefined;
    try {
      const value = await this.db.transaction().execute((trx) => {
        opened = trx;
        return unit.work(trx);
      });
      this.settled(opened);
      this.#count(1);
      unit.resolve(value);
    } catch (error) {
      this.settled(opened);
      unit.reject(error);
    }
  }

  #count(units: number): void {
    this.#groups += 1;
    this.#units += units;
  }
}
