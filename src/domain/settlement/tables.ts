import type { Generated } from 'kysely';

/**
 * The settlement module's tables. A terminal's batch has no row while it is open (the terminal
 * is still transacting in it); a settlement request (0500) creates the row, `settling` when the
 * totals did not balance and the terminal must upload its transactions (0320), `closed` once
 * balanced or uploaded. Only this module reads or writes them.
 */
export interface SettlementBatchesTable {
  id: Generated<bigint>;
  terminal_id: string;
  merchant_id: string;
  /** 60.2, six digits. */
  batch_number: string;
  status: string;
  /** What the terminal claimed in field 48 (domestic, then foreign cards). */
  terminal_debit_amount_minor: bigint;
  terminal_debit_count: bigint;
  terminal_credit_amount_minor: bigint;
  terminal_credit_count: bigint;
  terminal_foreign_debit_amount_minor: bigint;
  terminal_foreign_debit_count: bigint;
  terminal_foreign_credit_amount_minor: bigint;
  terminal_foreign_credit_count: bigint;
  /** What the host's own records gave for the batch when the settlement request came. */
  host_debit_amount_minor: bigint;
  host_debit_count: bigint;
  host_credit_amount_minor: bigint;
  host_credit_count: bigint;
  /** Field 48's settlement codes sent back: 1 balanced, 2 not balanced. */
  domestic_result: string;
  foreign_result: string;
  /** The 0510 as first sent (MTI..64), replayed re-MAC'd for a repeated 0500. */
  settlement_response: Buffer;
  /** Records the terminal uploaded (0320 details), and the count its end message declared. */
  uploaded_count: bigint;
  declared_upload_count: bigint | null;
  settled_at_ms: bigint;
  closed_at_ms: bigint | null;
}

/** One record of a batch upload, kept so the end message can tell what the terminal left out. */
export interface SettlementUploadsTable {
  id: Generated<bigint>;
  batch_id: bigint;
  trace: string;
  amount_minor: bigint;
  masked_pan: string;
  uploaded_at_ms: bigint;
}

/**
 * What the reconciliation found between the terminal's claims and the host's records. Recorded
 * for people to follow up; nothing here changes the ledger.
 */
export interface SettlementDifferencesTable {
  id: Generated<bigint>;
  batch_id: bigint;
  terminal_id: string;
  batch_number: string;
  trace: string;
  /** `missing-at-host`, `missing-at-terminal`, `amount-differs`, `card-differs`. */
  kind: string;
  terminal_amount_minor: bigint | null;
  host_amount_minor: bigint | null;
  recorded_at_ms: bigint;
}

export interface SettlementTables {
  settlement_batches: SettlementBatchesTable;
  settlement_uploads: SettlementUploadsTable;
  settlement_differences: SettlementDifferencesTable;
}
