import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { ModuleMigrations, Store } from '../../ports/store.js';
import { migrateStore } from './migrate.js';
import { openStore } from './open-store.js';

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
    const store = openStore({ sqliteFile: join(dir, 'bastion.sqlite') });
    await migrateStore(store, modules);
    return withCleanup(store, () => {
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
    const store = openStore({ postgresUrl: testPostgresUrl, schema }, { poolSize: 4 });
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
    return withCleanup(store, dropSchema);
  },
};

function withCleanup(store: Store, cleanup: () => Promise<void>): Store {
  return {
    dialect: store.dialect,
    db: () => store.db(),
    transact: (work) => store.transact(work),
    async close() {
      await store.close();
      await cleanup();
    },
  };
}

/** The databases to run on: SQLite always, PostgreSQL when it answers. */
export async function testDatabases(): Promise<TestDatabase[]> {
  return (await isPostgresAvailable()) ? [sqlite, postgres] : [sqlite];
}

export const allTestDatabases: readonly TestDatabase[] = [sqlite, postgres];

/** The databases this machine can run storage tests on (resolved once, at import). */
export const databases: readonly TestDatabase[] = await testDatabases();
