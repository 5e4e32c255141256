import { sql, type ColumnDefinitionBuilder, type Kysely } from 'kysely';
import type { ModuleMigrations, SqlDialect } from '../../ports/store.js';
import { accountTypes } from './types.js';

/**
 * The ledger's schema. Append-only by design: entries and postings are inserted, never updated;
 * a correction is a new reversing entry. There is no balance row to update: a balance is the sum
 * of an account's postings, bounded by the latest checkpoint (see balances.ts).
 */

/** A generated BIGINT key: SQLite's rowid alias (INTEGER is 64-bit there), PostgreSQL identity. */
function addIdColumn(dialect: SqlDialect) {
  return {
    type: dialect === 'sqlite' ? ('integer' as const) : ('bigint' as const),
    build: (column: ColumnDefinitionBuilder) =>
      dialect === 'sqlite' ? column.primaryKey().autoIncrement() : column.primaryKey().generatedAlwaysAsIdentity(),
  };
}

async function createAccounts(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  const id = addIdColumn(dialect);
  const typeList = sql.join(accountTypes.map((type) => sql.lit(type)));
  await db.schema
    .createTable('ledger_accounts')
    .addColumn('id', id.type, id.build)
    .addColumn('code', 'text', (column) => column.notNull().unique())
    .addColumn('type', 'text', (column) => column.notNull())
    .addColumn('currency', 'text', (column) => column.notNull())
    .addColumn('created_at_ms', 'bigint', (column) => column.notNull())
    .addCheckConstraint('ledger_accounts_type_known', sql`type in (${typeList})`)
    .addCheckConstraint('ledger_accounts_currency_alpha3', sql`length(currency) = 3`)
    .execute();
}

async function createEntries(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  const id = addIdColumn(dialect);
  await db.schema
    .createTable('ledger_entries')
    .addColumn('id', id.type, id.build)
    // The unique constraint is what makes posting idempotent under concurrency.
    .addColumn('idempotency_key', 'text', (column) => column.notNull().unique())
    .addColumn('kind', 'text', (column) => column.notNull())
    .addColumn('description', 'text', (column) => column.notNull())
    .addColumn('occurred_at_ms', 'bigint', (column) => column.notNull())
    .addColumn('created_at_ms', 'bigint', (column) => column.notNull())
    .addColumn('fingerprint', 'text', (column) => column.notNull())
    .execute();
}

async function createPostings(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('ledger_postings')
    .addColumn('entry_id', 'bigint', (column) => column.notNull().references('ledger_entries.id'))
    .addColumn('line_no', 'integer', (column) => column.notNull())
    .addColumn('account_id', 'bigint', (column) => column.notNull().references('ledger_accounts.id'))
    .addColumn('amount_minor', 'bigint', (column) => column.notNull())
    .addColumn('currency', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('ledger_postings_pk', ['entry_id', 'line_no'])
    .addCheckConstraint('ledger_postings_amount_nonzero', sql`amount_minor <> 0`)
    .execute();
  // A balance sums one account's postings after its latest checkpoint: this index is that range.
  await db.schema.createIndex('ledger_postings_account_entry').on('ledger_postings').columns(['account_id', 'entry_id']).execute();
}

async function createCheckpoints(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('ledger_balance_checkpoints')
    .addColumn('account_id', 'bigint', (column) => column.notNull().references('ledger_accounts.id'))
    .addColumn('through_entry_id', 'bigint', (column) => column.notNull())
    .addColumn('net_debit_minor', 'bigint', (column) => column.notNull())
    .addColumn('created_at_ms', 'bigint', (column) => column.notNull())
    .addPrimaryKeyConstraint('ledger_balance_checkpoints_pk', ['account_id', 'through_entry_id'])
    .execute();
}

export const ledgerMigrations: ModuleMigrations = {
  module: 'ledger',
  migrations: [
    {
      name: '0001_accounts_entries_postings',
      async up(db, dialect) {
        await createAccounts(db, dialect);
        await createEntries(db, dialect);
        await createPostings(db);
        await createCheckpoints(db);
      },
    },
  ],
};
