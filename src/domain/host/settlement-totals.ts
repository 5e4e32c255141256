import type { Kysely } from 'kysely';
import type { SettlementTotals } from '../settlement/index.js';
import type { HostTables } from './tables.js';

/**
 * Which side of the settlement totals (field 48) each recorded kind counts on. UnionPay terminal
 * code counts sales and pre-auth completions (request and advice) as debit (借记), and sale voids,
 * refunds and completion voids as credit (贷记); a voided sale stays in the debit total and its
 * void adds to the credit total. Pre-auths, pre-auth voids and balance inquiries move no money
 * at settlement and count nowhere (LiaoYang_POS `ChkIfDebitTxn` / `ChkIfCreditTxn` and the
 * totals loop in `posfiles.c`; docs/protocol.md). A kind missing here counts nowhere: a new kind
 * must be added on purpose.
 */
export const settlementSideOfKind = {
  sale: 'debit',
  completion: 'debit',
  'completion-advice': 'debit',
  void: 'credit',
  refund: 'credit',
  'completion-void': 'credit',
  'pre-auth': 'none',
  'pre-auth-void': 'none',
  'balance-inquiry': 'none',
} as const satisfies Record<string, 'debit' | 'credit' | 'none'>;

export type SettlementSide = 'debit' | 'credit';

const countedKinds = Object.entries(settlementSideOfKind)
  .filter(([, side]) => side !== 'none')
  .map(([kind]) => kind);

/** One transaction of a batch as the host recorded it: what settlement counts and compares. */
export interface CountedTransaction {
  readonly trace: string;
  readonly kind: string;
  readonly side: SettlementSide;
  readonly amountMinor: bigint;
  readonly panId: string | undefined;
}

/** A batch holds at most 999 debits and 999 credits (field 48's counts are 3 digits). */
export const BATCH_TRANSACTIONS_MAX = 2 * 999;

/**
 * The transactions of a terminal's batch that count at settlement: approved (39 = 00) and of a
 * counted kind, whatever their request class (a refund is a 0220), and not reversed
 * (`cancelled_by` = `reversal <rrn>`, migration 0003).
 */
export async function countedTransactions(db: Kysely<HostTables>, terminalId: string, batchNumber: string): Promise<CountedTransaction[]> {
  const rows = await db
    .selectFrom('host_transactions')
    .select(['trace', 'kind', 'amount_minor', 'pan_id'])
    .where('terminal_id', '=', terminalId)
    .where('batch_number', '=', batchNumber)
    .where('response_code', '=', '00')
    .where('kind', 'in', countedKinds)
    // A reversed row never happened; a voided sale stays a debit (its void is the credit).
    .where((eb) => eb.or([eb('cancelled_by', 'is', null), eb('cancelled_by', 'not like', 'reversal %')]))
    .orderBy('trace')
    .limit(BATCH_TRANSACTIONS_MAX + 1)
    .execute();
  return rows.map((row) => ({
    trace: row.trace,
    kind: row.kind,
    side: settlementSideOfKind[row.kind as keyof typeof settlementSideOfKind] as SettlementSide,
    amountMinor: row.amount_minor,
    panId: row.pan_id ?? undefined,
  }));
}

export function totalsOf(transactions: readonly CountedTransaction[]): SettlementTotals {
  let debitAmountMinor = 0n;
  let debitCount = 0n;
  let creditAmountMinor = 0n;
  let creditCount = 0n;
  for (const transaction of transactions) {
    if (transaction.side === 'debit') {
      debitAmountMinor += transaction.amountMinor;
      debitCount += 1n;
    } else {
      creditAmountMinor += transaction.amountMinor;
      creditCount += 1n;
    }
  }
  return { debitAmountMinor, debitCount, creditAmountMinor, creditCount };
}
