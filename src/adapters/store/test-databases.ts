import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { ModuleMigrations, Store } from '../../ports/store.js';
import { migrateStore } from './migrate.js';
import { openStore, type StoreLocation } from './open-store.js';

/**
 * Test support (left out of the build): every storage test runs on both dialects. SQLite gets a
 * fresh file in a temporary folder; PostgreSQL a fresh schema in the local server
 * (BASTION_TEST_PG_URL, default postgres://postgres@127.0.0.1:5432/test), dropped afterwards.
 * A machine without PostgreSQL skips that half and says so.
 */
export const testPostgresUrl = process.env['BASTION_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  readonly name: 'sqlite' | 'postgres';
  /** A fresh, migrated store; `close()` also removes it. */
  open(modules: readonly ModuleMigrations[]): Promise<Store>;
}

let postgresAvailable: Promise<boolean> | undefined;

/** Whether the local PostgreSQL answers; asked once per test process. */
export function isPostgresAvailable(): Promise<boolean> {
  postgresAvailable ??= (async () => {
    const client = new pg.Client({ connectionString: testPostgresUrl, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('select 1');
      return true;
    } catch {
      process.stderr.write(`\n[bastion tests] PostgreSQL is not reachable at ${testPostgresUrl}: the PostgreSQL half of the storage tests is SKIPPED.\n`);
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return postgresAvailable;
}

const sqlite: TestDatabase = {
  name: 'sqlite',
  async open(modules) {
    const dir = mkdtempSync(join(tmpdir(), 'bastion-test-'));
    const location = { sqliteFile: join(dir, 'bastion.sqlite') };
    const store = openStore(location);
    await migrateStore(store, modules);
    return withCleanup(store, location, () => {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    });
  },
};

const postgres: TestDatabase = {
  name: 'postgres',
  async open(modules) {
    const schema = `test_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: testPostgresUrl });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    const location = { postgresUrl: testPostgresUrl, schema };
    const store = openStore(location, { poolSize: 4 });
    const dropSchema = async (): Promise<void> => {
      const dropper = new pg.Client({ connectionString: testPostgresUrl });
      await dropper.connect();
      await dropper.query(`drop schema if exists ${schema} cascade`);
      await dropper.end();
    };
    try {
      await migrateStore(store, modules);
    } catch (error) {
      // A failed migration must not leave its schema behind in the shared test database.
      await store.close();
      await dropSchema();
      throw error;
    }
    return withCleanup(store, location, dropSchema);
  },
};

/** Where each store opened here lives, so that a test can open another connection to it. */
const locations = new WeakMap<Store, StoreLocation>();

/**
 * Another store on the same database as `store` (opened by `open` above): what another process
 * or host node sees and does. Closing it removes nothing.
 */
export function openSecondStore(store: Store): Store {
  const location = locations.get(store);
  if (location === undefined) throw new Error('openSecondStore takes a store opened by a TestDatabase');
  return openStore(location, { poolSize: 2 });
}

function withCleanup(store: Store, location: StoreLocation, cleanup: () => Promise<void>): Store {
  const wrapped: Store = {
    dialect: store.dialect,
    db: () => store.db(),
    transact: (work) => store.transact(work),
    whenDurable: () => store.whenDurable(),
    changes: store.changes,
    async close() {
      await store.close();
      await cleanup();
    },
  };
  locations.set(wrapped, location);
  return wrapped;
}

/** The databases to run on: SQLite always, PostgreSQL when it answers. */
export async function testDatabases(): Promise<TestDatabase[]> {
  return (await isPostgresAvailable()) ? [sqlite, postgres] : [sqlite];
}

export const allTestDatabases: readonly TestDatabase[] = [sqlite, postgres];

/** The databases this machine can run storage tests on (resolved once, at import). */
export const databases: readonly TestDatabase[] = await testDatabases();
