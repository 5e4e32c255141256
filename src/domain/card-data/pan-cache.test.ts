import type { KyselyPlugin, Transaction } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testHsm } from '../../adapters/hsm/test-hsm.js';
import { databases, openSecondStore } from '../../adapters/store/test-databases.js';
import { eventually } from '../../lib/testing/test-eventually.js';
import { announcedWrite, type Store } from '../../ports/store.js';
import { cardDataMigrations } from './migrations.js';
import { PanVault } from './pan-vault.js';
import type { CardDataTables } from './tables.js';

/**
 * The vault keeps look-up hash → id pairs in memory, so a card seen again costs no query. These
 * tests count the vault's queries and erase or re-key stored PANs every way a write can arrive —
 * this process (announced), another process or node — and check that a look-up after the change
 * has committed (on PostgreSQL: once its notification has arrived) never answers with the old id.
 */
describe.each(databases)('PAN vault id cache on $name', (database) => {
  let store: Store;
  let elsewhere: Store;
  let vault: PanVault;
  let queries = 0;
  const hsm = testHsm();

  /** The store as the vault sees it, counting every statement the vault runs. */
  function counted(inner: Store): Store {
    const counter: KyselyPlugin = {
      transformQuery: (args) => args.node,
      transformResult: (args) => {
        queries += 1;
        return Promise.resolve(args.result);
      },
    };
    return { ...inner, db: <Tables>() => inner.db<Tables>().withPlugin(counter), changes: inner.changes };
  }

  /** The queries `run` made through the vault. */
  async function queriesOf(run: () => Promise<unknown>): Promise<number> {
    const before = queries;
    await run();
    return queries - before;
  }

  beforeAll(async () => {
    store = await database.open([cardDataMigrations]);
    elsewhere = openSecondStore(store);
    vault = await PanVault.open({ store: counted(store), hsm, clock: () => 1_700_000_000_000n });
    // PostgreSQL's store listens from the first read on; until it does, nothing is cached.
    await eventually(() => store.changes.epoch() !== undefined, 'the store to watch for changes', 10_000);
  });
  afterAll(async () => {
    await elsewhere.close();
    await store.close();
  });

  /** Protects `pan` and waits until its id is served from memory (notifications of earlier tests' writes may still arrive). */
  async function protectedAndKept(pan: string): Promise<string> {
    const id = await vault.protect(pan);
    await eventually(async () => (await queriesOf(() => vault.protect(pan))) === 0, 'the id to be served from memory');
    return id;
  }

  it('a card seen again costs no query; a card not stored is looked up every time', async () => {
    const id = await protectedAndKept('4761739001010010');
    let found: string | undefined;
    expect(await queriesOf(async () => (found = await vault.protect('4761739001010010')))).toBe(0);
    expect(found).toBe(id);
    expect(await queriesOf(async () => (found = await vault.find('4761739001010010')))).toBe(0);
    expect(found).toBe(id);
    // A miss is never kept: a card stored a moment later by another host is found.
    expect(await queriesOf(async () => (found = await vault.find('4000056655665556')))).toBe(1);
    expect(await queriesOf(async () => (found = await vault.find('4000056655665556')))).toBe(1);
    expect(found).toBeUndefined();
  });

  it('a PAN stored by another host is found, then kept', async () => {
    const other = await PanVault.open({ store: elsewhere, hsm });
    expect(await vault.find('5413330089020011')).toBeUndefined();
    const id = await other.protect('5413330089020011');
    expect(await vault.find('5413330089020011')).toBe(id);
    expect(await vault.protect('5413330089020011')).toBe(id);
  });

  it('an erasure announced in this process: never the old id once it has committed, even if a look-up during it kept it', async () => {
    const pan = '6222021234567890123';
    const id = await protectedAndKept(pan);
    let during: Promise<string | undefined> | undefined;
    await store.transact(async (trx: Transaction<CardDataTables>) => {
      await announcedWrite<CardDataTables, unknown>(store.changes, trx, () => trx.deleteFrom('card_data_pans').where('id', '=', id).execute());
      during = vault.find(pan);
      if (store.dialect === 'postgres') await during;
    });
    await during;
    expect(await vault.find(pan)).toBeUndefined();
    const again = await vault.protect(pan);
    expect(again).not.toBe(id);
    expect(await vault.protect(pan)).toBe(again);
  });

  it('an erasure by another process or node: on SQLite at once, on PostgreSQL once its notification arrives', async () => {
    const pan = '4111111111111111';
    const id = await protectedAndKept(pan);
    await elsewhere.db<CardDataTables>().deleteFrom('card_data_pans').where('id', '=', id).execute();
    if (store.dialect === 'sqlite') {
      expect(await vault.find(pan)).toBeUndefined();
    } else {
      await eventually(async () => (await vault.find(pan)) === undefined, 'the erasure to reach the cache');
    }
    // From then on the old id never comes back, and the PAN gets a new one.
    expect(await vault.find(pan)).toBeUndefined();
    const again = await vault.protect(pan);
    expect(again).not.toBe(id);
  });

  it('a re-keyed look-up hash by another process or node: the old hash no longer finds the row', async () => {
    const pan = '3530111333300000';
    const id = await protectedAndKept(pan);
    await elsewhere.db<CardDataTables>().updateTable('card_data_pans').set({ pan_hash: Buffer.alloc(32, 0x5a) }).where('id', '=', id).execute();
    if (store.dialect === 'sqlite') {
      expect(await vault.find(pan)).toBeUndefined();
    } else {
      await eventually(async () => (await vault.find(pan)) === undefined, 'the re-keying to reach the cache');
    }
    expect(await vault.find(pan)).toBeUndefined();
  });
});
