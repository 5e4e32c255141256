import { watchTableChanges, watchTableChangesOnSqlite, type ModuleMigrations } from '../../ports/store.js';

/** The merchants module's schema. Append-only once released. */
export const merchantsMigrations: ModuleMigrations = {
  module: 'merchants',
  migrations: [
    {
      name: '0001_merchants',
      async up(db, dialect) {
        // No clear personal data here: onboarding adds it later in per-field-encrypted tables.
        // Status is plain text (checked by the service) so that onboarding states need no rebuild.
        await db.schema
          .createTable('merchants_merchants')
          .addColumn('id', dialect === 'sqlite' ? 'integer' : 'bigint', (column) =>
            dialect === 'sqlite' ? column.primaryKey().autoIncrement() : column.primaryKey().generatedAlwaysAsIdentity(),
          )
          .addColumn('merchant_id', 'text', (column) => column.notNull())
          .addColumn('legal_name', 'text', (column) => column.notNull())
          .addColumn('display_name', 'text', (column) => column.notNull())
          .addColumn('mcc', 'text', (column) => column.notNull())
          .addColumn('status', 'text', (column) => column.notNull())
          .addColumn('currency', 'text', (column) => column.notNull())
          .addColumn('fee_rate_bp', 'bigint', (column) => column.notNull())
          .addColumn('fee_fixed_minor', 'bigint', (column) => column.notNull())
          .addColumn('created_at_ms', 'bigint', (column) => column.notNull())
          .addColumn('updated_at_ms', 'bigint', (column) => column.notNull())
          .addUniqueConstraint('merchants_merchants_merchant_id_key', ['merchant_id'])
          .execute();
      },
    },
    {
      // The host caches these rows per request; commits to them on any node must reach its cache.
      name: '0002_notify_changes',
      async up(db, dialect) {
        await watchTableChanges(db, dialect, 'merchants_merchants');
      },
    },
    {
      // Counts commits to the watched tables on SQLite, where 0002 did nothing when it ran: a store
      // then moves its epoch for those commits only, not for every other connection's commit.
      name: '0003_count_changes_on_sqlite',
      async up(db, dialect) {
        await watchTableChangesOnSqlite(db, dialect, 'merchants_merchants');
      },
    },
  ],
};
