import type { Kysely } from 'kysely';
import { bytesColumn, type ModuleMigrations, type SqlDialect } from '../../ports/store.js';

function idColumn(dialect: SqlDialect) {
  return [dialect === 'sqlite' ? 'integer' : 'bigint', (column: import('kysely').ColumnDefinitionBuilder) => (dialect === 'sqlite' ? column.primaryKey().autoIncrement() : column.primaryKey().generatedAlwaysAsIdentity())] as const;
}

/** The settlement module's schema: terminal batches, their uploads and the differences found. Append-only once released. */
export const settlementMigrations: ModuleMigrations = {
  module: 'settlement',
  migrations: [
    {
      name: '0001_settlement_batches',
      async up(db: Kysely<unknown>, dialect) {
        const [idType, idBuild] = idColumn(dialect);
        let batches = db.schema
          .createTable('settlement_batches')
          .addColumn('id', idType, idBuild)
          .addColumn('terminal_id', 'text', (column) => column.notNull())
          .addColumn('merchant_id', 'text', (column) => column.notNull())
          .addColumn('batch_number', 'text', (column) => column.notNull())
          .addColumn('status', 'text', (column) => column.notNull());
        for (const side of ['terminal_debit', 'terminal_credit', 'terminal_foreign_debit', 'terminal_foreign_credit', 'host_debit', 'host_credit']) {
          batches = batches.addColumn(`${side}_amount_minor`, 'bigint', (column) => column.notNull()).addColumn(`${side}_count`, 'bigint', (column) => column.notNull());
        }
        await batches
          .addColumn('domestic_result', 'text', (column) => column.notNull())
          .addColumn('foreign_result', 'text', (column) => column.notNull())
          .addColumn('settlement_response', bytesColumn(dialect), (column) => column.notNull())
          .addColumn('uploaded_count', 'bigint', (column) => column.notNull())
          .addColumn('declared_upload_count', 'bigint')
          .addColumn('settled_at_ms', 'bigint', (column) => column.notNull())
          .addColumn('closed_at_ms', 'bigint')
          .addUniqueConstraint('settlement_batches_terminal_batch', ['terminal_id', 'batch_number'])
          .execute();
        await db.schema
          .createTable('settlement_uploads')
          .addColumn('id', idType, idBuild)
          .addColumn('batch_id', 'bigint', (column) => column.notNull())
          .addColumn('trace', 'text', (column) => column.notNull())
          .addColumn('amount_minor', 'bigint', (column) => column.notNull())
          .addColumn('masked_pan', 'text', (column) => column.notNull())
          .addColumn('uploaded_at_ms', 'bigint', (column) => column.notNull())
          .addUniqueConstraint('settlement_uploads_batch_trace', ['batch_id', 'trace'])
          .execute();
        await db.schema
          .createTable('settlement_differences')
          .addColumn('id', idType, idBuild)
          .addColumn('batch_id', 'bigint', (column) => column.notNull())
          .addColumn('terminal_id', 'text', (column) => column.notNull())
          .addColumn('batch_number', 'text', (column) => column.notNull())
          .addColumn('trace', 'text', (column) => column.notNull())
          .addColumn('kind', 'text', (column) => column.notNull())
          .addColumn('terminal_amount_minor', 'bigint')
          .addColumn('host_amount_minor', 'bigint')
          .addColumn('recorded_at_ms', 'bigint', (column) => column.notNull())
          .addUniqueConstraint('settlement_differences_batch_trace_kind', ['batch_id', 'trace', 'kind'])
          .execute();
      },
    },
  ],
};
