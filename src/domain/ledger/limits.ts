/** Every bound the ledger enforces, in one place. */

/** A journal entry has at least two postings (one debit, one credit) … */
export const POSTINGS_PER_ENTRY_MIN = 2;
/** … and at most this many, so an entry and its checks stay small. */
export const POSTINGS_PER_ENTRY_MAX = 64;

/**
 * The largest absolute amount of one posting: 10^15 minor units (10 trillion in a two-decimal
 * currency). Far below 2^63, so the sum of thousands of maximal postings on one account still
 * fits the BIGINT column and SQLite's integer sum.
 */
export const AMOUNT_MINOR_ABS_MAX = 10n ** 15n;

export const IDEMPOTENCY_KEY_LENGTH_MAX = 128;
export const ACCOUNT_CODE_LENGTH_MAX = 64;
export const KIND_LENGTH_MAX = 32;
export const DESCRIPTION_LENGTH_MAX = 256;

/** 9999-12-31T23:59:59.999Z: event times beyond it are typing errors, not events. */
export const OCCURRED_AT_MS_MAX = 253_402_300_799_999n;

/** verifyLedger reads this many entries per query. */
export const VERIFY_PAGE_ENTRIES = 500;
/** verifyLedger lists at most this many problems (it still counts them all). */
export const VERIFY_PROBLEMS_LISTED_MAX = 1_000;

/**
 * How long a balance checkpoint waits on PostgreSQL for in-flight postings to commit before it
 * gives up with LEDGER_ERR_BUSY (postings queue behind it while it waits).
 */
export const CHECKPOINT_LOCK_TIMEOUT_MS = 2_000;

/** The largest fee rate: 100% in basis points. */
export const FEE_RATE_BASIS_POINTS_MAX = 10_000;
export const BASIS_POINTS_PER_UNIT = 10_000n;
