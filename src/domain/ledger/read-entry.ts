import type { Kysely, Selectable } from 'kysely';
import { BastionError } from '../../lib/errors/index.js';
import type { LedgerTables } from './tables.js';
import type { LedgerEntry, PostingInput } from './types.js';
import { entryInvariantViolation } from './validate.js';

type EntryRow = Omit<Selectable<LedgerTables['ledger_entries']>, 'fingerprint'>;

/**
 * Reads a journal entry back and checks it again: an entry that breaks the invariant in the store
 * (edited by hand, a bug, a bad restore) is refused with LEDGER_ERR_UNBALANCED, never returned.
 */
export async function readEntry(db: Kysely<LedgerTables>, where: { readonly id: bigint } | { readonly idempotencyKey: string }): Promise<LedgerEntry | undefined> {
  const query = db.selectFrom('ledger_entries').select(['id', 'idempotency_key', 'kind', 'description', 'occurred_at_ms', 'created_at_ms']);
  const row = await ('id' in where ? query.where('id', '=', where.id) : query.where('idempotency_key', '=', where.idempotencyKey)).executeTakeFirst();
  if (row === undefined) return undefined;
  // The entry and its postings were committed together, so a visible entry has all its postings.
  const postings = await db
    .selectFrom('ledger_postings as p')
    .innerJoin('ledger_accounts as a', 'a.id', 'p.account_id')
    .select(['a.code as account_code', 'a.currency as account_currency', 'p.amount_minor', 'p.currency'])
    .where('p.entry_id', '=', row.id)
    .orderBy('p.line_no')
    .execute();
  return checkedEntry(row, postings);
}

function checkedEntry(row: EntryRow, rows: readonly { account_code: string; account_currency: string; amount_minor: bigint; currency: string }[]): LedgerEntry {
  const postings: PostingInput[] = rows.map((posting) => ({ accountCode: posting.account_code, amountMinor: posting.amount_minor, currency: posting.currency }));
  const mismatch = rows.find((posting) => posting.currency !== posting.account_currency);
  const violation =
    mismatch === undefined ? entryInvariantViolation(postings)?.message : `a posting to ${mismatch.account_code} is in ${mismatch.currency}, the account holds ${mismatch.account_currency}`;
  if (violation !== undefined) {
    throw new BastionError('LEDGER_ERR_UNBALANCED', `ledger entry ${row.id} in the store breaks the ledger invariant: ${violation}`, { entryId: row.id.toString() });
  }
  return {
    id: row.id,
    idempotencyKey: row.idempotency_key,
    kind: row.kind,
    description: row.description,
    occurredAtMs: row.occurred_at_ms,
    createdAtMs: row.created_at_ms,
    postings,
  };
}
