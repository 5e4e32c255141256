import type { Kysely } from 'kysely';
import { BastionError } from '../../lib/errors/index.js';
import { entryFingerprint } from './fingerprint.js';
import { VERIFY_PAGE_ENTRIES, VERIFY_PROBLEMS_LISTED_MAX } from './limits.js';
import { asBigint, sumMinor } from './sql-values.js';
import type { LedgerTables } from './tables.js';
import type { PostingInput } from './types.js';
import { entryInvariantViolation } from './validate.js';

/**
 * The independent checker: reads the whole ledger back from the store, in pages of
 * VERIFY_PAGE_ENTRIES entries, and reports every entry that breaks the invariant, every entry
 * whose content no longer matches its fingerprint, every checkpoint that disagrees with the
 * postings, and the total of all postings per currency, which must be zero.
 *
 * Each page is one statement (entries left-joined to their postings), so it sees each entry
 * together with all its postings even while hosts keep posting.
 */

export type LedgerProblemKind = 'unbalanced' | 'currency_mismatch' | 'fingerprint_mismatch' | 'checkpoint_mismatch';

export interface LedgerProblem {
  readonly kind: LedgerProblemKind;
  readonly entryId?: bigint;
  readonly accountCode?: string;
  readonly message: string;
}

export interface LedgerVerification {
  /** True when no problem was found and every currency totals zero. */
  readonly ok: boolean;
  readonly entriesChecked: number;
  readonly postingsChecked: number;
  readonly checkpointsChecked: number;
  /** The sum of every posting per currency; zero in a sound ledger. */
  readonly totalsByCurrency: ReadonlyMap<string, bigint>;
  /** The first VERIFY_PROBLEMS_LISTED_MAX problems, in entry order. */
  readonly problems: readonly LedgerProblem[];
  /** All problems found, listed or not. */
  readonly problemCount: number;
}

interface PageRow {
  id: bigint;
  kind: string;
  description: string;
  occurred_at_ms: bigint;
  fingerprint: string;
  account_code: string | null;
  account_currency: string | null;
  amount_minor: bigint | null;
  currency: string | null;
}

class ProblemList {
  readonly listed: LedgerProblem[] = [];
  count = 0;

  add(problem: LedgerProblem): void {
    this.count++;
    if (this.listed.length < VERIFY_PROBLEMS_LISTED_MAX) this.listed.push(problem);
  }
}

export interface VerifyOptions {
  /** Entries per query, 1 to VERIFY_PAGE_ENTRIES (the default); tests use small pages. */
  readonly pageEntries?: number;
}

export async function verifyLedgerIn(db: Kysely<LedgerTables>, options: VerifyOptions = {}): Promise<LedgerVerification> {
  const pageEntries = options.pageEntries ?? VERIFY_PAGE_ENTRIES;
  if (!Number.isSafeInteger(pageEntries) || pageEntries < 1 || pageEntries > VERIFY_PAGE_ENTRIES) {
    throw new BastionError('LEDGER_ERR_ARGUMENT', `a verification page holds 1 to ${VERIFY_PAGE_ENTRIES} entries`, { argument: 'pageEntries' });
  }
  const problems = new ProblemList();
  const totals = new Map<string, bigint>();
  let entriesChecked = 0;
  let postingsChecked = 0;
  let after = 0n;
  for (;;) {
    const rows = await readPage(db, after, pageEntries);
    if (rows.length === 0) break;
    for (const group of groupByEntry(rows)) {
      entriesChecked++;
      postingsChecked += group.postings.length;
      for (const posting of group.postings) totals.set(posting.currency, (totals.get(posting.currency) ?? 0n) + posting.amountMinor);
      checkEntry(group, problems);
      after = group.head.id;
    }
  }
  const checkpointsChecked = await checkCheckpoints(db, problems, pageEntries);
  const totalsZero = [...totals.values()].every((total) => total === 0n);
  return {
    ok: problems.count === 0 && totalsZero,
    entriesChecked,
    postingsChecked,
    checkpointsChecked,
    totalsByCurrency: totals,
    problems: problems.listed,
    problemCount: problems.count,
  };
}

function readPage(db: Kysely<LedgerTables>, after: bigint, pageEntries: number): Promise<PageRow[]> {
  return db
    .selectFrom('ledger_entries as e')
    .leftJoin('ledger_postings as p', 'p.entry_id', 'e.id')
    .leftJoin('ledger_accounts as a', 'a.id', 'p.account_id')
    .select([
      'e.id',
      'e.kind',
      'e.description',
      'e.occurred_at_ms',
      'e.fingerprint',
      'a.code as account_code',
      'a.currency as account_currency',
      'p.amount_minor',
      'p.currency',
    ])
    .where('e.id', 'in', (page) => page.selectFrom('ledger_entries').select('id').where('id', '>', after).orderBy('id').limit(pageEntries))
    .orderBy('e.id')
    .orderBy('p.line_no')
    .execute();
}

interface EntryGroup {
  readonly head: PageRow;
  readonly rows: PageRow[];
  readonly postings: PostingInput[];
}

function groupByEntry(rows: readonly PageRow[]): EntryGroup[] {
  const groups: EntryGroup[] = [];
  for (const row of rows) {
    let group = groups.at(-1);
    if (group?.head.id !== row.id) {
      group = { head: row, rows: [], postings: [] };
      groups.push(group);
    }
    // A left join gives one row of nulls for an entry without postings.
    if (row.amount_minor === null || row.currency === null) continue;
    group.rows.push(row);
    group.postings.push({ accountCode: row.account_code ?? '?', amountMinor: row.amount_minor, currency: row.currency });
  }
  return groups;
}

function checkEntry(group: EntryGroup, problems: ProblemList): void {
  const entryId = group.head.id;
  const violation = entryInvariantViolation(group.postings);
  if (violation !== undefined) problems.add({ kind: 'unbalanced', entryId, message: `entry ${entryId}: ${violation.message}` });
  for (const row of group.rows) {
    if (row.account_currency !== row.currency) {
      problems.add({
        kind: 'currency_mismatch',
        entryId,
        accountCode: row.account_code ?? '?',
        message: `entry ${entryId}: a posting in ${row.currency ?? '?'} to an account that holds ${row.account_currency ?? '?'}`,
      });
    }
  }
  const fingerprint = entryFingerprint({ kind: group.head.kind, description: group.head.description, occurredAtMs: group.head.occurred_at_ms, postings: group.postings });
  if (fingerprint !== group.head.fingerprint) {
    problems.add({ kind: 'fingerprint_mismatch', entryId, message: `entry ${entryId}: its stored content no longer matches the fingerprint it was posted with` });
  }
}

/**
 * Each checkpoint must equal the sum of its account's postings through its entry. The running sum
 * is carried from the previous checkpoint's *recomputed* value, not its stored one, so one bad
 * checkpoint cannot vouch for the next.
 */
async function checkCheckpoints(db: Kysely<LedgerTables>, problems: ProblemList, pageSize: number): Promise<number> {
  let checked = 0;
  let afterAccount = 0n;
  let afterThrough = -1n;
  let previous: { accountId: bigint; throughEntryId: bigint; netDebitMinor: bigint } | undefined;
  for (;;) {
    const page = await db
      .selectFrom('ledger_balance_checkpoints as c')
      .innerJoin('ledger_accounts as a', 'a.id', 'c.account_id')
      .select(['c.account_id', 'c.through_entry_id', 'c.net_debit_minor', 'a.code'])
      .where((eb) =>
        eb.or([eb('c.account_id', '>', afterAccount), eb.and([eb('c.account_id', '=', afterAccount), eb('c.through_entry_id', '>', afterThrough)])]),
      )
      .orderBy('c.account_id')
      .orderBy('c.through_entry_id')
      .limit(pageSize)
      .execute();
    if (page.length === 0) return checked;
    for (const checkpoint of page) {
      const base = previous?.accountId === checkpoint.account_id ? previous : { throughEntryId: 0n, netDebitMinor: 0n };
      const between = await db
        .selectFrom('ledger_postings')
        .select(sumMinor('amount_minor').as('sum'))
        .where('account_id', '=', checkpoint.account_id)
        .where('entry_id', '>', base.throughEntryId)
        .where('entry_id', '<=', checkpoint.through_entry_id)
        .executeTakeFirstOrThrow();
      const expected = base.netDebitMinor + asBigint(between.sum);
      if (expected !== checkpoint.net_debit_minor) {
        problems.add({
          kind: 'checkpoint_mismatch',
          accountCode: checkpoint.code,
          message: `account ${checkpoint.code}: the checkpoint through entry ${checkpoint.through_entry_id} says ${checkpoint.net_debit_minor}, the postings say ${expected}`,
        });
      }
      checked++;
      previous = { accountId: checkpoint.account_id, throughEntryId: checkpoint.through_entry_id, netDebitMinor: expected };
      afterAccount = checkpoint.account_id;
      afterThrough = checkpoint.through_entry_id;
    }
  }
}
