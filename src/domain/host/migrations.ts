import { sql, type Kysely } from 'kysely';
import { bytesColumn, type ModuleMigrations } from '../../ports/store.js';

/** The host pipeline's table: answered requests, for replay of duplicates and for reports. */
export const hostMigrations: ModuleMigrations = {
  module: 'host',
  migrations: [
    {
      name: '0001_host_transactions',
      async up(db: Kysely<unknown>, dialect) {
        await db.schema
          .createTable('host_transactions')
          .addColumn('id', dialect === 'sqlite' ? 'integer' : 'bigint', (column) => (dialect === 'sqlite' ? column.primaryKey().autoIncrement() : column.primaryKey().generatedAlwaysAsIdentity()))
          .addColumn('terminal_id', 'text', (column) => column.notNull())
          .addColumn('merchant_id', 'text', (column) => column.notNull())
          .addColumn('batch_number', 'text', (column) => column.notNull())
          .addColumn('trace', 'text', (column) => column.notNull())
          .addColumn('request_class', 'text', (column) => column.notNull())
          .addColumn('mti', 'text', (column) => column.notNull())
          .addColumn('processing_code', 'text', (column) => column.notNull())
          .addColumn('kind', 'text', (column) => column.notNull())
          .addColumn('amount_minor', 'bigint', (column) => column.notNull())
          .addColumn('currency', 'text', (column) => column.notNull())
          .addColumn('pan_id', 'text')
          .addColumn('masked_pan', 'text')
          .addColumn('rrn', 'text', (column) => column.notNull().unique())
          .addColumn('auth_code', 'text')
          .addColumn('response_code', 'text', (column) => column.notNull())
          .addColumn('issuer_reference', 'text')
          .addColumn('created_at_ms', 'bigint', (column) => column.notNull())
          .addColumn('response', bytesColumn(dialect), (column) => column.notNull())
          .addUniqueConstraint('host_transactions_dedup', ['terminal_id', 'batch_number', 'trace', 'request_class'])
          .execute();
      },
    },
    {
      // What a duplicate must match besides its key (duplicate.ts); rows from before have none.
      name: '0002_host_transactions_request_fingerprint',
      async up(db: Kysely<unknown>, dialect) {
        await db.schema.alterTable('host_transactions').addColumn('request_fingerprint', bytesColumn(dialect)).execute();
      },
    },
    {
      // Void, refund and reversal (void.ts, refund.ts, reversal.ts): what refers to what, what was
      // given back, and the ledger and network keys a reversal needs to undo a row.
      name: '0003_host_transactions_adjustments',
      async up(db: Kysely<unknown>) {
        for (const column of ['original_rrn', 'cancelled_by', 'ledger_key', 'network_key']) {
          await db.schema.alterTable('host_transactions').addColumn(column, 'text').execute();
        }
        await db.schema.alterTable('host_transactions').addColumn('refunded_minor', 'bigint', (column) => column.notNull().defaultTo(0)).execute();
        await db.schema.createIndex('host_transactions_original_rrn_idx').on('host_transactions').column('original_rrn').execute();
      },
    },
    {
      // Only adjustments have an original: sales, which are most rows, no longer write an entry of
      // this index (a NULL key is indexed too), one B-tree fewer per sale's insert. A query for
      // `original_rrn = ?` still uses it, since that comparison implies IS NOT NULL.
      name: '0004_original_rrn_index_of_adjustments_only',
      async up(db: Kysely<unknown>) {
        await db.schema.dropIndex('host_transactions_original_rrn_idx').execute();
        await db.schema.createIndex('host_transactions_original_rrn_idx').on('host_transactions').column('original_rrn').where(sql.ref('original_rrn'), 'is not', null).execute();
      },
    },
  ],
};
