import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MerchantService } from '../../domain/merchants/index.js';
import { TerminalService } from '../../domain/terminals/index.js';
import { STORE_CHANGE_COUNT_TABLE, watchTableChanges, type Store } from '../../ports/store.js';
import { migrateStore } from './migrate.js';
import { storeModules } from './modules.js';
import { databases, openSecondStore, type TestDatabase } from './test-databases.js';

/**
 * SQLite: several connections (worker threads, processes) commit to one file, nearly always to
 * tables no service caches. A store's change epoch must move for another connection's commit to
 * a watched table only (the triggers' counter), not for every commit that moves `data_version`.
 */
const sqlite = databases.find((database): database is TestDatabase => database.name === 'sqlite');
if (sqlite === undefined) throw new Error('SQLite is always among the test databases');

const clock = (): bigint => 1_704_164_400_000n;

interface ScratchTables {
  scc_scratch: { id: string };
}

async function createScratchTable(store: Store): Promise<void> {
  await sql`create table scc_scratch (id text primary key)`.execute(store.db());
}

async function insertScratch(store: Store, id: string): Promise<void> {
  await store.db<ScratchTables>().insertInto('scc_scratch').values({ id }).execute();
}

/** A data key row and a stored PAN row under it, as the PAN vault writes them (the bytes are placeholders). */
async function insertPan(store: Store, id: string): Promise<void> {
  const db = store.db();
  const bytes = Buffer.from(id);
  await sql`insert or ignore into card_data_keys (id, purpose, key_type, algorithm, ciphertext, kcv, created_at_ms) values ('scc-dek', 'pan-encryption', 'DEK', 'AES-256', ${bytes}, ${bytes}, 0)`.execute(db);
  await sql`insert into card_data_pans (id, pan_hash, ciphertext, iv, tag, dek_id, bin6, last4, pan_length, created_at_ms) values (${id}, ${bytes}, ${bytes}, ${bytes}, ${bytes}, 'scc-dek', '411111', '1111', 16, 0)`.execute(db);
}

/** The change counter's triggers (other modules have triggers of their own). */
async function countingTriggers(store: Store): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select name from sqlite_master where type = 'trigger' order by name`.execute(store.db());
  return rows.map((row) => row.name).filter((name) => /_count_(insert|update|delete)$/.test(name));
}

describe('the SQLite change epoch on a migrated file shared by two connections', () => {
  let store: Store;
  let other: Store;

  beforeEach(async () => {
    store = await sqlite.open(storeModules);
    other = openSecondStore(store);
    await createScratchTable(other);
    const merchants = new MerchantService(other, { clock });
    await merchants.add({ merchantId: '102581054110001', legalName: 'Canton Grocers' });
    await new TerminalService(other, merchants, { clock }).add({ terminalId: '20000001', merchantId: '102581054110001', serialNumber: 'SN-SCC-1', model: 'PAX A920' });
    await insertPan(other, 'pan-kept');
  });

  afterEach(async () => {
    await other.close();
    await store.close();
  });

  it("another connection's commits to tables no service caches leave the epoch where it was", async () => {
    const before = store.changes.epoch();
    await insertScratch(other, 'a');
    expect(store.changes.epoch()).toBe(before);
    await other.transact<ScratchTables, undefined>(async (trx) => {
      await trx.insertInto('scc_scratch').values({ id: 'b' }).execute();
      return undefined;
    });
    expect(store.changes.epoch()).toBe(before);
  });

  it("another connection's update of a terminal, and of a merchant, moves the epoch", async () => {
    const merchants = new MerchantService(other, { clock });
    const terminals = new TerminalService(other, merchants, { clock });
    const before = store.changes.epoch();
    await terminals.lock({ terminalId: '20000001' }, 'stolen');
    const afterLock = store.changes.epoch();
    expect(afterLock).not.toBe(before);
    await merchants.setStatus('102581054110001', 'suspended');
    expect(store.changes.epoch()).not.toBe(afterLock);
  });

  it("another connection's insert of a PAN leaves the epoch (inserts are not watched there); its delete moves it", async () => {
    const before = store.changes.epoch();
    await insertPan(other, 'pan-new');
    expect(store.changes.epoch()).toBe(before);
    await sql`delete from card_data_pans where id = 'pan-kept'`.execute(other.db());
    expect(store.changes.epoch()).not.toBe(before);
  });

  it('a watched commit after an unwatched one still moves the epoch, and the next unwatched one does not', async () => {
    const before = store.changes.epoch();
    await insertScratch(other, 'c');
    expect(store.changes.epoch()).toBe(before);
    await sql`update terminals_terminals set model = 'PAX A80' where terminal_id = '20000001'`.execute(other.db());
    const moved = store.changes.epoch();
    expect(moved).not.toBe(before);
    await insertScratch(other, 'd');
    expect(store.changes.epoch()).toBe(moved);
  });
});

describe('the SQLite change counter before and after the migrations', () => {
  let store: Store;
  let other: Store;

  beforeEach(async () => {
    store = await sqlite.open([]);
    other = openSecondStore(store);
    await createScratchTable(other);
  });

  afterEach(async () => {
    await other.close();
    await store.close();
  });

  it("a store opened before the migrations moves its epoch on every other connection's commit, and counts once they have run", async () => {
    const before = store.changes.epoch();
    await insertScratch(other, 'a');
    const moved = store.changes.epoch();
    expect(moved).not.toBe(before);
    await migrateStore(other, storeModules);
    // The migrations' commits moved it once more (the counter is new to this store).
    const migrated = store.changes.epoch();
    await insertScratch(other, 'b');
    expect(store.changes.epoch()).toBe(migrated);
  });

  it('the upgrade migrations add the counting triggers to a database whose watched tables had none', async () => {
    await migrateStore(other, storeModules);
    const upgrades = storeModules.flatMap((module) => module.migrations.some((migration) => migration.name === '0003_count_changes_on_sqlite') ? [`${module.module}/0003_count_changes_on_sqlite`] : []);
    expect(upgrades).toHaveLength(4);
    const counted = await countingTriggers(other);
    // As the database was before: the notify migrations ran when they did nothing on SQLite.
    for (const trigger of counted) await sql.raw(`drop trigger ${trigger}`).execute(other.db());
    await sql.raw(`drop table ${STORE_CHANGE_COUNT_TABLE}`).execute(other.db());
    await sql`delete from kysely_migration where name in (${sql.join(upgrades)})`.execute(other.db());
    expect((await migrateStore(other, storeModules)).applied).toEqual(expect.arrayContaining(upgrades));
    expect(await countingTriggers(other)).toEqual(counted);
    expect(counted).toEqual(
      expect.arrayContaining(['card_data_pans_count_delete', 'card_data_pans_count_update', 'merchants_merchants_count_insert', 'terminals_terminals_count_update', 'emv_params_state_count_delete', 'emv_params_terminals_count_insert']),
    );
    expect(counted).not.toContain('card_data_pans_count_insert');
  });

  it('watches a table for truncate with a delete trigger (SQLite has no TRUNCATE), and is idempotent', async () => {
    const db = other.db<unknown>();
    await watchTableChanges(db, 'sqlite', 'scc_scratch', ['truncate']);
    expect(await countingTriggers(other)).toEqual(['scc_scratch_count_delete']);
    await watchTableChanges(db, 'sqlite', 'scc_scratch', ['truncate', 'delete']);
    expect(await countingTriggers(other)).toEqual(['scc_scratch_count_delete']);
    await insertScratch(other, 'x');
    await sql`delete from scc_scratch`.execute(db);
    const { rows } = await sql<{ n: bigint }>`select n from store_change_count where id = 1`.execute(db);
    expect(rows[0]?.n).toBe(1n);
  });
});
