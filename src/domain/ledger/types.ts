/**
 * The ledger's public shapes. Amounts are signed bigint minor units with one sign convention
 * everywhere: a debit is positive, a credit is negative, so the postings of a balanced entry sum
 * to zero per currency. Currencies are ISO 4217 numeric codes (`156` for CNY, `840` for USD), as
 * ISO 8583 field 49 and the merchants module carry them.
 */

/** The current time in epoch milliseconds; injected so tests and the simulator control time. */
export type EpochMsClock = () => bigint;

export const accountTypes = ['asset', 'liability', 'revenue', 'expense', 'equity'] as const;
export type AccountType = (typeof accountTypes)[number];

export interface AccountSpec {
  /** Unique and permanent, e.g. `merchant:M0001:payable`. */
  readonly code: string;
  readonly type: AccountType;
  /** ISO 4217 numeric code (`156`); an account holds one currency. */
  readonly currency: string;
}

export interface LedgerAccount extends AccountSpec {
  readonly id: bigint;
  readonly createdAtMs: bigint;
}

export interface PostingInput {
  readonly accountCode: string;
  /** Debit positive, credit negative; never zero. */
  readonly amountMinor: bigint;
  readonly currency: string;
}

export interface PostRequest {
  /** Derived from the financial event (see `eventKey`), so a retried event posts once. */
  readonly idempotencyKey: string;
  /** What kind of event this is: `sale`, `void`, `refund`, … */
  readonly kind: string;
  readonly description: string;
  /** When the financial event happened (not when it was posted). */
  readonly occurredAtMs: bigint;
  readonly postings: readonly PostingInput[];
}

export interface PostResult {
  readonly entryId: bigint;
  /** False when the key was already posted with the same content: nothing new was written. */
  readonly created: boolean;
}

export interface LedgerEntry {
  readonly id: bigint;
  readonly idempotencyKey: string;
  readonly kind: string;
  readonly description: string;
  readonly occurredAtMs: bigint;
  readonly createdAtMs: bigint;
  /** In the order they were posted. */
  readonly postings: readonly PostingInput[];
}

export interface AccountBalance {
  readonly accountCode: string;
  readonly type: AccountType;
  readonly currency: string;
  /** Debits minus credits: the raw sum of the account's postings. */
  readonly netDebitMinor: bigint;
  /**
   * The balance on the account's normal side: debits − credits for assets and expenses,
   * credits − debits for liabilities, revenue and equity (what is owed to a merchant is positive).
   */
  readonly balanceMinor: bigint;
}
