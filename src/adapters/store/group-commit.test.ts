import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { threadId } from 'node:worker_threads';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../ports/store.js';
import { GroupCommitter, type DeferredSync, type WriteTurn } from './group-commit.js';
import { openStore } from './open-store.js';
import { databases } from './test-databases.js';
import { SharedWriteTurn } from './write-turn.js';

interface Tables {
  gc_rows: { id: string; note: string };
}

async function createTable(store: Store): Promise<void> {
  await sql`create table gc_rows (id text primary key, note text not null)`.execute(store.db());
}

async function ids(store: Store): Promise<string[]> {
  return (await store.db<Tables>().selectFrom('gc_rows').select('id').orderBy('id').execute()).map((row) => row.id);
}

describe.each(databases)('Store.transact on $name', (database) => {
  let store: Store;
  beforeEach(async () => {
    store = await database.open([]);
    await createTable(store);
  });
  afterEach(async () => {
    await store.close();
  });

  it('commits every unit of a burst, and a unit that throws leaves only its own writes out', async () => {
    const units = Array.from({ length: 40 }, (_, index) =>
      store.transact<Tables, string>(async (trx) => {
        const id = `u${String(index).padStart(2, '0')}`;
        await trx.insertInto('gc_rows').values({ id, note: 'written' }).execute();
        if (index % 10 === 3) throw new Error(`unit ${index} fails after writing`);
        return id;
      }),
    );
    const settled = await Promise.allSettled(units);
    const failed = settled.flatMap((outcome, index) => (outcome.status === 'rejected' ? [index] : []));
    expect(failed).toEqual([3, 13, 23, 33]);
    const expected = Array.from({ length: 40 }, (_, index) => index).filter((index) => index % 10 !== 3).map((index) => `u${String(index).padStart(2, '0')}`);
    expect(await ids(store)).toEqual(expected);
  });

  it('a unit that breaks a constraint is rejected with the database error; the rest commit', async () => {
    await store.db<Tables>().insertInto('gc_rows').values({ id: 'taken', note: 'first' }).execute();
    const outcomes = await Promise.allSettled([
      store.transact<Tables, undefined>(async (trx) => { await trx.insertInto('gc_rows').values({ id: 'a', note: 'x' }).execute(); }),
      store.transact<Tables, undefined>(async (trx) => { await trx.insertInto('gc_rows').values({ id: 'taken', note: 'again' }).execute(); }),
      store.transact<Tables, undefined>(async (trx) => { await trx.insertInto('gc_rows').values({ id: 'b', note: 'y' }).execute(); }),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await ids(store)).toEqual(['a', 'b', 'taken']);
  });
});

describe('GroupCommitter (SQLite)', () => {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bastion-gc-'));
    store = openStore({ sqliteFile: join(dir, 'gc.sqlite') });
    await createTable(store);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a burst in shared commits, and settles no unit before its commit is durable', async () => {
    const db = store.db<Tables>() as unknown as Kysely<unknown>;
    const committer = new GroupCommitter(db);
    const seenAfterSettle: boolean[] = [];
    // A second connection sees only committed rows: each unit's row must be visible to it when the unit settles.
    const { default: Database } = await import('better-sqlite3');
    const reader = new Database(join(dir, 'gc.sqlite'), { readonly: true });
    try {
      const units = Array.from({ length: 100 }, (_, index) =>
        committer
          .run(async (trx) => {
            await (trx as unknown as Kysely<Tables>).insertInto('gc_rows').values({ id: `g${index}`, note: 'n' }).execute();
          })
          .then(() => {
            seenAfterSettle.push(reader.prepare('select 1 from gc_rows where id = ?').get(`g${index}`) !== undefined);
          }),
      );
      await Promise.all(units);
    } finally {
      reader.close();
    }
    expect(seenAfterSettle).toHaveLength(100);
    expect(seenAfterSettle.every(Boolean)).toBe(true);
    const { groups, units } = committer.stats;
    expect(units).toBe(100);
    // All came in one turn of the event loop, so they shared commits.
    expect(groups).toBeLessThan(units);
  });

  it('keeps its units\' savepoint journals in memory: a large group makes no temporary file', async () => {
    const db = store.db<Tables>() as unknown as Kysely<unknown>;
    // 200 rows of 3 KB: about a page each, so every unit below changes 20 pages that existed before its savepoint.
    for (let row = 0; row < 200; row += 1) await sql`insert into gc_rows (id, note) values (${`r${row}`}, ${'x'.repeat(3000)})`.execute(db);
    const temporaryFiles = (): string[] =>
      readdirSync('/proc/self/fd').flatMap((fd) => {
        try {
          const target = readlinkSync(`/proc/self/fd/${fd}`);
          return target.includes('etilqs_') ? [target] : [];
        } catch {
          return [];
        }
      });
    const committer = new GroupCommitter(db);
    const seen: string[][] = [];
    await Promise.all(
      Array.from({ length: 40 }, (_, unit) =>
        committer.run(async (trx) => {
          for (let row = 0; row < 20; row += 1) await sql`update gc_rows set note = ${'y'.repeat(3000)} where id = ${`r${(unit * 20 + row) % 200}`}`.execute(trx);
          seen.push(temporaryFiles());
        }),
      ),
    );
    // Each savepoint keeps 20 pages' originals, 80 KiB: past the 64 KiB SQLite keeps in memory by default.
    expect(committer.stats.groups).toBeLessThan(40);
    expect(seen.flat()).toEqual([]);
  });

  it('a commit that fails rejects every unit of its group and keeps none of their rows', async () => {
    const db = store.db<Tables>() as unknown as Kysely<unknown>;
    await sql`create table gc_parent (id text primary key)`.execute(db);
    await sql`create table gc_child (id text primary key, parent text not null references gc_parent (id) deferrable initially deferred)`.execute(db);
    const committer = new GroupCommitter(db);
    const outcomes = await Promise.allSettled([
      committer.run(async (trx) => { await sql`insert into gc_rows (id, note) values ('fine', 'n')`.execute(trx); }),
      // A deferred foreign key fails only at COMMIT: the whole group's commit fails.
      committer.run(async (trx) => { await sql`insert into gc_child (id, parent) values ('c', 'missing')`.execute(trx); }),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
    expect(await ids(store)).toEqual([]);
  });

  const insert = (committer: GroupCommitter, id: string): Promise<unknown> =>
    committer.run(async (trx) => {
      await (trx as unknown as Kysely<Tables>).insertInto('gc_rows').values({ id, note: 'n' }).execute();
    });
  const turns = async (count: number): Promise<void> => {
    for (let turn = 0; turn < count; turn += 1) await new Promise((resolve) => setImmediate(resolve));
  };

  it('starts a group at once when none ended within the spacing; the next one waits, gathering units, until enough wait', async () => {
    const { sync } = recorders([]);
    // A spacing no test run reaches: only the eager count can start the second group.
    const committer = new GroupCommitter(store.db(), undefined, sync, undefined, { spacingMs: 60_000, eagerUnits: 4 });
    await insert(committer, 'a');
    expect(committer.stats).toMatchObject({ groups: 1, units: 1 });
    const settled: string[] = [];
    const later = ['b', 'c', 'd'].map((id) => insert(committer, id).then(() => settled.push(id)));
    await turns(20);
    expect(settled).toEqual([]);
    expect(await ids(store)).toEqual(['a']);
    await Promise.all([...later, insert(committer, 'e')]);
    expect(committer.stats).toMatchObject({ groups: 2, units: 5 });
    expect(await ids(store)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('does not space groups without a deferred sync (each commit fsyncs itself)', async () => {
    const committer = new GroupCommitter(store.db(), undefined, undefined, undefined, { spacingMs: 60_000, eagerUnits: 4 });
    await insert(committer, 'a');
    await insert(committer, 'b');
    expect(committer.stats).toMatchObject({ groups: 2, units: 2 });
  });
});

/** A write turn and a deferred sync that only record when the committer uses them. */
function recorders(events: string[]): { turn: WriteTurn; sync: DeferredSync } {
  return {
    turn: {
      acquire: () => {
        events.push('acquire');
        return Promise.resolve();
      },
      release: () => { events.push('release'); },
    },
    sync: {
      failure: undefined,
      sync: () => {
        events.push('sync');
        return Promise.resolve();
      },
    },
  };
}

describe('GroupCommitter with a write turn (SQLite)', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bastion-gc-turn-'));
    file = join(dir, 'gc.sqlite');
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes the turn before a group\'s transaction and gives it up after its COMMIT, before its fsync', async () => {
    const store = openStore({ sqliteFile: file });
    try {
      await createTable(store);
      const events: string[] = [];
      const { turn, sync } = recorders(events);
      const committer = new GroupCommitter(store.db<Tables>() as unknown as Kysely<unknown>, undefined, sync, turn);
      const ok = await Promise.allSettled(['a', 'b', 'c'].map((id) =>
        committer.run(async (trx) => {
          events.push(`unit ${id}`);
          await (trx as unknown as Kysely<Tables>).insertInto('gc_rows').values({ id, note: 'n' }).execute();
          if (id === 'b') throw new Error('b fails');
        }),
      ));
      expect(ok.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(events).toEqual(['acquire', 'unit a', 'unit b', 'unit c', 'release', 'sync']);
      expect(await ids(store)).toEqual(['a', 'c']);
    } finally {
      await store.close();
    }
  });

  it('takes the group once the turn has come: units that arrive while it is awaited join it', async () => {
    const store = openStore({ sqliteFile: file });
    try {
      await createTable(store);
      let open: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => { open = resolve; });
      const turn: WriteTurn = { acquire: () => gate, release: () => undefined };
      const committer = new GroupCommitter(store.db<Tables>() as unknown as Kysely<unknown>, undefined, undefined, turn);
      const insert = (id: string): Promise<unknown> => committer.run(async (trx) => {
        await (trx as unknown as Kysely<Tables>).insertInto('gc_rows').values({ id, note: 'n' }).execute();
      });
      const first = insert('a');
      // The committer now waits for the turn.
      await new Promise((resolve) => setImmediate(resolve));
      const later = [insert('b'), insert('c')];
      open();
      await Promise.all([first, ...later]);
      expect(committer.stats).toMatchObject({ groups: 1, units: 3 });
      expect(await ids(store)).toEqual(['a', 'b', 'c']);
    } finally {
      await store.close();
    }
  });

  it('gives the turn up when a group\'s COMMIT fails', async () => {
    const store = openStore({ sqliteFile: file });
    try {
      await createTable(store);
      const db = store.db<Tables>() as unknown as Kysely<unknown>;
      await sql`create table gc_parent (id text primary key)`.execute(db);
      await sql`create table gc_child (id text primary key, parent text not null references gc_parent (id) deferrable initially deferred)`.execute(db);
      const events: string[] = [];
      const committer = new GroupCommitter(db, undefined, undefined, recorders(events).turn);
      await expect(committer.run(async (trx) => { await sql`insert into gc_child (id, parent) values ('c', 'missing')`.execute(trx); })).rejects.toThrow();
      expect(events).toEqual(['acquire', 'release']);
    } finally {
      await store.close();
    }
  });

  it('a store given a turn begins its transactions IMMEDIATE, and its units\' savepoints still work', async () => {
    const turn = SharedWriteTurn.create();
    const store = openStore({ sqliteFile: file }, { sqliteWriteTurn: turn.buffer });
    const { default: Database } = await import('better-sqlite3');
    const other = new Database(file);
    other.pragma('busy_timeout = 0');
    try {
      await createTable(store);
      const writerDuringUnits: string[] = [];
      const outcomes = await Promise.allSettled(['a', 'b', 'c'].map((id) =>
        store.transact<Tables, undefined>(async (trx) => {
          // Before this unit's first write, the transaction holds SQLite's write lock already.
          try {
            other.exec('begin immediate; rollback');
            writerDuringUnits.push('free');
          } catch (error) {
            writerDuringUnits.push(String((error as { code?: unknown }).code));
          }
          expect(turn.holder).toBe(threadId);
          await trx.insertInto('gc_rows').values({ id, note: 'n' }).execute();
          if (id === 'b') throw new Error('b fails');
        }),
      ));
      expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(writerDuringUnits).toEqual(['SQLITE_BUSY', 'SQLITE_BUSY', 'SQLITE_BUSY']);
      expect(await ids(store)).toEqual(['a', 'c']);
      expect(turn.holder).toBeUndefined();
    } finally {
      other.close();
      await store.close();
    }
  });
});
