import type { Insertable, Kysely, Transaction } from 'kysely';
import { definedColumns, placeholders, PreparedQuery, type ArgumentOf } from '../../ports/prepared-query.js';
import type { HostTables, HostTransactionsTable } from './tables.js';

export type NewHostTransaction = Insertable<HostTransactionsTable>;

/** The request class of a financial request: what a duplicate must match besides terminal, batch, trace. */
export const FINANCIAL_REQUEST_CLASS = '0200';
/** Refunds (0220) and reversals (0400) have classes of their own. */
export const REFUND_REQUEST_CLASS = '0220';
export const REVERSAL_REQUEST_CLASS = '0400';
/** Pre-authorisations and their voids (0100) have a class of their own too. */
export const PREAUTH_REQUEST_CLASS = '0100';

/**
 * The kind of the row a reversal leaves under its original's key when the host never saw the
 * original (reversal.ts): no reply to replay; an original arriving later is declined 12.
 */
export const REVERSED_UNSEEN_KIND = 'reversed-unseen';

/** What a request is recorded under: a duplicate has the same. */
export interface RecordKey {
  readonly terminalId: string;
  readonly batch: string;
  readonly trace: string;
  readonly requestClass: string;
}

export interface AnsweredRequest {
  readonly response: Buffer;
  readonly fingerprint: Buffer | undefined;
  /** Absent for rows read by older callers; `reversed-unseen` marks a reversal's tombstone. */
  readonly kind?: string;
}

/** Every request's duplicate check and record: built and compiled once (per set of columns for the insert). */
const answeredByKey = new PreparedQuery((db: Kysely<HostTables>, arg: ArgumentOf<RecordKey>) =>
  db
    .selectFrom('host_transactions')
    .select(['response', 'request_fingerprint', 'kind'])
    .where('terminal_id', '=', arg('terminalId'))
    .where('batch_number', '=', arg('batch'))
    .where('trace', '=', arg('trace'))
    .where('request_class', '=', arg('requestClass')),
);

const insertRecord = new PreparedQuery(
  (db: Kysely<HostTables>, arg: ArgumentOf<NewHostTransaction>, record: NewHostTransaction) =>
    db
      .insertInto('host_transactions')
      .values(placeholders(record, arg))
      // No conflict target: on PostgreSQL a target makes only that index the arbiter, and two copies
      // of one request inserting at once on two nodes can then collide on the RRN's unique index
      // instead (the same RRN, derived from the same key), which raises instead of doing nothing.
      // The loser then reads the winner's row by its key, as for any duplicate.
      .onConflict((conflict) => conflict.doNothing())
      .returning('id'),
  definedColumns,
);

/** The stored reply of an answered request, and the fingerprint of that request, if any. */
export async function findAnswered(db: Kysely<HostTables>, key: RecordKey): Promise<AnsweredRequest | undefined> {
  const row = await answeredByKey.first(db, key);
  if (row === undefined) return undefined;
  return { response: Buffer.from(row.response), fingerprint: row.request_fingerprint === null ? undefined : Buffer.from(row.request_fingerprint), kind: row.kind };
}

/**
 * Inserts the record unless a request with the same terminal, batch, trace and class is already
 * recorded: the unique constraint decides between racing duplicates (PostgreSQL makes the
 * second insert wait for the first to commit). Returns whether this one won.
 */
export async function insertIfFirst(trx: Transaction<HostTables> | Kysely<HostTables>, record: NewHostTransaction): Promise<boolean> {
  const inserted = await insertRecord.first(trx, record);
  return inserted !== undefined;
}
