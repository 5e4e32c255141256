import type { Generated } from 'kysely';

/**
 * The ledger's tables, as Kysely sees them. Only this module reads or writes them.
 * Ids, money and times are BIGINT and come back as bigint on both dialects.
 */
export interface LedgerTables {
  ledger_accounts: {
    id: Generated<bigint>;
    code: string;
    type: string;
    currency: string;
    created_at_ms: bigint;
  };
  ledger_entries: {
    id: Generated<bigint>;
    idempotency_key: string;
    kind: string;
    description: string;
    occurred_at_ms: bigint;
    created_at_ms: bigint;
    fingerprint: string;
  };
  ledger_postings: {
    entry_id: bigint;
    /** The posting's place in its entry, from 0; with entry_id the primary key. */
    line_no: number;
    account_id: bigint;
    /** Debit positive, credit negative, never zero. */
    amount_minor: bigint;
    currency: string;
  };
  ledger_balance_checkpoints: {
    account_id: bigint;
    /** The balance covers exactly the postings of entries with id ≤ this. */
    through_entry_id: bigint;
    /** Debits minus credits through that entry. */
    net_debit_minor: bigint;
    created_at_ms: bigint;
  };
}
