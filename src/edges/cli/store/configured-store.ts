import { join, resolve } from 'node:path';
import { migrateStore } from '../../../adapters/store/migrate.js';
import { storeModules } from '../../../adapters/store/modules.js';
import { openStore, storeLocationFromEnvironment, type StoreLocation } from '../../../adapters/store/open-store.js';
import type { Store } from '../../../ports/store.js';

/** BASTION_DATA_DIR (default ./data) holds the embedded database, keys and logs. */
export function dataDirFromEnvironment(environment: NodeJS.ProcessEnv = process.env): string {
  return resolve(environment['BASTION_DATA_DIR'] ?? 'data');
}

export function configuredStoreLocation(environment: NodeJS.ProcessEnv = process.env): StoreLocation {
  const dataDir = dataDirFromEnvironment(environment);
  return storeLocationFromEnvironment({ ...environment, BASTION_DB: environment['BASTION_DB'] ?? join(dataDir, 'bastion.sqlite') }, dataDir);
}

/** Opens the configured store and brings every module's tables up to date. */
export async function openConfiguredStore(environment: NodeJS.ProcessEnv = process.env): Promise<{ store: Store; applied: string[] }> {
  const store = openStore(configuredStoreLocation(environment));
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
