import type { ColumnType } from 'kysely';

/**
 * The issuer simulator's tables. It plays an external party (the card issuer), so it owns its
 * own keys and card accounts rather than sharing the acquirer's. A PAN is here only as
 * AES-256-GCM ciphertext under the issuer's DEK plus an HMAC look-up hash (and the 6 + 4 digits
 * a person may see); a PIN only as its PVV; no CVV, track, PIN block or cryptogram at all.
 */

/** Keys under the LMK, one row per fixed id (`issuer-keys.ts`). */
export interface IssuerKeysTable {
  id: string;
  key_type: string;
  algorithm: string;
  ciphertext: Buffer;
  kcv: Buffer;
  created_at_ms: ColumnType<bigint, bigint, never>;
}

export type CardStatus = 'active' | 'lost' | 'stolen' | 'blocked' | 'closed';

export const cardStatuses: readonly CardStatus[] = ['active', 'lost', 'stolen', 'blocked', 'closed'];

export interface IssuerCardsTable {
  id: string;
  /** The test-card profile it was seeded from (`approve-chip-pin` …), for people reading the table. */
  profile: string;
  pan_hash: Buffer;
  pan_ciphertext: Buffer;
  pan_iv: Buffer;
  pan_tag: Buffer;
  bin6: string;
  last4: string;
  pan_length: ColumnType<bigint, bigint, never>;
  /** YYMM. */
  expiry: string;
  service_code: string;
  /** ISO 4217 numeric. */
  currency: string;
  status: string;
  pvki: string;
  pvv: string;
  /** Wrong PINs since the last right one; the PIN is blocked at PIN_TRIES_LIMIT. */
  pin_tries_used: bigint;
  balance_minor: bigint;
  daily_limit_minor: bigint;
  /** Spent on `spend_day` (YYYYMMDD in the simulator's time zone); a new day starts from zero. */
  spent_today_minor: bigint;
  spend_day: string;
  /** EMV profile; all null for a stripe-only card. */
  emv_psn: string | null;
  emv_master_key_option: string | null;
  emv_session_key: string | null;
  emv_padding: bigint | null;
  /** The highest ATC whose cryptogram verified; a lower or equal one is a replay. */
  atc_high_water: bigint;
  created_at_ms: ColumnType<bigint, bigint, never>;
  updated_at_ms: bigint;
  /** The sum of the card's active pre-authorisation holds: available = balance_minor − held_minor. */
  held_minor: ColumnType<bigint, bigint | undefined, bigint>;
}

export type AuthorizationOutcome = 'pending' | 'approved' | 'declined';

/**
 * One row per idempotency key: claimed (`pending`) when a request arrives and completed with the
 * decision in the same database transaction, so a retry finds the decision and never a half.
 */
export interface IssuerAuthorizationsTable {
  /** The issuer reference handed back. */
  id: string;
  idempotency_key: string;
  /** SHA-256 over the transaction's identity (the PAN only as its keyed hash). */
  fingerprint: Buffer;
  card_id: string | null;
  kind: string;
  entry_mode: string;
  amount_minor: bigint;
  currency: string;
  retrieval_reference_number: string;
  system_trace_audit_number: string;
  terminal_id: string;
  merchant_id: string;
  outcome: string;
  reason: string | null;
  response_code: string | null;
  authorization_code: string | null;
  balance_minor: bigint | null;
  arpc: Buffer | null;
  arc: Buffer | null;
  created_at_ms: ColumnType<bigint, bigint, never>;
  decided_at_ms: bigint | null;
  /** What voids, refunds and reversals have given back of this approval (never above amount_minor). */
  returned_minor: ColumnType<bigint, bigint | undefined, bigint>;
  /** For a void, refund or reversal: the idempotency key of the original it adjusts. */
  original_key: ColumnType<string | null, string | null | undefined, string | null>;
}

export type HoldStatus = 'active' | 'released' | 'completed' | 'expired';

/** One pre-authorisation hold (holds.ts): placed by the pre-auth, ended once. */
export interface IssuerHoldsTable {
  id: string;
  /** The idempotency key of the pre-authorisation that placed it. */
  preauth_key: string;
  card_id: string;
  amount_minor: bigint;
  currency: string;
  status: string;
  expires_at_ms: bigint;
  /** The key of the void, completion or reversal that ended it (null while active or once expired). */
  ended_by_key: string | null;
  created_at_ms: ColumnType<bigint, bigint, never>;
  updated_at_ms: bigint;
}

export interface IssuerTables {
  issuer_keys: IssuerKeysTable;
  issuer_cards: IssuerCardsTable;
  issuer_authorizations: IssuerAuthorizationsTable;
  issuer_holds: IssuerHoldsTable;
}
