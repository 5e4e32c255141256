import { sql, type Kysely } from 'kysely';
import { BastionError } from '../../lib/errors/index.js';
import type { SqlDialect } from '../../ports/store.js';
import { CHECKPOINT_LOCK_TIMEOUT_MS } from './limits.js';
import { asBigint, sumMinor } from './sql-values.js';
import type { LedgerTables } from './tables.js';

/**
 * Balances are derived, never stored as one row that every posting would update (a hot merchant
 * account would serialise all its sales on that row). A balance is the latest checkpoint of the
 * account plus the sum of its postings in later entries; with no checkpoint, the sum of all of
 * them. The index on (account_id, entry_id) makes that sum one range scan.
 */

export async function netDebitOf(db: Kysely<LedgerTables>, accountId: bigint): Promise<bigint> {
  const checkpoint = await latestCheckpoint(db, accountId);
  const after = checkpoint?.through_entry_id ?? 0n;
  const row = await db
    .selectFrom('ledger_postings')
    .select(sumMinor('amount_minor').as('sum'))
    .where('account_id', '=', accountId)
    .where('entry_id', '>', after)
    .executeTakeFirstOrThrow();
  return (checkpoint?.net_debit_minor ?? 0n) + asBigint(row.sum);
}

function latestCheckpoint(db: Kysely<LedgerTables>, accountId: bigint) {
  return db
    .selectFrom('ledger_balance_checkpoints')
    .select(['through_entry_id', 'net_debit_minor'])
    .where('account_id', '=', accountId)
    .orderBy('through_entry_id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export interface Checkpoint {
  readonly throughEntryId: bigint;
  readonly netDebitMinor: bigint;
}

/**
 * Records the account's balance through the newest entry, so later balances sum only what came
 * after. Must run in its own transaction.
 *
 * A checkpoint through entry N is only right if no entry with id ≤ N can still commit. On SQLite
 * writers are serialised, so ids are handed out in commit order. On PostgreSQL an identity value
 * is taken inside a transaction that may commit late, so the checkpoint first takes a SHARE lock
 * on ledger_entries: it waits for every transaction that has inserted an entry to finish, and
 * holds new ones back until it commits. Postings pause for that moment, so checkpoints belong in
 * a maintenance job, not on the transaction path; the wait is bounded by
 * CHECKPOINT_LOCK_TIMEOUT_MS (then LEDGER_ERR_BUSY, worth retrying).
 */
export async function checkpointWithin(trx: Kysely<LedgerTables>, dialect: SqlDialect, accountId: bigint, createdAtMs: bigint): Promise<Checkpoint> {
  if (dialect === 'postgres') {
    await sql`set local lock_timeout = ${sql.lit(`${CHECKPOINT_LOCK_TIMEOUT_MS}ms`)}`.execute(trx);
    try {
      await sql`lock table ledger_entries in share mode`.execute(trx);
    } catch (error) {
      if (isLockTimeout(error)) {
        throw new BastionError('LEDGER_ERR_BUSY', `postings in flight held the ledger for more than ${CHECKPOINT_LOCK_TIMEOUT_MS} ms; take the checkpoint again`);
      }
      throw error;
    }
  }
  const horizon = await trx.selectFrom('ledger_entries').select(sql<bigint | null>`max(id)`.as('max_id')).executeTakeFirstOrThrow();
  const throughEntryId = horizon.max_id === null ? 0n : asBigint(horizon.max_id);
  const previous = await latestCheckpoint(trx, accountId);
  if (previous !== undefined && previous.through_entry_id >= throughEntryId) {
    return { throughEntryId: previous.through_entry_id, netDebitMinor: previous.net_debit_minor };
  }
  const since = await trx
    .selectFrom('ledger_postings')
    .select(sumMinor('amount_minor').as('sum'))
    .where('account_id', '=', accountId)
    .where('entry_id', '>', previous?.through_entry_id ?? 0n)
    .where('entry_id', '<=', throughEntryId)
    .executeTakeFirstOrThrow();
  const netDebitMinor = (previous?.net_debit_minor ?? 0n) + asBigint(since.sum);
  // Two checkpoints through the same entry compute the same sum; the first one stays.
  await trx
    .insertInto('ledger_balance_checkpoints')
    .values({ account_id: accountId, through_entry_id: throughEntryId, net_debit_minor: netDebitMinor, created_at_ms: createdAtMs })
    .onConflict((conflict) => conflict.columns(['account_id', 'through_entry_id']).doNothing())
    .execute();
  return { throughEntryId, netDebitMinor };
}

function isLockTimeout(error: unknown): boolean {
  // 55P03 is PostgreSQL's lock_not_available, raised when lock_timeout expires.
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '55P03';
}
