import { sql, type Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { announcedWrite, watchTableChanges, type Store } from '../../ports/store.js';
import { eventually } from '../../lib/testing/test-eventually.js';
import { PostgresChanges } from './postgres-changes.js';
import { databases, openSecondStore } from './test-databases.js';

interface Tables {
  sc_rows: { id: string; note: string };
  sc_other: { id: string };
}

/** The epoch once the store can tell (PostgreSQL listens from the first time it is asked). */
async function knownEpoch(store: Store): Promise<number> {
  await eventually(() => store.changes.epoch() !== undefined, 'the store to watch for changes', 10_000);
  const epoch = store.changes.epoch();
  if (epoch === undefined) throw new Error('the store stopped watching');
  return epoch;
}

describe.each(databases)('store change epoch on $name', (database) => {
  let store: Store;
  let other: Store;
  let db: Kysely<Tables>;

  beforeEach(async () => {
    store = await database.open([]);
    db = store.db<Tables>();
    await sql`create table sc_rows (id text primary key, note text not null)`.execute(db);
    await sql`create table sc_other (id text primary key)`.execute(db);
    await watchTableChanges(db as Kysely<unknown>, store.dialect, 'sc_rows');
    await db.insertInto('sc_rows').values({ id: 'a', note: 'first' }).execute();
    other = openSecondStore(store);
  });

  afterEach(async () => {
    await other.close();
    await store.close();
  });

  it('an announced write moves the epoch before it starts and after it is done', async () => {
    const before = await knownEpoch(store);
    let during: number | undefined;
    await announcedWrite(store.changes, db, async () => {
      during = store.changes.epoch();
      return db.updateTable('sc_rows').set({ note: 'second' }).where('id', '=', 'a').execute();
    });
    expect(during).not.toBe(before);
    expect(store.changes.epoch()).not.toBe(during);
  });

  it('a write announced inside a transaction moves the epoch again once the transaction has committed, and once it has rolled back', async () => {
    const before = await knownEpoch(store);
    let inside: number | undefined;
    await store.transact<Tables, undefined>(async (trx) => {
      await announcedWrite<Tables, unknown>(store.changes, trx, () => trx.updateTable('sc_rows').set({ note: 'third' }).where('id', '=', 'a').execute());
      inside = store.changes.epoch();
    });
    expect(inside).not.toBe(before);
    const committed = store.changes.epoch();
    expect(committed).not.toBe(inside);
    await expect(
      store.transact<Tables, undefined>(async (trx) => {
        await announcedWrite<Tables, unknown>(store.changes, trx, () => trx.updateTable('sc_rows').set({ note: 'never' }).where('id', '=', 'a').execute());
        inside = store.changes.epoch();
        throw new Error('rolled back on purpose');
      }),
    ).rejects.toThrow('rolled back on purpose');
    expect(inside).not.toBe(committed);
    expect(store.changes.epoch()).not.toBe(inside);
    expect((await db.selectFrom('sc_rows').select('note').where('id', '=', 'a').executeTakeFirstOrThrow()).note).toBe('third');
  });

  it("another process's commit to a watched table moves the epoch (SQLite: at once; PostgreSQL: when its notification arrives)", async () => {
    const before = await knownEpoch(store);
    await other.db<Tables>().updateTable('sc_rows').set({ note: 'from elsewhere' }).where('id', '=', 'a').execute();
    if (store.dialect === 'sqlite') expect(store.changes.epoch()).not.toBe(before);
    else await eventually(() => store.changes.epoch() !== before, "the other node's notification");
    expect(store.changes.epoch()).toBeDefined();
  });

  it('a write of this process that is not announced does not move the epoch (SQLite): every writer to a watched table must announce', async () => {
    if (store.dialect !== 'sqlite') return;
    const before = await knownEpoch(store);
    await db.updateTable('sc_rows').set({ note: 'unannounced' }).where('id', '=', 'a').execute();
    expect(store.changes.epoch()).toBe(before);
  });
});

describe.each(databases.filter((database) => database.name === 'postgres'))('store change notifications on $name', (database) => {
  let store: Store;
  let stranger: Store;

  beforeEach(async () => {
    store = await database.open([]);
    stranger = await database.open([]);
    for (const each of [store, stranger]) {
      await sql`create table sc_rows (id text primary key, note text not null)`.execute(each.db());
      await sql`create table sc_other (id text primary key)`.execute(each.db());
      await watchTableChanges(each.db(), each.dialect, 'sc_rows');
    }
  });

  afterEach(async () => {
    await stranger.close();
    await store.close();
  });

  it("ignores commits to unwatched tables and to another schema's tables", async () => {
    const before = await knownEpoch(store);
    const marker = await knownEpoch(stranger);
    await stranger.db<Tables>().insertInto('sc_rows').values({ id: 'x', note: 'elsewhere' }).execute();
    await store.db<Tables>().insertInto('sc_other').values({ id: 'y' }).execute();
    // The stranger's own store hears its notification: by then this store has heard it too.
    await eventually(() => stranger.changes.epoch() !== marker, "the stranger's notification");
    await store.db<Tables>().insertInto('sc_rows').values({ id: 'z', note: 'here' }).execute();
    await eventually(() => store.changes.epoch() !== before, 'the notification from this schema');
    expect(store.changes.epoch()).toBe(before + 1);
  });

  it('cannot tell while its listening connection is down, and moves the epoch once it listens again', async () => {
    const before = await knownEpoch(store);
    const { changes } = store;
    const pid = changes instanceof PostgresChanges ? changes.backendPid : undefined;
    expect(pid).toBeTypeOf('number');
    await sql`select pg_terminate_backend(${pid})`.execute(stranger.db());
    await eventually(() => store.changes.epoch() !== before, 'the lost connection to be noticed');
    // Undefined until it listens again (at most one reconnect interval later), then a new epoch.
    const after = await knownEpoch(store);
    expect(after).toBeGreaterThan(before);
  });
});
