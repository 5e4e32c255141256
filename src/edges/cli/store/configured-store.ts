import { join, resolve } from 'node:path';
import { migrateStore } from '../../../adapters/store/migrate.js';
import { storeModules } from '../../../adapters/store/modules.js';
import { openStore, storeLocationFromEnvironment, type StoreLocation, type StoreOptions } from '../../../adapters/store/open-store.js';
import { BastionError } from '../../../lib/errors/index.js';
import { wholeNumberSetting } from '../../../lib/settings/whole-number.js';
import type { Store } from '../../../ports/store.js';

/** BASTION_DATA_DIR (default ./data) holds the embedded database, keys and logs. */
export function dataDirFromEnvironment(environment: NodeJS.ProcessEnv = process.env): string {
  return resolve(environment['BASTION_DATA_DIR'] ?? 'data');
}

export function configuredStoreLocation(environment: NodeJS.ProcessEnv = process.env): StoreLocation {
  const dataDir = dataDirFromEnvironment(environment);
  return storeLocationFromEnvironment({ ...environment, BASTION_DB: environment['BASTION_DB'] ?? join(dataDir, 'bastion.sqlite') }, dataDir);
}

export const POSTGRES_POOL_SIZE_MAX = 200;

/**
 * The store's tuning from the environment: BASTION_SQLITE_SYNCHRONOUS (`full`, the default: every
 * acknowledged transaction survives power loss; `normal`: it survives a crash of the process but
 * not of the machine) and BASTION_PG_POOL_SIZE (PostgreSQL connections, default 10).
 */
export function storeOptionsFromEnvironment(environment: NodeJS.ProcessEnv = process.env): StoreOptions {
  const synchronous = environment['BASTION_SQLITE_SYNCHRONOUS'];
  const pool = environment['BASTION_PG_POOL_SIZE'];
  if (synchronous !== undefined && synchronous !== '' && synchronous !== 'full' && synchronous !== 'normal') {
    throw new BastionError('STORE_ERR_CONFIG', 'BASTION_SQLITE_SYNCHRONOUS must be full or normal', { argument: 'BASTION_SQLITE_SYNCHRONOUS' });
  }
  const poolSize = wholeNumberSetting(pool, 1, POSTGRES_POOL_SIZE_MAX, () => new BastionError('STORE_ERR_CONFIG', `BASTION_PG_POOL_SIZE must be a whole number from 1 to ${POSTGRES_POOL_SIZE_MAX}`, { argument: 'BASTION_PG_POOL_SIZE' }));
  return { ...(synchronous === 'normal' || synchronous === 'full' ? { sqliteSynchronous: synchronous } : {}), ...(poolSize === undefined ? {} : { poolSize }) };
}

/** Opens the configured store and brings every module's tables up to date. */
export async function openConfiguredStore(environment: NodeJS.ProcessEnv = process.env, extra: Pick<StoreOptions, 'sqliteBackgroundCheckpoints' | 'sqliteCacheMiB' | 'sqliteWriteTurn'> = {}): Promise<{ store: Store; applied: string[] }> {
  const store = openStore(configuredStoreLocation(environment), { ...storeOptionsFromEnvironment(environment), ...extra });
  try {
    const { applied } = await migrateStore(store, storeModules);
    return { store, applied };
  } catch (error) {
    await store.close();
    throw error;
  }
}

/** A printable description of where the store is, without credentials. */
export function describeLocation(location: StoreLocation): string {
  if ('sqliteFile' in location) return `SQLite ${location.sqliteFile}`;
  try {
    const url = new URL(location.postgresUrl);
    return `PostgreSQL ${url.host}${url.pathname}`;
  } catch {
    return 'PostgreSQL';
  }
}
