import { sql } from 'kysely';
import { bytesColumn, watchTableChanges, watchTableChangesOnSqlite, type ModuleMigrations } from '../../ports/store.js';

export const cardDataMigrations: ModuleMigrations = {
  module: 'card_data',
  migrations: [
    {
      name: '0001_keys_and_pans',
      async up(db, dialect) {
        const bytes = bytesColumn(dialect);
        await db.schema
          .createTable('card_data_keys')
          .addColumn('id', 'text', (column) => column.primaryKey())
          .addColumn('purpose', 'text', (column) => column.notNull())
          .addColumn('key_type', 'text', (column) => column.notNull())
          .addColumn('algorithm', 'text', (column) => column.notNull())
          .addColumn('ciphertext', bytes, (column) => column.notNull())
          .addColumn('kcv', bytes, (column) => column.notNull())
          .addColumn('created_at_ms', 'bigint', (column) => column.notNull())
          .addCheckConstraint('card_data_keys_purpose_known', sql`purpose in ('pan-encryption', 'pan-lookup')`)
          .execute();
        await db.schema
          .createTable('card_data_pans')
          .addColumn('id', 'text', (column) => column.primaryKey())
          // Unique: what makes protect() give one id per PAN even when hosts race.
          .addColumn('pan_hash', bytes, (column) => column.notNull().unique())
          .addColumn('ciphertext', bytes, (column) => column.notNull())
          .addColumn('iv', bytes, (column) => column.notNull())
          .addColumn('tag', bytes, (column) => column.notNull())
          .addColumn('dek_id', 'text', (column) => column.notNull().references('card_data_keys.id'))
          .addColumn('bin6', 'text', (column) => column.notNull())
          .addColumn('last4', 'text', (column) => column.notNull())
          .addColumn('pan_length', 'integer', (column) => column.notNull())
          .addColumn('created_at_ms', 'bigint', (column) => column.notNull())
          .addCheckConstraint('card_data_pans_length', sql`pan_length between 12 and 19 and length(bin6) = 6 and length(last4) = 4`)
          .execute();
      },
    },
    {
      // Hosts keep look-up hash → id pairs in memory (PanVault). Only an update or a delete of a
      // stored row (an erasure, a re-keying) can make a kept pair wrong; a new row cannot, and
      // notifying on every new card would empty every host's caches each time.
      name: '0002_notify_changes',
      async up(db, dialect) {
        await watchTableChanges(db, dialect, 'card_data_pans', ['update', 'delete', 'truncate']);
      },
    },
    {
      // Counts commits to the watched tables on SQLite, where 0002 did nothing when it ran: a store
      // then moves its epoch for those commits only, not for every other connection's commit.
      name: '0003_count_changes_on_sqlite',
      async up(db, dialect) {
        await watchTableChangesOnSqlite(db, dialect, 'card_data_pans', ['update', 'delete', 'truncate']);
      },
    },
  ],
};
