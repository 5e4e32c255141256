import type { Kysely, Transaction } from 'kysely';
import type { HostTables, HostTransactionsTable } from './tables.js';

export type NewHostTransaction = Omit<HostTransactionsTable, 'id'>;

/** The request class of a financial request: what a duplicate must match besides terminal, batch, trace. */
export const FINANCIAL_REQUEST_CLASS = '0200';

/** The stored reply of an answered request, if any. */
export async function findAnswered(db: Kysely<HostTables>, key: { terminalId: string; batch: string; trace: string; requestClass: string }): Promise<Buffer | undefined> {
  const row = await db
    .selectFrom('host_transactions')
    .select('response')
    .where('terminal_id', '=', key.terminalId)
    .where('batch_number', '=', key.batch)
    .where('trace', '=', key.trace)
    .where('request_class', '=', key.requestClass)
    .executeTakeFirst();
  return row === undefined ? undefined : Buffer.from(row.response);
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
