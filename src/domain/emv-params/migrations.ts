import type { Kysely } from 'kysely';
import { bytesColumn, watchTableChanges, watchTableChangesOnSqlite, type ModuleMigrations } from '../../ports/store.js';

/** The EMV parameter module's schema (docs/emv-parameters.md). Append-only once released. */
export const emvParamsMigrations: ModuleMigrations = {
  module: 'emv_params',
  migrations: [
    {
      name: '0001_emv_params',
      async up(db: Kysely<unknown>, dialect) {
        const bytes = bytesColumn(dialect);
        await db.schema
          .createTable('emv_params_capks')
          .addColumn('rid', 'text', (column) => column.notNull())
          .addColumn('key_index', 'bigint', (column) => column.notNull())
          .addColumn('expiry_date', 'text', (column) => column.notNull())
          .addColumn('hash_algorithm', 'bigint', (column) => column.notNull())
          .addColumn('public_key_algorithm', 'bigint', (column) => column.notNull())
          .addColumn('modulus', bytes, (column) => column.notNull())
          .addColumn('exponent', bytes, (column) => column.notNull())
          .addColumn('checksum', bytes, (column) => column.notNull())
          .addPrimaryKeyConstraint('emv_params_capks_pk', ['rid', 'key_index'])
          .execute();
        // One AID's parameters as the field 62 TLV record (src/lib/tlv/unionpay-aid.ts): the
        // record is the canonical form the host sends, and it decodes back to every field.
        await db.schema
          .createTable('emv_params_aids')
          .addColumn('aid', 'text', (column) => column.primaryKey())
          .addColumn('record', bytes, (column) => column.notNull())
          .execute();
        // One row: the set's version, the versions at which the CAPK and the AID tables last
        // changed, and SHA-256 digests of their contents (an import that changes nothing keeps the version).
        await db.schema
          .createTable('emv_params_state')
          .addColumn('id', 'integer', (column) => column.primaryKey())
          .addColumn('version', 'bigint', (column) => column.notNull())
          .addColumn('capk_version', 'bigint', (column) => column.notNull())
          .addColumn('aid_version', 'bigint', (column) => column.notNull())
          .addColumn('capk_digest', 'text', (column) => column.notNull())
          .addColumn('aid_digest', 'text', (column) => column.notNull())
          .addColumn('updated_at_ms', 'bigint', (column) => column.notNull())
          .execute();
        await (db as Kysely<{ emv_params_state: { id: number; version: bigint; capk_version: bigint; aid_version: bigint; capk_digest: string; aid_digest: string; updated_at_ms: bigint } }>)
          .insertInto('emv_params_state')
          .values({ id: 1, version: 0n, capk_version: 0n, aid_version: 0n, capk_digest: '', aid_digest: '', updated_at_ms: 0n })
          .execute();
        // Per terminal: the set versions of its last complete CAPK and AID downloads (the end
        // messages 371 and 381). Keyed by terminal id; the terminals module's tables are not touched.
        await db.schema
          .createTable('emv_params_terminals')
          .addColumn('terminal_id', 'text', (column) => column.primaryKey())
          .addColumn('capk_version', 'bigint', (column) => column.notNull())
          .addColumn('aid_version', 'bigint', (column) => column.notNull())
          .addColumn('updated_at_ms', 'bigint', (column) => column.notNull())
          .execute();
      },
    },
    {
      // The host caches these rows per request; commits to them on any node must reach its cache.
      name: '0002_notify_changes',
      async up(db, dialect) {
        await watchTableChanges(db, dialect, 'emv_params_state');
        await watchTableChanges(db, dialect, 'emv_params_terminals');
      },
    },
    {
      // Counts commits to the watched tables on SQLite, where 0002 did nothing when it ran: a store
      // then moves its epoch for those commits only, not for every other connection's commit.
      name: '0003_count_changes_on_sqlite',
      async up(db, dialect) {
        await watchTableChangesOnSqlite(db, dialect, 'emv_params_state');
        await watchTableChangesOnSqlite(db, dialect, 'emv_params_terminals');
      },
    },
  ],
};
