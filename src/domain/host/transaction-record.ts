import type { Kysely, Transaction } from 'kysely';
import type { HostTables, HostTransactionsTable } from './tables.js';

export type NewHostTransaction = Omit<HostTransactionsTable, 'id'>;

/** The request class of a financial request: what a duplicate must match besides terminal, batch, trace. */
export const FINANCIAL_REQUEST_CLASS = '0200';

export interface AnsweredRequest {
  readonly response: Buffer;
  readonly fingerprint: Buffer | undefined;
}

/** The stored reply of an answered request, and the fingerprint of that request, if any. */
export async function findAnswered(db: Kysely<HostTables>, key: { terminalId: string; batch: string; trace: string; requestClass: string }): Promise<AnsweredRequest | undefined> {
  const row = await db
    .selectFrom('host_transactions')
    .select(['response', 'request_fingerprint'])
    .where('terminal_id', '=', key.terminalId)
    .where('batch_number', '=', key.batch)
    .where('trace', '=', key.trace)
    .where('request_class', '=', key.requestClass)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return { response: Buffer.from(row.response), fingerprint: row.request_fingerprint === null ? undefined : Buffer.from(row.request_fingerprint) };
}

/**
 * Inserts the record unless a request with the same terminal, batch, trace and class is already
 * recorded: the unique constraint decides between racing duplicates (PostgreSQL makes the
 * second insert wait for the first to commit). Returns whether this one won.
 */
export async function insertIfFirst(trx: Transaction<HostTables>, record: NewHostTransaction): Promise<boolean> {
  const inserted = await trx
    .insertInto('host_transactions')
    .values(record)
    .onConflict((conflict) => conflict.columns(['terminal_id', 'batch_number', 'trace', 'request_class']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted !== undefined;
}
