import type { Kysely } from 'kysely';
import { bytesColumn, type ModuleMigrations } from '../../ports/store.js';

/** The electronic-signature module's tables: stored signatures and upload parts in progress. */
export const eSignatureMigrations: ModuleMigrations = {
  module: 'esignature',
  migrations: [
    {
      name: '0001_esignature_tables',
      async up(db: Kysely<unknown>, dialect) {
        await db.schema
          .createTable('esignature_signatures')
          .addColumn('id', dialect === 'sqlite' ? 'integer' : 'bigint', (column) => (dialect === 'sqlite' ? column.primaryKey().autoIncrement() : column.primaryKey().generatedAlwaysAsIdentity()))
          .addColumn('terminal_id', 'text', (column) => column.notNull())
          .addColumn('merchant_id', 'text', (column) => column.notNull())
          .addColumn('batch_number', 'text', (column) => column.notNull())
          .addColumn('trace', 'text', (column) => column.notNull())
          .addColumn('rrn', 'text', (column) => column.notNull())
          .addColumn('feature_code', 'text', (column) => column.notNull())
          .addColumn('image_format', 'text', (column) => column.notNull())
          .addColumn('image_bytes', 'bigint', (column) => column.notNull())
          .addColumn('width', 'bigint', (column) => column.notNull())
          .addColumn('height', 'bigint', (column) => column.notNull())
          .addColumn('compressed', bytesColumn(dialect), (column) => column.notNull())
          .addColumn('sha256', bytesColumn(dialect), (column) => column.notNull())
          .addColumn('created_at_ms', 'bigint', (column) => column.notNull())
          .addUniqueConstraint('esignature_signatures_transaction', ['terminal_id', 'batch_number', 'trace'])
          .execute();
        await db.schema
          .createTable('esignature_upload_parts')
          .addColumn('terminal_id', 'text', (column) => column.notNull())
          .addColumn('batch_number', 'text', (column) => column.notNull())
          .addColumn('trace', 'text', (column) => column.notNull())
          .addColumn('part_number', 'bigint', (column) => column.notNull())
          .addColumn('part_count', 'bigint', (column) => column.notNull())
          .addColumn('total_bytes', 'bigint', (column) => column.notNull())
          .addColumn('sha256', bytesColumn(dialect), (column) => column.notNull())
          .addColumn('data', bytesColumn(dialect), (column) => column.notNull())
          .addColumn('received_at_ms', 'bigint', (column) => column.notNull())
          .addPrimaryKeyConstraint('esignature_upload_parts_pk', ['terminal_id', 'batch_number', 'trace', 'part_number'])
          .execute();
      },
    },
  ],
};
