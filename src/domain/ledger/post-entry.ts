import { sql, type Compilable, type Insertable, type Kysely } from 'kysely';
import { BastionError } from '../../lib/errors/index.js';
import { PreparedQuery, type ArgumentOf } from '../../ports/prepared-query.js';
import type { SqlDialect } from '../../ports/store.js';
import { entryFingerprint } from './fingerprint.js';
import type { LedgerTables } from './tables.js';
import type { PostRequest, PostResult } from './types.js';
import { assertPostRequest } from './validate.js';

/**
 * Writes one journal entry inside the caller's transaction. Every check runs before the first
 * write, so a refused request leaves the transaction untouched:
 *
 * 1. the request's shape, bounds and balance (pure);
 * 2. every account exists and holds the posting's currency (a read; accounts are never deleted);
 * 3. insert the entry `on conflict (idempotency_key) do nothing`. On PostgreSQL a concurrent
 *    insert of the same key waits for the other transaction, so exactly one wins; the loser reads
 *    the winner's entry back and compares fingerprints: same content → `created: false`, other
 *    content → LEDGER_ERR_IDEMPOTENCY_CONFLICT.
 * 4. insert the postings.
 *
 * On PostgreSQL steps 3 and 4 are one statement (a data-modifying CTE: the postings are selected
 * from the entry's `returning`, so a key conflict inserts neither): one round trip instead of two.
 * SQLite has no data-modifying CTEs and runs the two inserts.
 *
 * The read-back in step 3 needs READ COMMITTED (PostgreSQL's default) so that it sees the entry
 * the other transaction just committed.
 */
export async function postEntryWithin(db: Kysely<LedgerTables>, request: PostRequest, options: PostEntryOptions): Promise<PostResult> {
  assertPostRequest(request);
  const accountIds = await resolveAccounts(db, request, options.known);
  const fingerprint = entryFingerprint(request);

  const entry: NewEntry = {
    idempotency_key: request.idempotencyKey,
    kind: request.kind,
    description: request.description,
    occurred_at_ms: request.occurredAtMs,
    created_at_ms: options.createdAtMs,
    fingerprint,
  };
  const lines: PostingLines = { lineCount: request.postings.length };
  request.postings.forEach((posting, lineNo) => {
    lines[`account_id_${lineNo}`] = accountIds.get(posting.accountCode);
    lines[`amount_minor_${lineNo}`] = posting.amountMinor;
    lines[`currency_${lineNo}`] = posting.currency;
  });

  if (options.dialect === 'postgres') {
    const posted = await insertEntryWithPostings.rows(db, { ...lines, ...entry });
    const first = posted[0];
    if (first !== undefined) {
      if (posted.length !== lines.lineCount || posted.some((row) => row.entry_id !== first.entry_id)) {
        throw new BastionError('LEDGER_ERR_UNBALANCED', `entry ${first.entry_id} was written with ${posted.length} of its ${lines.lineCount} postings: the store is not behaving`);
      }
      return { entryId: first.entry_id, created: true };
    }
    return existingEntry(db, request.idempotencyKey, fingerprint);
  }

  const inserted = await insertEntry.first(db, entry);
  if (inserted === undefined) return existingEntry(db, request.idempotencyKey, fingerprint);
  await insertPostings.run(db, { ...lines, entry_id: inserted.id });
  return { entryId: inserted.id, created: true };
}

export interface PostEntryOptions {
  /** Which statements to run: PostgreSQL writes the entry and its postings in one. */
  readonly dialect: SqlDialect;
  readonly createdAtMs: bigint;
  readonly known?: KnownAccounts;
}

/** The entry already posted under this key (it must exist: the insert conflicted on it), if its content is the same. */
async function existingEntry(db: Kysely<LedgerTables>, idempotencyKey: string, fingerprint: string): Promise<PostResult> {
  const existing = await db
    .selectFrom('ledger_entries')
    .select(['id', 'fingerprint'])
    .where('idempotency_key', '=', idempotencyKey)
    .executeTakeFirstOrThrow();
  if (existing.fingerprint !== fingerprint) {
    throw new BastionError(
      'LEDGER_ERR_IDEMPOTENCY_CONFLICT',
      `this idempotency key was already posted as entry ${existing.id} with different content; a new event needs a new key`,
      { argument: 'idempotencyKey', entryId: existing.id.toString() },
    );
  }
  return { entryId: existing.id, created: false };
}

type NewEntry = Omit<Insertable<LedgerTables['ledger_entries']>, 'id'>;

/** SQLite: every posted entry runs these two inserts, built and compiled once (per line count for the postings). */
const insertEntry = new PreparedQuery((db: Kysely<LedgerTables>, arg: ArgumentOf<NewEntry>) => entryInsert(db, arg));

/** The entry's insert, first one wins its key (`returning` is empty for the others): both dialects. */
function entryInsert(db: Kysely<LedgerTables>, arg: ArgumentOf<NewEntry>) {
  return db
    .insertInto('ledger_entries')
    .values({
      idempotency_key: arg('idempotency_key'),
      kind: arg('kind'),
      description: arg('description'),
      occurred_at_ms: arg('occurred_at_ms'),
      created_at_ms: arg('created_at_ms'),
      fingerprint: arg('fingerprint'),
    })
    .onConflict((conflict) => conflict.column('idempotency_key').doNothing())
    .returning('id');
}

/**
 * The arguments of an entry's postings insert: `lineCount` (its shape, not bound), `entry_id`, then
 * `account_id_N`, `amount_minor_N` and `currency_N` per line.
 */
type PostingLines = { lineCount: number } & Record<string, unknown>;

/** The insert of an entry's postings in one statement: one template per line count. */
const insertPostings = new PreparedQuery(
  (db: Kysely<LedgerTables>, arg: ArgumentOf<PostingLines>, lines: PostingLines) =>
    db.insertInto('ledger_postings').values(
      Array.from({ length: lines.lineCount }, (_, lineNo) => ({
        entry_id: arg('entry_id') as bigint,
        line_no: lineNo,
        account_id: arg(`account_id_${lineNo}`) as bigint,
        amount_minor: arg(`amount_minor_${lineNo}`) as bigint,
        currency: arg(`currency_${lineNo}`) as string,
      })),
    ),
  (lines) => String(lines.lineCount),
);

/**
 * PostgreSQL: the entry and its postings in one statement (one template per line count). The
 * postings are selected from the entry's `returning`: on a key conflict the entry returns no row,
 * so no posting is written and no row comes back. Each line's values are cast, as a `values` list
 * would otherwise type them as text.
 */
const insertEntryWithPostings = new PreparedQuery(
  (db: Kysely<LedgerTables>, arg: ArgumentOf<NewEntry & PostingLines>, lines: PostingLines): Compilable<{ entry_id: bigint }> => {
    const entry = entryInsert(db, arg);
    const rows = Array.from(
      { length: lines.lineCount },
      (_, lineNo) => sql`(${sql.lit(lineNo)}, cast(${arg(`account_id_${lineNo}`)} as bigint), cast(${arg(`amount_minor_${lineNo}`)} as bigint), cast(${arg(`currency_${lineNo}`)} as text))`,
    );
    const query = sql<{ entry_id: bigint }>`with "entry" as (${entry}) insert into "ledger_postings" ("entry_id", "line_no", "account_id", "amount_minor", "currency") select "entry"."id", "line"."line_no", "line"."account_id", "line"."amount_minor", "line"."currency" from "entry" cross join (values ${sql.join(rows)}) as "line" ("line_no", "account_id", "amount_minor", "currency") returning "entry_id"`;
    return { compile: () => query.compile(db) };
  },
  (lines) => String(lines.lineCount),
);

/**
 * Accounts the caller knows to be committed (id and currency never change; accounts are never
 * deleted): when every account of a request is known, step 2 needs no read.
 */
export type KnownAccounts = (code: string) => { readonly id: bigint; readonly currency: string } | undefined;

/** Maps every account code of the request to its id, refusing unknown accounts and wrong currencies. */
async function resolveAccounts(db: Kysely<LedgerTables>, request: PostRequest, known: KnownAccounts | undefined): Promise<Map<string, bigint>> {
  const codes = [...new Set(request.postings.map((posting) => posting.accountCode))];
  const fromMemory = known === undefined ? [] : codes.map((code) => known(code));
  const allKnown = known !== undefined && fromMemory.every((account) => account !== undefined);
  const rows = allKnown ? codes.map((code, index) => ({ code, ...(fromMemory[index] as { id: bigint; currency: string }) })) : await db.selectFrom('ledger_accounts').select(['id', 'code', 'currency']).where('code', 'in', codes).execute();
  const byCode = new Map(rows.map((row) => [row.code, row]));
  const ids = new Map<string, bigint>();
  request.postings.forEach((posting, index) => {
    const account = byCode.get(posting.accountCode);
    if (account === undefined) {
      throw new BastionError('LEDGER_ERR_ACCOUNT_UNKNOWN', `no ledger account has the code ${posting.accountCode}`, {
        argument: `postings[${index}].accountCode`,
      });
    }
    if (account.currency !== posting.currency) {
      throw new BastionError('LEDGER_ERR_CURRENCY', `account ${posting.accountCode} holds ${account.currency}, not ${posting.currency}`, {
        argument: `postings[${index}].currency`,
      });
    }
    ids.set(posting.accountCode, account.id);
  });
  return ids;
}
