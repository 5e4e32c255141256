import { BastionError } from '../../lib/errors/index.js';
import { AMOUNT_MINOR_ABS_MAX, BASIS_POINTS_PER_UNIT, FEE_RATE_BASIS_POINTS_MAX } from './limits.js';
import type { PostingInput } from './types.js';
import { assertAccountCode, assertCurrency } from './validate.js';

/**
 * The merchant discount (MDR) for now: a rate in basis points (1 bp = 0.01%), plus an optional
 * fixed amount per sale and an optional minimum fee. A merchant's fee plan
 * (`{ rateBasisPoints, fixedMinor }`) is a FeeSchedule as it stands. All arithmetic is bigint.
 */
export interface FeeSchedule {
  /** An integer from 0 to 10,000: 38 means 0.38% of the sale. */
  readonly rateBasisPoints: number;
  /** Added to every sale's fee, in minor units of the sale's currency. */
  readonly fixedMinor?: bigint;
  /** The least fee of one sale, in minor units of the sale's currency. */
  readonly minimumMinor?: bigint;
}

/**
 * The fee of a sale of `amountMinor` (> 0): `amountMinor × rate / 10,000` rounded half up to the
 * minor unit (an exact half goes up: 2.5 → 3), plus the fixed amount, raised to the minimum, then
 * capped at the sale amount so that a sale never leaves the merchant owing money.
 */
export function saleFeeMinor(amountMinor: bigint, fee: FeeSchedule): bigint {
  assertSaleAmount(amountMinor);
  assertFeeSchedule(fee);
  const byRate = (amountMinor * BigInt(fee.rateBasisPoints) + BASIS_POINTS_PER_UNIT / 2n) / BASIS_POINTS_PER_UNIT;
  const withFixed = byRate + (fee.fixedMinor ?? 0n);
  const minimum = fee.minimumMinor ?? 0n;
  const withMinimum = withFixed < minimum ? minimum : withFixed;
  return withMinimum > amountMinor ? amountMinor : withMinimum;
}

export interface SaleApproval {
  readonly amountMinor: bigint;
  readonly currency: string;
  readonly merchantPayableAccount: string;
  readonly schemeReceivableAccount: string;
  readonly feeRevenueAccount: string;
  readonly fee: FeeSchedule;
}

/**
 * The balanced postings of an approved sale: the scheme owes us the full amount (debit its
 * receivable), we owe the merchant the amount less the fee (credit its payable), and the fee is
 * our revenue (credit fee revenue). A leg that comes to zero is left out (no fee, or a fee that
 * takes the whole amount), since postings are never zero.
 */
export function saleApprovalPostings(sale: SaleApproval): PostingInput[] {
  assertCurrency(sale.currency, 'currency');
  assertAccountCode(sale.merchantPayableAccount, 'merchantPayableAccount');
  assertAccountCode(sale.schemeReceivableAccount, 'schemeReceivableAccount');
  assertAccountCode(sale.feeRevenueAccount, 'feeRevenueAccount');
  if (new Set([sale.merchantPayableAccount, sale.schemeReceivableAccount, sale.feeRevenueAccount]).size !== 3) {
    throw new BastionError('LEDGER_ERR_ARGUMENT', 'the merchant payable, scheme receivable and fee revenue accounts must be three different accounts', {
      argument: 'merchantPayableAccount',
    });
  }
  const feeMinor = saleFeeMinor(sale.amountMinor, sale.fee);
  const postings: PostingInput[] = [{ accountCode: sale.schemeReceivableAccount, amountMinor: sale.amountMinor, currency: sale.currency }];
  if (feeMinor < sale.amountMinor) postings.push({ accountCode: sale.merchantPayableAccount, amountMinor: -(sale.amountMinor - feeMinor), currency: sale.currency });
  if (feeMinor > 0n) postings.push({ accountCode: sale.feeRevenueAccount, amountMinor: -feeMinor, currency: sale.currency });
  return postings;
}

/**
 * The postings that undo an entry (for a void): each posting negated, same accounts, same order.
 * Posted as a new entry with its own key; the original is never changed.
 */
export function reversalPostings(entry: { readonly postings: readonly PostingInput[] }): PostingInput[] {
  return entry.postings.map((posting) => ({ accountCode: posting.accountCode, amountMinor: -posting.amountMinor, currency: posting.currency }));
}

function assertSaleAmount(amountMinor: bigint): void {
  if (typeof amountMinor !== 'bigint' || amountMinor <= 0n || amountMinor > AMOUNT_MINOR_ABS_MAX) {
    throw new BastionError('LEDGER_ERR_ARGUMENT', `a sale amount is a bigint from 1 to ${AMOUNT_MINOR_ABS_MAX} minor units`, { argument: 'amountMinor' });
  }
}

function assertFeeSchedule(fee: FeeSchedule): void {
  if (!Number.isSafeInteger(fee.rateBasisPoints) || fee.rateBasisPoints < 0 || fee.rateBasisPoints > FEE_RATE_BASIS_POINTS_MAX) {
    throw new BastionError('LEDGER_ERR_ARGUMENT', `a fee rate is a whole number of basis points from 0 to ${FEE_RATE_BASIS_POINTS_MAX}`, {
      argument: 'fee.rateBasisPoints',
    });
  }
  for (const [argument, value] of [['fee.fixedMinor', fee.fixedMinor], ['fee.minimumMinor', fee.minimumMinor]] as const) {
    if (value !== undefined && (typeof value !== 'bigint' || value < 0n || value > AMOUNT_MINOR_ABS_MAX)) {
      throw new BastionError('LEDGER_ERR_ARGUMENT', `a fixed or minimum fee is a bigint from 0 to ${AMOUNT_MINOR_ABS_MAX} minor units`, { argument });
    }
  }
}
