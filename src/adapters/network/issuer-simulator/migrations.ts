import { sql } from 'kysely';
import { bytesColumn, type ModuleMigrations } from '../../../ports/store.js';

/** The issuer simulator's schema (module `issuer`). Append-only once released. */
export const issuerSimulatorMigrations: ModuleMigrations = {
  module: 'issuer',
  migrations: [
    {
      name: '0001_keys_cards_authorizations',
      async up(db, dialect) {
        const bytes = bytesColumn(dialect);
        await db.schema
          .createTable('issuer_keys')
          .addColumn('id', 'text', (column) => column.primaryKey())
          .addColumn('key_type', 'text', (column) => column.notNull())
          .addColumn('algorithm', 'text', (column) => column.notNull())
          .addColumn('ciphertext', bytes, (column) => column.notNull())
          .addColumn('kcv', bytes, (column) => column.notNull())
          .addColumn('created_at_ms', 'bigint', (column) => column.notNull())
          .execute();
        await db.schema
          .createTable('issuer_cards')
          .addColumn('id', 'text', (column) => column.primaryKey())
          .addColumn('profile', 'text', (column) => column.notNull())
          // Unique: one account per PAN, so seeding twice (or two seeders racing) adds nothing.
          .addColumn('pan_hash', bytes, (column) => column.notNull().unique())
          .addColumn('pan_ciphertext', bytes, (column) => column.notNull())
          .addColumn('pan_iv', bytes, (column) => column.notNull())
          .addColumn('pan_tag', bytes, (column) => column.notNull())
          .addColumn('bin6', 'text', (column) => column.notNull())
          .addColumn('last4', 'text', (column) => column.notNull())
          .addColumn('pan_length', 'bigint', (column) => column.notNull())
          .addColumn('expiry', 'text', (column) => column.notNull())
          .addColumn('service_code', 'text', (column) => column.notNull())
          .addColumn('currency', 'text', (column) => column.notNull())
          .addColumn('status', 'text', (column) => column.notNull())
          .addColumn('pvki', 'text', (column) => column.notNull())
          .addColumn('pvv', 'text', (column) => column.notNull())
          .addColumn('pin_tries_used', 'bigint', (column) => column.notNull())
          .addColumn('balance_minor', 'bigint', (column) => column.notNull())
          .addColumn('daily_limit_minor', 'bigint', (column) => column.notNull())
          .addColumn('spent_today_minor', 'bigint', (column) => column.notNull())
          .addColumn('spend_day', 'text', (column) => column.notNull())
          .addColumn('emv_psn', 'text')
          .addColumn('emv_master_key_option', 'text')
          .addColumn('emv_session_key', 'text')
          .addColumn('emv_padding', 'bigint')
          .addColumn('atc_high_water', 'bigint', (column) => column.notNull())
          .addColumn('created_at_ms', 'bigint', (column) => column.notNull())
          .addColumn('updated_at_ms', 'bigint', (column) => column.notNull())
          .addCheckConstraint('issuer_cards_status_known', sql`status in ('active', 'lost', 'stolen', 'blocked', 'closed')`)
          // The second line of defence behind the conditional debit: no statement can overdraw.
          .addCheckConstraint('issuer_cards_money_nonnegative', sql`balance_minor >= 0 and daily_limit_minor >= 0 and spent_today_minor >= 0`)
          .addCheckConstraint('issuer_cards_counters_nonnegative', sql`pin_tries_used >= 0 and atc_high_water >= 0`)
          .addCheckConstraint('issuer_cards_shown_digits', sql`length(bin6) = 6 and length(last4) = 4 and pan_length between 12 and 19`)
          .addCheckConstraint(
            'issuer_cards_emv_profile_whole',
            sql`(emv_psn is null and emv_master_key_option is null and emv_session_key is null and emv_padding is null)
              or (emv_psn is not null and emv_master_key_option is not null and emv_session_key is not null and emv_padding is not null)`,
          )
          .execute();
        await db.schema
          .createTable('issuer_authorizations')
          .addColumn('id', 'text', (column) => column.primaryKey())
          // Unique: what makes a retried request find the first decision instead of deciding again.
          .addColumn('idempotency_key', 'text', (column) => column.notNull().unique())
          .addColumn('fingerprint', bytes, (column) => column.notNull())
          .addColumn('card_id', 'text', (column) => column.references('issuer_cards.id'))
          .addColumn('kind', 'text', (column) => column.notNull())
          .addColumn('entry_mode', 'text', (column) => column.notNull())
          .addColumn('amount_minor', 'bigint', (column) => column.notNull())
          .addColumn('currency', 'text', (column) => column.notNull())
          .addColumn('retrieval_reference_number', 'text', (column) => column.notNull())
          .addColumn('system_trace_audit_number', 'text', (column) => column.notNull())
          .addColumn('terminal_id', 'text', (column) => column.notNull())
          .addColumn('merchant_id', 'text', (column) => column.notNull())
          .addColumn('outcome', 'text', (column) => column.notNull())
          .addColumn('reason', 'text')
          .addColumn('response_code', 'text')
          .addColumn('authorization_code', 'text')
          .addColumn('balance_minor', 'bigint')
          .addColumn('arpc', bytes)
          .addColumn('arc', bytes)
          .addColumn('created_at_ms', 'bigint', (column) => column.notNull())
          .addColumn('decided_at_ms', 'bigint')
          .addCheckConstraint('issuer_authorizations_outcome_known', sql`outcome in ('pending', 'approved', 'declined')`)
          .addCheckConstraint('issuer_authorizations_decided_whole', sql`outcome = 'pending' or (reason is not null and response_code is not null and decided_at_ms is not null)`)
          .execute();
        await db.schema.createIndex('issuer_authorizations_card_id_idx').on('issuer_authorizations').column('card_id').execute();
      },
    },
    {
      // Voids, refunds and reversals: how much of an approval has been given back, and which
      // original an adjustment refers to (docs/network.md, "Voids, refunds and reversals").
      name: '0002_authorization_adjustments',
      async up(db) {
        await db.schema.alterTable('issuer_authorizations').addColumn('returned_minor', 'bigint', (column) => column.notNull().defaultTo(0)).execute();
        await db.schema.alterTable('issuer_authorizations').addColumn('original_key', 'text').execute();
      },
    },
    {
      // Pre-authorisation holds (docs/network.md, "Pre-authorisation holds"): what a card has
      // promised but not yet paid, and each hold with its expiry and how it ended.
      name: '0003_preauth_holds',
      async up(db) {
        await db.schema.alterTable('issuer_cards').addColumn('held_minor', 'bigint', (column) => column.notNull().defaultTo(0)).execute();
        await db.schema
          .createTable('issuer_holds')
          .addColumn('id', 'text', (column) => column.primaryKey())
          // Unique: one hold per pre-authorisation, whatever retries arrive.
          .addColumn('preauth_key', 'text', (column) => column.notNull().unique())
          .addColumn('card_id', 'text', (column) => column.notNull().references('issuer_cards.id'))
          .addColumn('amount_minor', 'bigint', (column) => column.notNull())
          .addColumn('currency', 'text', (column) => column.notNull())
          .addColumn('status', 'text', (column) => column.notNull())
          .addColumn('expires_at_ms', 'bigint', (column) => column.notNull())
          .addColumn('ended_by_key', 'text')
          .addColumn('created_at_ms', 'bigint', (column) => column.notNull())
          .addColumn('updated_at_ms', 'bigint', (column) => column.notNull())
          .addCheckConstraint('issuer_holds_status_known', sql`status in ('active', 'released', 'completed', 'expired')`)
          .addCheckConstraint('issuer_holds_amount_positive', sql`amount_minor > 0`)
          .execute();
        await db.schema.createIndex('issuer_holds_status_expiry_idx').on('issuer_holds').columns(['status', 'expires_at_ms']).execute();
      },
    },
    {
      // No statement looks authorizations up by card (they are found by key; a card's row is read
      // by its PAN's hash), and cards are never deleted (a card ends 'closed'), so the foreign
      // key never needs it either. Each sale no longer writes an entry at its card's place.
      name: '0004_drop_authorizations_card_index',
      async up(db) {
        await db.schema.dropIndex('issuer_authorizations_card_id_idx').execute();
      },
    },
  ],
};
