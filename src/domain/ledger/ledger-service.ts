import type { Kysely, Selectable, Transaction } from 'kysely';
import { BastionError } from '../../lib/errors/index.js';
import type { Store } from '../../ports/store.js';
import { checkpointWithin, netDebitOf, type Checkpoint } from './balances.js';
import { postEntryWithin } from './post-entry.js';
import { readEntry } from './read-entry.js';
import type { LedgerTables } from './tables.js';
import { accountTypes, type AccountBalance, type AccountSpec, type AccountType, type EpochMsClock, type LedgerAccount, type LedgerEntry, type PostRequest, type PostResult } from './types.js';
import { assertAccountCode, assertAccountSpec } from './validate.js';
import { verifyLedgerIn, type LedgerVerification, type VerifyOptions } from './verify.js';

/** How many ensured accounts a LedgerService remembers (a host's merchants' payable accounts and the shared ones). */
export const ENSURED_ACCOUNTS_CACHED_MAX = 10_000;

type AccountRow = Selectable<LedgerTables['ledger_accounts']>;

/**
 * The double-entry ledger: accounts, balanced journal entries that are posted once per
 * idempotency key, balances derived from postings, and an independent checker. Append-only:
 * nothing here updates or deletes a posted entry.
 */
export class LedgerService {
  /**
   * Accounts `ensureAccount` has already found or opened, by code: an account never changes type
   * or currency and is never deleted, so the host's per-sale ensure of the same three accounts
   * costs no round trip after the first. Bounded: emptied when it reaches the maximum.
   */
  private readonly ensured = new Map<string, LedgerAccount>();

  constructor(
    private readonly store: Store,
    private readonly clock: EpochMsClock,
  ) {}

  private get db(): Kysely<LedgerTables> {
    return this.store.db<LedgerTables>();
  }

  /** Opens a new account; LEDGER_ERR_ACCOUNT_EXISTS if the code is taken. */
  async openAccount(spec: AccountSpec): Promise<LedgerAccount> {
    const { account, created } = await this.insertAccount(spec);
    if (!created) throw new BastionError('LEDGER_ERR_ACCOUNT_EXISTS', `a ledger account with the code ${spec.code} already exists`, { argument: 'code' });
    return account;
  }

  /**
   * Opens the account unless it exists with the same type and currency (then returns it), so
   * onboarding can be retried; an existing account of another type or currency is
   * LEDGER_ERR_ACCOUNT_EXISTS.
   */
  async ensureAccount(spec: AccountSpec): Promise<LedgerAccount> {
    const known = this.ensured.get(spec.code);
    if (known !== undefined && known.type === spec.type && known.currency === spec.currency) return known;
    const { account } = await this.insertAccount(spec);
    if (account.type !== spec.type || account.currency !== spec.currency) {
      throw new BastionError('LEDGER_ERR_ACCOUNT_EXISTS', `the ledger account ${spec.code} exists as ${account.type} in ${account.currency}`, { argument: 'code' });
    }
    if (this.ensured.size >= ENSURED_ACCOUNTS_CACHED_MAX) this.ensured.clear();
    this.ensured.set(spec.code, account);
    return account;
  }

  async findAccount(code: string): Promise<LedgerAccount | undefined> {
    assertAccountCode(code, 'code');
    const row = await this.db.selectFrom('ledger_accounts').selectAll().where('code', '=', code).executeTakeFirst();
    return row === undefined ? undefined : toAccount(row);
  }

  /** Posts a balanced entry in its own transaction; see postEntryWithin for the rules. */
  async post(request: PostRequest): Promise<PostResult> {
    const createdAtMs = this.nowMs();
    return this.db.transaction().execute((trx) => postEntryWithin(trx, request, { dialect: this.store.dialect, createdAtMs }));
  }

  /**
   * Posts inside the caller's transaction, so that a record of another module and its ledger entry
   * commit together or not at all. Any error thrown here must abort that transaction.
   */
  async postWithin<Tables>(trx: Transaction<Tables>, request: PostRequest): Promise<PostResult> {
    // Accounts ensureAccount has seen committed need no look-up inside the transaction.
    return postEntryWithin(trx as unknown as Kysely<LedgerTables>, request, { dialect: this.store.dialect, createdAtMs: this.nowMs(), known: (code) => this.ensured.get(code) });
  }

  /** The entry with this id, re-checked; LEDGER_ERR_UNBALANCED if the store holds it broken. */
  async entry(id: bigint): Promise<LedgerEntry | undefined> {
    return readEntry(this.db, { id });
  }

  /** The entry posted under this idempotency key, re-checked like `entry`. */
  async entryByKey(idempotencyKey: string): Promise<LedgerEntry | undefined> {
    return readEntry(this.db, { idempotencyKey });
  }

  async balance(accountCode: string): Promise<AccountBalance> {
    const account = await this.requireAccount(accountCode);
    const netDebitMinor = await netDebitOf(this.db, account.id);
    const debitNormal = account.type === 'asset' || account.type === 'expense';
    return { accountCode, type: account.type, currency: account.currency, netDebitMinor, balanceMinor: debitNormal ? netDebitMinor : -netDebitMinor };
  }

  /** Records the account's balance through the newest entry, bounding later balance sums. */
  async checkpoint(accountCode: string): Promise<Checkpoint> {
    const account = await this.requireAccount(accountCode);
    const createdAtMs = this.nowMs();
    return this.db.transaction().execute((trx) => checkpointWithin(trx, this.store.dialect, account.id, createdAtMs));
  }

  /** Reads every entry back and checks the whole ledger; see verify.ts. */
  async verifyLedger(options: VerifyOptions = {}): Promise<LedgerVerification> {
    return verifyLedgerIn(this.db, options);
  }

  private async insertAccount(spec: AccountSpec): Promise<{ account: LedgerAccount; created: boolean }> {
    assertAccountSpec(spec);
    const inserted = await this.db
      .insertInto('ledger_accounts')
      .values({ code: spec.code, type: spec.type, currency: spec.currency, created_at_ms: this.nowMs() })
      .onConflict((conflict) => conflict.column('code').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (inserted !== undefined) return { account: toAccount(inserted), created: true };
    const existing = await this.db.selectFrom('ledger_accounts').selectAll().where('code', '=', spec.code).executeTakeFirstOrThrow();
    return { account: toAccount(existing), created: false };
  }

  private async requireAccount(code: string): Promise<LedgerAccount> {
    const account = await this.findAccount(code);
    if (account === undefined) throw new BastionError('LEDGER_ERR_ACCOUNT_UNKNOWN', `no ledger account has the code ${code}`, { argument: 'accountCode' });
    return account;
  }

  private nowMs(): bigint {
    const now = this.clock();
    if (typeof now !== 'bigint' || now < 0n) throw new BastionError('LEDGER_ERR_ARGUMENT', 'the ledger clock must return epoch milliseconds as a non-negative bigint', { argument: 'clock' });
    return now;
  }
}

function toAccount(row: AccountRow): LedgerAccount {
  return { id: row.id, code: row.code, type: asAccountType(row.type), currency: row.currency, createdAtMs: row.created_at_ms };
}

function asAccountType(type: string): AccountType {
  // The table's CHECK constraint admits only these; anything else means the store was altered.
  const known = accountTypes.find((candidate) => candidate === type);
  if (known === undefined) throw new BastionError('LEDGER_ERR_ARGUMENT', 'a ledger account in the store has an unknown type', { argument: 'type' });
  return known;
}
