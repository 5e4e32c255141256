import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BastionError } from '../../lib/errors/index.js';
import { GroupCommitter, type DeferredSync } from './group-commit.js';
import { openStore } from './open-store.js';
import { WalSync } from './wal-sync.js';

interface Tables {
  ws_rows: { id: string };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bastion-wal-'));
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

/** A sync the test releases by hand, recording what the committer asked for and when. */
class GatedSync implements DeferredSync {
  readonly events: string[] = [];
  failure: Error | undefined;
  #release: (() => void)[] = [];
  #fail: ((error: Error) => void)[] = [];

  sync(): Promise<void> {
    this.events.push('sync');
    return new Promise<void>((resolve, reject) => {
      this.#release.push(resolve);
      this.#fail.push((error) => {
        this.failure = error;
        reject(error);
      });
    });
  }

  get waiting(): number {
    return this.#release.length;
  }

  release(): void {
    this.#fail.shift();
    this.#release.shift()?.();
  }

  fail(error: Error): void {
    this.#release.shift();
    this.#fail.shift()?.(error);
  }
}

async function turns(count: number): Promise<void> {
  for (let index = 0; index < count; index += 1) await new Promise((resolve) => setImmediate(resolve));
}

/** A group committer on a fresh SQLite file whose syncs the test releases, with its table; closed after `test`. */
async function withGatedCommitter(name: string, test: (setup: { db: Kysely<Tables>; gate: GatedSync; committer: GroupCommitter }) => Promise<void>): Promise<void> {
  const store = openStore({ sqliteFile: join(dir, `${name}.sqlite`) });
  try {
    const db = store.db<Tables>();
    await sql`create table ws_rows (id text primary key)`.execute(db);
    const gate = new GatedSync();
    await test({ db, gate, committer: new GroupCommitter(db as unknown as Kysely<unknown>, undefined, gate) });
  } finally {
    await store.close();
  }
}

describe('GroupCommitter with a deferred fsync', () => {
  it('runs the group at NORMAL, then FULL again, and settles no unit before the sync has returned', async () => {
    await withGatedCommitter('gc', async ({ db, gate, committer }) => {
      const settled: string[] = [];
      const levels: unknown[] = [];
      const units = ['a', 'b', 'c'].map((id) =>
      committer.run(async (trx) => {
        await (trx as unknown as Kysely<Tables>).insertInto('ws_rows').values({ id }).execute();
        levels.push((await sql<{ synchronous: unknown }>`pragma synchronous`.execute(trx)).rows[0]?.synchronous);
        return id;
      }).then((id) => settled.push(id)),
      );
      while (gate.waiting === 0) await turns(1);
      // Committed (another connection reads the rows) but not yet durable: nobody has heard.
      const reader = new SqliteDatabase(join(dir, 'gc.sqlite'), { readonly: true });
      expect(reader.prepare('select count(*) as n from ws_rows').get()).toEqual({ n: 3 });
      reader.close();
      expect(gate.events).toEqual(['sync']);
      expect(levels).toEqual([1n, 1n, 1n]);
      expect((await sql<{ synchronous: unknown }>`pragma synchronous`.execute(db)).rows[0]?.synchronous).toBe(2n);
      expect(committer.whenDurable()).toBeInstanceOf(Promise);
      await turns(5);
      expect(settled).toEqual([]);
      gate.release();
      await Promise.all(units);
      expect(settled.sort()).toEqual(['a', 'b', 'c']);
      expect(committer.whenDurable()).toBeUndefined();
    });
  });

  it('a unit alone is deferred too; a transaction that rolls back rejects its unit without waiting and leaves the connection at FULL', async () => {
    await withGatedCommitter('one', async ({ db, gate, committer }) => {
      const alone = committer.run(async (trx) => { await (trx as unknown as Kysely<Tables>).insertInto('ws_rows').values({ id: 'x' }).execute(); });
      while (gate.waiting === 0) await turns(1);
      gate.release();
      await alone;
      expect(gate.events).toEqual(['sync']);
      // Its own sync is never released: the rejection does not wait for it.
      await expect(committer.run(() => Promise.reject(new Error('the unit fails')))).rejects.toThrow('the unit fails');
      expect((await sql<{ synchronous: unknown }>`pragma synchronous`.execute(db)).rows[0]?.synchronous).toBe(2n);
    });
  });

  it('groups commit while an fsync runs, and share the next one, which starts after it; each waits for an fsync begun after its commit', async () => {
    await withGatedCommitter('pipe', async ({ db, gate, committer }) => {
      const settled: string[] = [];
      const insert = (id: string): Promise<number> => committer.run(async (trx) => { await (trx as unknown as Kysely<Tables>).insertInto('ws_rows').values({ id }).execute(); }).then(() => settled.push(id));
      const committed = async (count: number): Promise<void> => {
        while ((await db.selectFrom('ws_rows').select('id').execute()).length < count) await turns(1);
      };
      const first = insert('first');
      while (gate.waiting < 1) await turns(1);
      // Two more groups commit, one after the other, while the first fsync runs; nobody has heard.
      const second = insert('second');
      await committed(2);
      const third = insert('third');
      await committed(3);
      await turns(5);
      expect(gate.events).toEqual(['sync']);
      expect(settled).toEqual([]);
      gate.release();
      await first;
      // The fsync they share starts only now, after the one that may have begun before their commits.
      while (gate.waiting < 1) await turns(1);
      expect(gate.events).toEqual(['sync', 'sync']);
      await turns(5);
      expect(settled).toEqual(['first']);
      // The latest fsync is what a reply built now must wait for.
      expect(committer.whenDurable()).toBeInstanceOf(Promise);
      gate.release();
      await Promise.all([second, third]);
      expect(settled).toEqual(['first', 'second', 'third']);
      expect(gate.events).toEqual(['sync', 'sync']);
      await turns(1);
      expect(committer.whenDurable()).toBeUndefined();
    });
  });

  it('a failed sync rejects its units with its error, and later groups are refused without running', async () => {
    await withGatedCommitter('fail', async ({ gate, committer }) => {
      const first = committer.run(async (trx) => { await (trx as unknown as Kysely<Tables>).insertInto('ws_rows').values({ id: 'y' }).execute(); });
      while (gate.waiting === 0) await turns(1);
      const durable = committer.whenDurable();
      const failure = new BastionError('STORE_ERR_DURABILITY', 'the disk refused');
      gate.fail(failure);
      await expect(first).rejects.toBe(failure);
      await expect(durable).rejects.toBe(failure);
      let ran = false;
      await expect(committer.run(() => { ran = true; return Promise.resolve(); })).rejects.toBe(failure);
      expect(ran).toBe(false);
    });
  });
});

describe('WalSync', () => {
  it('with no WAL file yet there is nothing to sync', async () => {
    const walSync = new WalSync(join(dir, 'absent.sqlite-wal'));
    await expect(walSync.sync()).resolves.toBeUndefined();
    await walSync.close();
  });

  it('a failed fsync is STORE_ERR_DURABILITY, and every later sync fails with it', async () => {
    // procfs files refuse fsync (EINVAL): a disk that fails.
    const walSync = new WalSync('/proc/self/status');
    const error = await walSync.sync().then(() => undefined, (caught: unknown) => caught);
    expect(error).toBeInstanceOf(BastionError);
    expect((error as BastionError).code).toBe('STORE_ERR_DURABILITY');
    await expect(walSync.sync()).rejects.toBe(error);
    expect(walSync.failure).toBe(error);
    await walSync.close();
  });
});

describe('openStore on a SQLite file', () => {
  async function fsyncsDuring(synchronous: 'full' | 'normal', work: (db: Kysely<Tables>, transact: (id: string) => Promise<unknown>) => Promise<void>): Promise<number> {
    const store = openStore({ sqliteFile: join(dir, `${synchronous}.sqlite`) }, { sqliteSynchronous: synchronous });
    try {
      await sql`create table ws_rows (id text primary key)`.execute(store.db());
      const probe = await open(join(dir, `${synchronous}.sqlite`), 'r');
      const fileHandle = Object.getPrototypeOf(probe) as { sync: () => Promise<void> };
      await probe.close();
      const syncs = vi.spyOn(fileHandle, 'sync');
      await work(store.db<Tables>(), (id) => store.transact<Tables, undefined>(async (trx) => { await trx.insertInto('ws_rows').values({ id }).execute(); return undefined; }));
      return syncs.mock.calls.length;
    } finally {
      await store.close();
    }
  }

  it('counts its groups, their units and its fsyncs (for /metrics); PostgreSQL-style stores report none', async () => {
    const store = openStore({ sqliteFile: join(dir, 'stats.sqlite') });
    try {
      await sql`create table ws_rows (id text primary key)`.execute(store.db());
      await Promise.all(Array.from({ length: 10 }, (_, index) => store.transact<Tables, undefined>(async (trx) => { await trx.insertInto('ws_rows').values({ id: `s${index}` }).execute(); return undefined; })));
      const stats = store.commitStats?.();
      expect(stats?.units).toBe(10);
      expect(stats?.groups).toBeGreaterThanOrEqual(1);
      expect(stats?.groups).toBeLessThanOrEqual(10);
      expect(stats?.fsyncs).toBe(stats?.groups);
      expect(stats?.fsyncSeconds).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  });

  it('with FULL (the default), each group commit fsyncs the WAL from the thread pool before its units settle', async () => {
    const count = await fsyncsDuring('full', async (_db, transact) => {
      await Promise.all(Array.from({ length: 20 }, (_, index) => transact(`r${index}`)));
      await transact('last');
    });
    // One per group (the directory is synced once too, when the WAL file is first opened).
    expect(count).toBeGreaterThanOrEqual(2);
  });

  it('with NORMAL, chosen by the operator, nothing is fsynced at commit', async () => {
    const count = await fsyncsDuring('normal', async (_db, transact) => {
      await Promise.all(Array.from({ length: 20 }, (_, index) => transact(`r${index}`)));
    });
    expect(count).toBe(0);
  });
});
