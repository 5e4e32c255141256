import { BastionError, type ErrorCode } from '../../lib/errors/index.js';
import {
  ACCOUNT_CODE_LENGTH_MAX,
  AMOUNT_MINOR_ABS_MAX,
  DESCRIPTION_LENGTH_MAX,
  IDEMPOTENCY_KEY_LENGTH_MAX,
  KIND_LENGTH_MAX,
  OCCURRED_AT_MS_MAX,
  POSTINGS_PER_ENTRY_MAX,
  POSTINGS_PER_ENTRY_MIN,
} from './limits.js';
import { accountTypes, type AccountSpec, type PostRequest, type PostingInput } from './types.js';

/**
 * Pure checks of ledger input and of the entry invariant. The invariant check is shared by the
 * write path (before anything is written) and the read path (after every read), so both hold
 * an entry to exactly the same rule.
 */

// ISO 4217 numeric, as ISO 8583 field 49 and the merchants module carry it: no mapping on the way in.
const currencyPattern = /^[0-9]{3}$/;
const accountCodePattern = new RegExp(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,${ACCOUNT_CODE_LENGTH_MAX - 1}}$`);
/** The form of an entry kind (`sale`, `void`): also the first part of an event key. */
export const entryKindPattern = new RegExp(`^[a-z][a-z0-9_]{0,${KIND_LENGTH_MAX - 1}}$`);
// Printable ASCII without spaces: keys appear in logs and operators type them.
const idempotencyKeyPattern = new RegExp(`^[\\x21-\\x7e]{1,${IDEMPOTENCY_KEY_LENGTH_MAX}}$`);
// eslint-disable-next-line no-control-regex -- looking for control characters is the point
const controlCharacter = /[\u0000-\u001f\u007f]/;

export function assertCurrency(currency: unknown, argument: string): asserts currency is string {
  if (typeof currency !== 'string' || !currencyPattern.test(currency)) {
    throw new BastionError('LEDGER_ERR_CURRENCY', 'a currency must be an ISO 4217 numeric code of three digits, such as 156 for CNY', { argument });
  }
}

export function assertAccountCode(code: unknown, argument: string): asserts code is string {
  if (typeof code !== 'string' || !accountCodePattern.test(code)) {
    throw new BastionError(
      'LEDGER_ERR_ARGUMENT',
      `an account code is 1 to ${ACCOUNT_CODE_LENGTH_MAX} letters, digits and . _ : - starting with a letter or digit`,
      { argument },
    );
  }
}

export function assertAccountSpec(spec: AccountSpec): void {
  assertAccountCode(spec.code, 'code');
  if (!(accountTypes as readonly string[]).includes(spec.type)) {
    throw new BastionError('LEDGER_ERR_ARGUMENT', `an account type is one of ${accountTypes.join(', ')}`, { argument: 'type' });
  }
  assertCurrency(spec.currency, 'currency');
}

/** Checks a post request's fields and bounds, and that its postings balance; writes nothing. */
export function assertPostRequest(request: PostRequest): void {
  if (typeof request.idempotencyKey !== 'string' || !idempotencyKeyPattern.test(request.idempotencyKey)) {
    throw new BastionError('LEDGER_ERR_POSTING', `an idempotency key is 1 to ${IDEMPOTENCY_KEY_LENGTH_MAX} printable ASCII characters without spaces`, {
      argument: 'idempotencyKey',
    });
  }
  if (typeof request.kind !== 'string' || !entryKindPattern.test(request.kind)) {
    throw new BastionError('LEDGER_ERR_POSTING', `an entry kind is 1 to ${KIND_LENGTH_MAX} lower-case letters, digits and _`, { argument: 'kind' });
  }
  if (typeof request.description !== 'string' || request.description.length > DESCRIPTION_LENGTH_MAX || controlCharacter.test(request.description)) {
    throw new BastionError('LEDGER_ERR_POSTING', `a description is at most ${DESCRIPTION_LENGTH_MAX} characters without control characters`, {
      argument: 'description',
    });
  }
  if (typeof request.occurredAtMs !== 'bigint' || request.occurredAtMs < 0n || request.occurredAtMs > OCCURRED_AT_MS_MAX) {
    throw new BastionError('LEDGER_ERR_POSTING', 'occurredAtMs must be a bigint epoch-millisecond time between 1970 and 9999', { argument: 'occurredAtMs' });
  }
  if (request.postings.length > POSTINGS_PER_ENTRY_MAX) {
    throw new BastionError('LEDGER_ERR_POSTING', `an entry has at most ${POSTINGS_PER_ENTRY_MAX} postings`, { argument: 'postings' });
  }
  request.postings.forEach((posting, index) => {
    assertAccountCode(posting.accountCode, `postings[${index}].accountCode`);
    assertCurrency(posting.currency, `postings[${index}].currency`);
    if (typeof posting.amountMinor !== 'bigint') {
      throw new BastionError('LEDGER_ERR_POSTING', 'a posting amount must be a bigint of minor units', { argument: `postings[${index}].amountMinor` });
    }
  });
  const violation = entryInvariantViolation(request.postings);
  if (violation !== undefined) throw new BastionError(violation.code, violation.message, { argument: 'postings' });
}

export interface InvariantViolation {
  readonly code: ErrorCode;
  readonly message: string;
}

/**
 * The rule every journal entry obeys: two to POSTINGS_PER_ENTRY_MAX postings, none zero or beyond
 * AMOUNT_MINOR_ABS_MAX, summing to zero in each currency. Returns what is broken, or undefined.
 */
export function entryInvariantViolation(postings: readonly PostingInput[]): InvariantViolation | undefined {
  if (postings.length < POSTINGS_PER_ENTRY_MIN || postings.length > POSTINGS_PER_ENTRY_MAX) {
    return { code: 'LEDGER_ERR_POSTING', message: `an entry has ${POSTINGS_PER_ENTRY_MIN} to ${POSTINGS_PER_ENTRY_MAX} postings, not ${postings.length}` };
  }
  const sums = new Map<string, bigint>();
  for (const posting of postings) {
    if (posting.amountMinor === 0n) return { code: 'LEDGER_ERR_POSTING', message: 'a posting amount is never zero' };
    const magnitude = posting.amountMinor < 0n ? -posting.amountMinor : posting.amountMinor;
    if (magnitude > AMOUNT_MINOR_ABS_MAX) {
      return { code: 'LEDGER_ERR_POSTING', message: `a posting amount is at most ${AMOUNT_MINOR_ABS_MAX} minor units either way` };
    }
    sums.set(posting.currency, (sums.get(posting.currency) ?? 0n) + posting.amountMinor);
  }
  for (const [currency, sum] of sums) {
    if (sum !== 0n) {
      return { code: 'LEDGER_ERR_UNBALANCED', message: `the postings in ${currency} sum to ${sum} minor units instead of zero (debits positive, credits negative)` };
    }
  }
  return undefined;
}
