import { sql } from 'kysely';
import { bytesColumn, watchTableChanges, watchTableChangesOnSqlite, type ModuleMigrations } from '../../ports/store.js';

/** The terminals module's schema. Append-only once released. */
export const terminalsMigrations: ModuleMigrations = {
  module: 'terminals',
  migrations: [
    {
      name: '0001_terminals',
      async up(db, dialect) {
        const bytes = bytesColumn(dialect);
        // Status and MAC variant are plain text, checked by the service, so that terminal
        // management can add states and variants without a table rebuild on SQLite.
        // Every key column holds ciphertext under the LMK; clear keys never reach the store. A
        // key's type is its column prefix, so it can't be stored in the wrong slot.
        await db.schema
          .createTable('terminals_terminals')
          .addColumn('id', dialect === 'sqlite' ? 'integer' : 'bigint', (column) =>
            dialect === 'sqlite' ? column.primaryKey().autoIncrement() : column.primaryKey().generatedAlwaysAsIdentity(),
          )
          .addColumn('terminal_id', 'text', (column) => column.notNull())
          .addColumn('merchant_id', 'text', (column) => column.notNull())
          .addColumn('serial_number', 'text', (column) => column.notNull())
          .addColumn('model', 'text', (column) => column.notNull())
          .addColumn('mac_variant', 'text', (column) => column.notNull())
          .addColumn('status', 'text', (column) => column.notNull())
          .addColumn('tmk_algorithm', 'text')
          .addColumn('tmk_ciphertext', bytes)
          .addColumn('tmk_kcv', bytes)
          .addColumn('pik_algorithm', 'text')
          .addColumn('pik_ciphertext', bytes)
          .addColumn('pik_kcv', bytes)
          .addColumn('mak_algorithm', 'text')
          .addColumn('mak_ciphertext', bytes)
          .addColumn('mak_kcv', bytes)
          .addColumn('tdk_algorithm', 'text')
          .addColumn('tdk_ciphertext', bytes)
          .addColumn('tdk_kcv', bytes)
          .addColumn('key_generation', 'bigint', (column) => column.notNull())
          .addColumn('batch_number', 'bigint', (column) => column.notNull())
          .addColumn('last_sign_in_at_ms', 'bigint')
          .addColumn('last_sign_in_local_date', 'text')
          .addColumn('signed_out_at_ms', 'bigint')
          .addColumn('mac_failure_count', 'bigint', (column) => column.notNull())
          .addColumn('lock_reason', 'text')
          .addColumn('locked_at_ms', 'bigint')
          .addColumn('created_at_ms', 'bigint', (column) => column.notNull())
          .addColumn('updated_at_ms', 'bigint', (column) => column.notNull())
          // Field 41 is unique across the acquirer (see terminal.ts), the serial across all devices.
          .addUniqueConstraint('terminals_terminals_terminal_id_key', ['terminal_id'])
          .addUniqueConstraint('terminals_terminals_serial_number_key', ['serial_number'])
          .addCheckConstraint('terminals_terminals_batch_number_range', sql`batch_number between 1 and 999999`)
          .addCheckConstraint('terminals_terminals_counters_nonnegative', sql`mac_failure_count >= 0 and key_generation >= 0`)
          .execute();
        await db.schema.createIndex('terminals_terminals_merchant_id_idx').on('terminals_terminals').column('merchant_id').execute();
      },
    },
    {
      // The host caches these rows per request; commits to them on any node must reach its cache.
      name: '0002_notify_changes',
      async up(db, dialect) {
        await watchTableChanges(db, dialect, 'terminals_terminals');
      },
    },
    {
      // Counts commits to the watched tables on SQLite, where 0002 did nothing when it ran: a store
      // then moves its epoch for those commits only, not for every other connection's commit.
      name: '0003_count_changes_on_sqlite',
      async up(db, dialect) {
        await watchTableChangesOnSqlite(db, dialect, 'terminals_terminals');
      },
    },
  ],
};
