import type { Kysely, Selectable, Transaction } from 'kysely';
import { reversalPostings, type PostingInput } from '../ledger/index.js';
import type { HostDependencies } from './deps.js';
import type { HostTables, HostTransactionsTable } from './tables.js';
import type { RecordKey } from './transaction-record.js';

/** A recorded row a void, refund or reversal refers to. */
export type OriginalRow = Selectable<HostTransactionsTable>;

/** The row recorded under `key` (terminal, batch, trace, request class), if any. */
export async function findOriginal(db: Kysely<HostTables> | Transaction<HostTables>, key: RecordKey): Promise<OriginalRow | undefined> {
  return db
    .selectFrom('host_transactions')
    .selectAll()
    .where('terminal_id', '=', key.terminalId)
    .where('batch_number', '=', key.batch)
    .where('trace', '=', key.trace)
    .where('request_class', '=', key.requestClass)
    .executeTakeFirst();
}

/** The row with retrieval reference number `rrn` (unique), if any. */
export async function findByRrn(db: Kysely<HostTables> | Transaction<HostTables>, rrn: string): Promise<OriginalRow | undefined> {
  return db.selectFrom('host_transactions').selectAll().where('rrn', '=', rrn).executeTakeFirst();
}

/** An approved sale that still stands: not voided or reversed. */
export function isStandingSale(row: OriginalRow): boolean {
  return row.kind === 'sale' && row.response_code === '00' && row.cancelled_by === null;
}

/**
 * The postings that undo what `row` posted, read before the recording transaction opens (the
 * ledger's own reads use their own connection): each posting negated. Undefined when the row
 * posted nothing.
 */
export async function undoPostingsOf(deps: HostDependencies, row: OriginalRow): Promise<PostingInput[] | undefined> {
  if (row.ledger_key === null) return undefined;
  const entry = await deps.ledger.entryByKey(row.ledger_key);
  if (entry === undefined) return undefined;
  return reversalPostings(entry);
}

/**
 * Marks `original` cancelled by `by` (`<kind> <rrn>`) if nothing cancelled it yet (and, with
 * `unrefundedOnly`, nothing of it was refunded); false when another got there first.
 */
export async function markCancelled(trx: Transaction<HostTables>, original: OriginalRow, by: string, options: { readonly unrefundedOnly?: boolean } = {}): Promise<boolean> {
  let update = trx.updateTable('host_transactions').set({ cancelled_by: by }).where('id', '=', original.id).where('cancelled_by', 'is', null);
  if (options.unrefundedOnly === true) update = update.where('refunded_minor', '=', 0n);
  return (await update.returning('id').executeTakeFirst()) !== undefined;
}
