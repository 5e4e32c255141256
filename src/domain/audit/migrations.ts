import { sql, type Kysely } from 'kysely';
import { bytesColumn, type ModuleMigrations, type SqlDialect } from '../../ports/store.js';
import { auditGenesisHash } from './chain-hash.js';
import { auditHeadId, type AuditTables } from './tables.js';

async function createTables(untyped: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  const db = untyped as Kysely<AuditTables>;
  await db.schema
    .createTable('audit_log')
    .addColumn('seq', 'bigint', (column) => column.primaryKey())
    .addColumn('at_ms', 'bigint', (column) => column.notNull())
    .addColumn('actor', 'text', (column) => column.notNull())
    .addColumn('action', 'text', (column) => column.notNull())
    .addColumn('target', 'text', (column) => column.notNull())
    .addColumn('source', 'text', (column) => column.notNull())
    .addColumn('outcome', 'text', (column) => column.notNull())
    .addColumn('details', 'text', (column) => column.notNull())
    .addColumn('prev_hash', bytesColumn(dialect), (column) => column.notNull())
    .addColumn('hash', bytesColumn(dialect), (column) => column.notNull())
    .execute();
  await db.schema
    .createTable('audit_head')
    .addColumn('id', 'bigint', (column) => column.primaryKey())
    .addColumn('seq', 'bigint', (column) => column.notNull())
    .addColumn('hash', bytesColumn(dialect), (column) => column.notNull())
    .addColumn('key_check', bytesColumn(dialect))
    .addCheckConstraint('audit_head_one_row', sql`id = 1`)
    .execute();
  await db.insertInto('audit_head').values({ id: auditHeadId, seq: 0n, hash: auditGenesisHash, key_check: null }).execute();
}

/**
 * Ordinary code never changes or removes an audit row; the triggers make a mistake fail loudly.
 * They stop nobody who can drop them — the hash chain is what catches that.
 */
async function refuseChanges(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  if (dialect === 'sqlite') {
    await sql`create trigger audit_log_no_update before update on audit_log begin select raise(abort, 'audit_log is append-only'); end`.execute(db);
    await sql`create trigger audit_log_no_delete before delete on audit_log begin select raise(abort, 'audit_log is append-only'); end`.execute(db);
    return;
  }
  await sql`create function audit_log_refuse_change() returns trigger language plpgsql as $$ begin raise exception 'audit_log is append-only'; end $$`.execute(db);
  await sql`create trigger audit_log_no_change before update or delete on audit_log for each row execute function audit_log_refuse_change()`.execute(db);
  await sql`create trigger audit_log_no_truncate before truncate on audit_log for each statement execute function audit_log_refuse_change()`.execute(db);
}

/** The audit module's migrations; registered in src/adapters/store/modules.ts. */
export const auditMigrations: ModuleMigrations = {
  module: 'audit',
  migrations: [
    { name: '0001_log_and_head', up: createTables },
    { name: '0002_append_only', up: refuseChanges },
  ],
};
