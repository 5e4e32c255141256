import { Command } from 'commander';
import { isBastionError } from '../../../lib/errors/index.js';
import type { CliIo } from '../io.js';
import { configuredStoreLocation, describeLocation, openConfiguredStore } from './configured-store.js';

/** `bastion migrate`: bring every module's tables up to date (also done on start). */
export function migrateCommand(io: CliIo, setExit: (code: number) => void): Command {
  return new Command('migrate').description('create or upgrade the database tables of every module (DATABASE_URL or BASTION_DB / BASTION_DATA_DIR)').action(async () => {
    try {
      const { store, applied } = await openConfiguredStore();
      await store.close();
      io.stdout(`${describeLocation(configuredStoreLocation())}: ${applied.length === 0 ? 'already up to date' : `applied ${applied.join(', ')}`}\n`);
      setExit(0);
    } catch (error) {
      io.stderr(isBastionError(error) ? `error ${error.code}: ${error.message}\n` : 'error STORE_ERR_CONFIG: the store could not be opened\n');
      setExit(2);
    }
  });
}
