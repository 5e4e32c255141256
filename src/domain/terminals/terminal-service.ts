import { sql, type Kysely, type Selectable, type Transaction, type Updateable } from 'kysely';
import { BastionError } from '../../lib/errors/index.js';
import type { KeyType, KeyUnderLmk } from '../../ports/hsm.js';
import { PreparedQuery, type ArgumentOf } from '../../ports/prepared-query.js';
import { EpochCache } from '../../lib/cache/index.js';
import { announcedWrite, isUniqueViolation, type Store, type StoreChanges } from '../../ports/store.js';
import type { MerchantService } from '../merchants/index.js';
import { LocalDateFormatter } from './local-date.js';
import {
  BATCH_NUMBER_MAX,
  formatBatchNumber,
  isMacVariant,
  isTerminalId,
  isKeyAlgorithm,
  isTerminalStatus,
  MAC_VARIANT_DEFAULT,
  validateBatchNumber,
  validateKeyUnderLmk,
  validateLockReason,
  validateMacVariant,
  validateModel,
  validateSerialNumber,
  validateTerminalId,
  validateWorkingKeys,
  type MacVariant,
  type Terminal,
  type WorkingKeys,
} from './terminal.js';
import type { TerminalRow, TerminalsTables } from './terminal-tables.js';

/** A list returns at most this many terminals; page with `after`. */
export const TERMINAL_LIST_LIMIT_MAX = 1_000;
export const TERMINAL_LIST_LIMIT_DEFAULT = 100;
/** Consecutive MAC failures after which a terminal is locked, unless the host is configured otherwise. */
export const MAC_FAILURES_LOCK_AFTER_DEFAULT = 5;
export const MAC_FAILURES_LOCK_AFTER_MAX = 100;
/** The lock reason recorded when MAC failures lock a terminal. */
export const MAC_FAILURES_LOCK_REASON = 'consecutive MAC failures';

export interface TerminalServiceOptions {
  /** Epoch milliseconds now; injected so tests and the simulator control time. */
  readonly clock: () => bigint;
  /** IANA time zone of the acquirer's business day (default Asia/Shanghai). */
  readonly timeZone?: string;
}

export interface NewTerminal {
  readonly terminalId: string;
  readonly merchantId: string;
  readonly serialNumber: string;
  readonly model: string;
  readonly macVariant?: MacVariant;
}

/** Anything that names a terminal: a `Terminal`, or just its field-41 id. */
export interface TerminalRef {
  readonly terminalId: string;
}

export interface MacFailureOutcome {
  readonly consecutiveFailures: bigint;
  /** Whether the terminal is locked now. */
  readonly locked: boolean;
  /** Whether this failure is the one that locked it: the caller records the security event once. */
  readonly lockedNow: boolean;
}

// Working keys are erased whenever they must no longer be used: sign-out, lock, a new TMK,
// retirement. The terminal then has to sign in again and gets fresh keys.
const noWorkingKeys = {
  pik_algorithm: null,
  pik_ciphertext: null,
  pik_kcv: null,
  mak_algorithm: null,
  mak_ciphertext: null,
  mak_kcv: null,
  tdk_algorithm: null,
  tdk_ciphertext: null,
  tdk_kcv: null,
} as const satisfies Updateable<TerminalRow>;

const mayChangeKeys = ['new', 'active'] as const;

/**
 * The terminals module's service. Every change is one atomic statement (or one transaction), so
 * several host processes sharing one PostgreSQL database can't lose each other's updates.
 */

/** Read on every request a terminal sends: built and compiled once. */
const terminalById = new PreparedQuery((db: Kysely<TerminalsTables>, arg: ArgumentOf<{ terminalId: string }>) =>
  db.selectFrom('terminals_terminals').selectAll().where('terminal_id', '=', arg('terminalId')),
);
/** Terminals kept in memory per process (read on every request; see `findByTerminalId`). */
export const TERMINALS_CACHED_MAX = 10_000;

export class TerminalService {
  private readonly db: Kysely<TerminalsTables>;
  private readonly changes: StoreChanges;
  private readonly cache = new EpochCache<string, Terminal>(TERMINALS_CACHED_MAX);
  private readonly clock: () => bigint;
  private readonly dates: LocalDateFormatter;

  constructor(
    store: Store,
    private readonly merchants: MerchantService,
    options: TerminalServiceOptions,
  ) {
    this.db = store.db<TerminalsTables>();
    this.changes = store.changes;
    this.clock = options.clock;
    this.dates = new LocalDateFormatter(options.timeZone);
  }

  get timeZone(): string {
    return this.dates.timeZone;
  }

  /** YYYYMMDD at `atMs` in the configured time zone. */
  localDate(atMs: bigint): string {
    return this.dates.localDate(atMs);
  }

  /** Today's YYYYMMDD in the configured time zone, by the injected clock. */
  today(): string {
    return this.dates.localDate(this.clock());
  }

  /**
   * Registers a terminal, status `new`, bound to an active merchant, batch 000001, no keys.
   * A taken terminal id or serial number is a coded error, even when two hosts race.
   */
  async add(input: NewTerminal): Promise<Terminal> {
    const terminalId = validateTerminalId(input.terminalId);
    const serialNumber = validateSerialNumber(input.serialNumber);
    const model = validateModel(input.model);
    const macVariant = validateMacVariant(input.macVariant ?? MAC_VARIANT_DEFAULT);
    const merchant = await this.merchants.requireActive(input.merchantId);
    const nowMs = this.clock();
    try {
      const row = await announcedWrite(this.changes, this.db, () => this.db
        .insertInto('terminals_terminals')
        .values({
          terminal_id: terminalId,
          merchant_id: merchant.merchantId,
          serial_number: serialNumber,
          model,
          mac_variant: macVariant,
          status: 'new',
          ...noWorkingKeys,
          tmk_algorithm: null,
          tmk_ciphertext: null,
          tmk_kcv: null,
          key_generation: 0n,
          batch_number: 1n,
          last_sign_in_at_ms: null,
          last_sign_in_local_date: null,
          signed_out_at_ms: null,
          mac_failure_count: 0n,
          lock_reason: null,
          locked_at_ms: null,
          created_at_ms: nowMs,
          updated_at_ms: nowMs,
        })
        .returningAll()
        .executeTakeFirstOrThrow());
      return terminalFromRow(row);
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      if ((await this.findByTerminalId(terminalId)) !== undefined) {
        throw new BastionError('TERMINAL_ERR_ID_TAKEN', `terminal ${terminalId} already exists`, { argument: 'terminalId' });
      }
      throw new BastionError('TERMINAL_ERR_SERIAL_TAKEN', 'a terminal with this serial number already exists', { argument: 'serialNumber' });
    }
  }

  /**
   * The terminal with this field-41 id, or undefined (also for an id that is not well formed).
   * Served from memory while the store's change epoch stands (`StoreChanges`): on SQLite that is
   * exact; on PostgreSQL a commit on another node reaches this cache a moment after it commits,
   * so a caller about to refuse on what it read asks again with `fresh` (read from the database).
   */
  async findByTerminalId(terminalId: string, options: { readonly fresh?: boolean } = {}): Promise<Terminal | undefined> {
    if (!isTerminalId(terminalId)) return undefined;
    return this.cache.readThrough(
      terminalId,
      () => this.changes.epoch(),
      async () => {
        const row = await terminalById.first(this.db, { terminalId });
        return row === undefined ? undefined : terminalFromRow(row);
      },
      options.fresh === true,
    );
  }

  /** The terminal, or TERMINAL_ERR_NOT_FOUND. */
  async require(terminal: TerminalRef): Promise<Terminal> {
    const terminalId = validateTerminalId(terminal.terminalId);
    const found = await this.findByTerminalId(terminalId);
    if (found === undefined) throw notFound(terminalId);
    return found;
  }

  /** Terminals in terminal-id order, optionally of one merchant, after `after` if given; at most `limit`. */
  async list(options: { readonly limit?: number; readonly after?: string; readonly merchantId?: string } = {}): Promise<Terminal[]> {
    const limit = options.limit ?? TERMINAL_LIST_LIMIT_DEFAULT;
    if (!Number.isInteger(limit) || limit < 1 || limit > TERMINAL_LIST_LIMIT_MAX) {
      throw new BastionError('TERMINAL_ERR_ARGUMENT', `a list limit is from 1 to ${TERMINAL_LIST_LIMIT_MAX}`, { argument: 'limit' });
    }
    let query = this.db.selectFrom('terminals_terminals').selectAll().orderBy('terminal_id').limit(limit);
    if (options.after !== undefined) query = query.where('terminal_id', '>', options.after);
    if (options.merchantId !== undefined) query = query.where('merchant_id', '=', options.merchantId);
    return (await query.execute()).map(terminalFromRow);
  }

  /**
   * Stores a terminal master key (under the LMK). A terminal that has one keeps it unless
   * `replace` is set: a new TMK orphans the one injected into the device, so replacing is an
   * explicit choice, and the check is part of the update itself, so two operators can't both
   * "set the first TMK". The working keys of an old TMK are erased, so the terminal signs in
   * again under the new one. Refused for a retired terminal.
   */
  async setTmk(terminal: TerminalRef, tmk: KeyUnderLmk, options: { readonly replace?: boolean } = {}): Promise<Terminal> {
    const terminalId = validateTerminalId(terminal.terminalId);
    validateKeyUnderLmk(tmk, 'TMK', 'tmk');
    let update = this.db
      .updateTable('terminals_terminals')
      .set({
        tmk_algorithm: tmk.algorithm,
        tmk_ciphertext: Buffer.from(tmk.ciphertext),
        tmk_kcv: Buffer.from(tmk.kcv),
        ...noWorkingKeys,
        updated_at_ms: this.clock(),
      })
      .where('terminal_id', '=', terminalId)
      .where('status', '<>', 'retired');
    if (options.replace !== true) update = update.where('tmk_ciphertext', 'is', null);
    const row = await announcedWrite(this.changes, this.db, () => update.returningAll().executeTakeFirst());
    if (row !== undefined) return terminalFromRow(row);
    const current = await this.findByTerminalId(terminalId);
    if (current !== undefined && current.status !== 'retired' && current.tmk !== undefined) {
      throw new BastionError('TERMINAL_ERR_STATE', `terminal ${terminalId} already has a master key; replacing it must be asked for`, { terminalId, status: current.status });
    }
    throw await this.refusal(terminalId, 'set the master key of');
  }

  /**
   * Records a successful sign-in in one statement: the new working keys replace the old ones
   * whole (never a mix of two sign-ins), the batch is the one sent in the 0810, the key
   * generation goes up by one and a `new` terminal becomes `active`. Refused for a locked or
   * retired terminal and for one without a TMK. MAC failures are not reset: signing in again
   * must not wipe the count an attacker has run up.
   */
  async recordSignIn(terminal: TerminalRef, workingKeys: WorkingKeys, batchNumber: string, atMs: bigint): Promise<Terminal> {
    return this.recordSignInOn(this.db, terminal, workingKeys, batchNumber, atMs);
  }

  /**
   * `recordSignIn` inside the caller's transaction, so the keys and what is recorded with them
   * (the `terminal.sign-in` audit row) commit or roll back together, as LedgerService.postWithin.
   */
  async recordSignInWithin<Tables>(trx: Transaction<Tables>, terminal: TerminalRef, workingKeys: WorkingKeys, batchNumber: string, atMs: bigint): Promise<Terminal> {
    return this.recordSignInOn(trx as unknown as Kysely<TerminalsTables>, terminal, workingKeys, batchNumber, atMs);
  }

  private async recordSignInOn(db: Kysely<TerminalsTables>, terminal: TerminalRef, workingKeys: WorkingKeys, batchNumber: string, atMs: bigint): Promise<Terminal> {
    const terminalId = validateTerminalId(terminal.terminalId);
    validateWorkingKeys(workingKeys);
    validateBatchNumber(batchNumber);
    const localDate = this.localDate(atMs);
    const row = await announcedWrite(this.changes, db, () => db
      .updateTable('terminals_terminals')
      .set({
        pik_algorithm: workingKeys.pik.algorithm,
        pik_ciphertext: Buffer.from(workingKeys.pik.ciphertext),
        pik_kcv: Buffer.from(workingKeys.pik.kcv),
        mak_algorithm: workingKeys.mak.algorithm,
        mak_ciphertext: Buffer.from(workingKeys.mak.ciphertext),
        mak_kcv: Buffer.from(workingKeys.mak.kcv),
        tdk_algorithm: workingKeys.tdk?.algorithm ?? null,
        tdk_ciphertext: workingKeys.tdk === undefined ? null : Buffer.from(workingKeys.tdk.ciphertext),
        tdk_kcv: workingKeys.tdk === undefined ? null : Buffer.from(workingKeys.tdk.kcv),
        key_generation: sql<bigint>`key_generation + 1`,
        batch_number: BigInt(batchNumber),
        last_sign_in_at_ms: atMs,
        last_sign_in_local_date: localDate,
        signed_out_at_ms: null,
        status: 'active',
        updated_at_ms: this.clock(),
      })
      .where('terminal_id', '=', terminalId)
      .where('status', 'in', mayChangeKeys)
      .where('tmk_ciphertext', 'is not', null)
      .returningAll()
      .executeTakeFirst());
    // The refusal reads on the same connection: inside a transaction, SQLite has no other.
    if (row === undefined) throw await this.refusal(terminalId, 'sign in', db);
    return terminalFromRow(row);
  }

  /** Ends the terminal's session: its working keys are erased until it signs in again. */
  async signOut(terminal: TerminalRef): Promise<Terminal> {
    return this.signOutOn(this.db, terminal);
  }

  /** `signOut` inside the caller's transaction (with its audit row, say). */
  async signOutWithin<Tables>(trx: Transaction<Tables>, terminal: TerminalRef): Promise<Terminal> {
    return this.signOutOn(trx as unknown as Kysely<TerminalsTables>, terminal);
  }

  private async signOutOn(db: Kysely<TerminalsTables>, terminal: TerminalRef): Promise<Terminal> {
    const terminalId = validateTerminalId(terminal.terminalId);
    const nowMs = this.clock();
    const row = await announcedWrite(this.changes, db, () => db
      .updateTable('terminals_terminals')
      .set({ ...noWorkingKeys, signed_out_at_ms: nowMs, updated_at_ms: nowMs })
      .where('terminal_id', '=', terminalId)
      .where('status', '<>', 'retired')
      .returningAll()
      .executeTakeFirst());
    if (row === undefined) throw await this.refusal(terminalId, 'sign out', db);
    return terminalFromRow(row);
  }

  /**
   * Counts one MAC failure and locks the terminal when `lockAfter` consecutive failures are
   * reached. The increment is atomic and the lock conditional, inside one transaction, so that
   * concurrent failures on several hosts give an exact count and lock the terminal exactly once
   * (`lockedNow` is true for that one call). Recording the security event is the caller's job.
   */
  async registerMacFailure(terminal: TerminalRef, lockAfter: number = MAC_FAILURES_LOCK_AFTER_DEFAULT): Promise<MacFailureOutcome> {
    const terminalId = validateTerminalId(terminal.terminalId);
    if (!Number.isInteger(lockAfter) || lockAfter < 1 || lockAfter > MAC_FAILURES_LOCK_AFTER_MAX) {
      throw new BastionError('TERMINAL_ERR_ARGUMENT', `the MAC-failure lock threshold is from 1 to ${MAC_FAILURES_LOCK_AFTER_MAX}`, { argument: 'lockAfter' });
    }
    return announcedWrite(this.changes, this.db, () => this.db.transaction().execute(async (trx) => {
      const nowMs = this.clock();
      const counted = await trx
        .updateTable('terminals_terminals')
        .set({ mac_failure_count: sql<bigint>`mac_failure_count + 1`, updated_at_ms: nowMs })
        .where('terminal_id', '=', terminalId)
        .returning(['mac_failure_count', 'status'])
        .executeTakeFirst();
      if (counted === undefined) throw notFound(terminalId);
      const consecutiveFailures = counted.mac_failure_count;
      if (consecutiveFailures < BigInt(lockAfter) || !(mayChangeKeys as readonly string[]).includes(counted.status)) {
        return { consecutiveFailures, locked: counted.status === 'locked', lockedNow: false };
      }
      const locked = await trx
        .updateTable('terminals_terminals')
        .set({ status: 'locked', lock_reason: MAC_FAILURES_LOCK_REASON, locked_at_ms: nowMs, ...noWorkingKeys, updated_at_ms: nowMs })
        .where('terminal_id', '=', terminalId)
        .where('status', 'in', mayChangeKeys)
        .returning('id')
        .executeTakeFirst();
      return { consecutiveFailures, locked: true, lockedNow: locked !== undefined };
    }));
  }

  /**
   * After a verified MAC: the failure count starts again from zero. Writes only when there is
   * something to reset, so the common case costs one cheap statement and no row churn.
   * Returns whether a count was reset.
   */
  async resetMacFailures(terminal: TerminalRef): Promise<boolean> {
    const terminalId = validateTerminalId(terminal.terminalId);
    const reset = await announcedWrite(this.changes, this.db, () => this.db
      .updateTable('terminals_terminals')
      .set({ mac_failure_count: 0n, updated_at_ms: this.clock() })
      .where('terminal_id', '=', terminalId)
      .where('mac_failure_count', '>', 0n)
      .returning('id')
      .executeTakeFirst());
    if (reset === undefined && (await this.findByTerminalId(terminalId)) === undefined) throw notFound(terminalId);
    return reset !== undefined;
  }

  /**
   * Locks a terminal (its working keys are erased). Locking a locked terminal keeps the first
   * reason and changes nothing; a retired terminal can't be locked.
   */
  async lock(terminal: TerminalRef, reason: string): Promise<Terminal> {
    const terminalId = validateTerminalId(terminal.terminalId);
    const lockReason = validateLockReason(reason);
    const nowMs = this.clock();
    const row = await announcedWrite(this.changes, this.db, () => this.db
      .updateTable('terminals_terminals')
      .set({ status: 'locked', lock_reason: lockReason, locked_at_ms: nowMs, ...noWorkingKeys, updated_at_ms: nowMs })
      .where('terminal_id', '=', terminalId)
      .where('status', 'in', mayChangeKeys)
      .returningAll()
      .executeTakeFirst());
    if (row !== undefined) return terminalFromRow(row);
    const current = await this.require({ terminalId });
    if (current.status === 'locked') return current;
    throw await this.refusal(terminalId, 'lock');
  }

  /**
   * Unlocks a locked terminal: `active` again if it ever signed in, else `new`; the MAC-failure
   * count restarts at zero. Its working keys were erased at the lock, so it must sign in again.
   */
  async unlock(terminal: TerminalRef): Promise<Terminal> {
    const terminalId = validateTerminalId(terminal.terminalId);
    const row = await announcedWrite(this.changes, this.db, () => this.db
      .updateTable('terminals_terminals')
      .set({
        status: sql<string>`case when last_sign_in_at_ms is null then 'new' else 'active' end`,
        lock_reason: null,
        locked_at_ms: null,
        mac_failure_count: 0n,
        updated_at_ms: this.clock(),
      })
      .where('terminal_id', '=', terminalId)
      .where('status', '=', 'locked')
      .returningAll()
      .executeTakeFirst());
    if (row === undefined) throw await this.refusal(terminalId, 'unlock');
    return terminalFromRow(row);
  }

  /** Takes a terminal out of service for good: its master and working keys are erased. */
  async retire(terminal: TerminalRef): Promise<Terminal> {
    const terminalId = validateTerminalId(terminal.terminalId);
    const row = await announcedWrite(this.changes, this.db, () => this.db
      .updateTable('terminals_terminals')
      .set({ status: 'retired', tmk_algorithm: null, tmk_ciphertext: null, tmk_kcv: null, ...noWorkingKeys, updated_at_ms: this.clock() })
      .where('terminal_id', '=', terminalId)
      .returningAll()
      .executeTakeFirst());
    if (row === undefined) throw notFound(terminalId);
    return terminalFromRow(row);
  }

  /** After settlement: the next batch number (999999 wraps to 000001), atomically. */
  async advanceBatch(terminal: TerminalRef): Promise<string> {
    const terminalId = validateTerminalId(terminal.terminalId);
    const row = await announcedWrite(this.changes, this.db, () => this.nextBatchUpdate(this.db, terminalId).returning('batch_number').executeTakeFirst());
    if (row === undefined) throw await this.refusal(terminalId, 'advance the batch of');
    return formatBatchNumber(row.batch_number);
  }

  /**
   * Closes batch `fromBatch` for the terminal inside the caller's transaction (with the
   * settlement record that closes it): the batch number becomes the next one (999999 wraps to
   * 000001) only if it is still `fromBatch`, so a replayed or racing close advances it once.
   * Returns the new batch number, or undefined when the terminal has already moved on.
   */
  async advanceBatchWithin<Tables>(trx: Transaction<Tables>, terminal: TerminalRef, fromBatch: string): Promise<string | undefined> {
    const terminalId = validateTerminalId(terminal.terminalId);
    const from = BigInt(validateBatchNumber(fromBatch));
    const db = trx as unknown as Kysely<TerminalsTables>;
    const row = await announcedWrite(this.changes, db, () => this.nextBatchUpdate(db, terminalId).where('batch_number', '=', from).returning('batch_number').executeTakeFirst());
    if (row !== undefined) return formatBatchNumber(row.batch_number);
    const current = await db.selectFrom('terminals_terminals').select(['status']).where('terminal_id', '=', terminalId).executeTakeFirst();
    if (current === undefined || current.status === 'retired') throw await this.refusal(terminalId, 'advance the batch of', db);
    return undefined;
  }

  /** The update that moves a terminal that is not retired to its next batch number (999999 wraps to 000001). */
  private nextBatchUpdate(db: Kysely<TerminalsTables>, terminalId: string) {
    return db
      .updateTable('terminals_terminals')
      .set({
        batch_number: sql<bigint>`case when batch_number >= ${sql.lit(BATCH_NUMBER_MAX)} then 1 else batch_number + 1 end`,
        updated_at_ms: this.clock(),
      })
      .where('terminal_id', '=', terminalId)
      .where('status', '<>', 'retired');
  }

  /** Why a conditional update touched no row, as the coded error a caller can act on. */
  private async refusal(terminalId: string, action: string, db: Kysely<TerminalsTables> = this.db): Promise<BastionError> {
    const row = await db.selectFrom('terminals_terminals').selectAll().where('terminal_id', '=', terminalId).executeTakeFirst();
    const current = row === undefined ? undefined : terminalFromRow(row);
    if (current === undefined) return notFound(terminalId);
    switch (current.status) {
      case 'locked':
        return new BastionError('TERMINAL_ERR_LOCKED', `cannot ${action} terminal ${terminalId}: it is locked`, { terminalId });
      case 'retired':
        return new BastionError('TERMINAL_ERR_RETIRED', `cannot ${action} terminal ${terminalId}: it is retired`, { terminalId });
      case 'new':
      case 'active':
        if (current.tmk === undefined) return new BastionError('TERMINAL_ERR_NO_TMK', `cannot ${action} terminal ${terminalId}: it has no master key yet`, { terminalId });
        return new BastionError('TERMINAL_ERR_STATE', `cannot ${action} terminal ${terminalId} while it is ${current.status}`, { terminalId, status: current.status });
    }
  }
}

function notFound(terminalId: string): BastionError {
  return new BastionError('TERMINAL_ERR_NOT_FOUND', `terminal ${terminalId} does not exist`, { terminalId });
}

/** Rows are checked on the way out too: a row another program wrote must still make sense. */
function terminalFromRow(row: Selectable<TerminalRow>): Terminal {
  if (!isTerminalStatus(row.status) || !isMacVariant(row.mac_variant) || row.batch_number < 1n || row.batch_number > BigInt(BATCH_NUMBER_MAX)) {
    throw corrupt(row);
  }
  return {
    terminalId: row.terminal_id,
    merchantId: row.merchant_id,
    serialNumber: row.serial_number,
    model: row.model,
    macVariant: row.mac_variant,
    status: row.status,
    tmk: tmkFromRow(row),
    workingKeys: workingKeysFromRow(row),
    keyGeneration: row.key_generation,
    batchNumber: formatBatchNumber(row.batch_number),
    lastSignInAtMs: row.last_sign_in_at_ms ?? undefined,
    lastSignInLocalDate: row.last_sign_in_local_date ?? undefined,
    signedOutAtMs: row.signed_out_at_ms ?? undefined,
    macFailureCount: row.mac_failure_count,
    lockReason: row.lock_reason ?? undefined,
    lockedAtMs: row.locked_at_ms ?? undefined,
    createdAtMs: row.created_at_ms,
    updatedAtMs: row.updated_at_ms,
  };
}

function tmkFromRow(row: Selectable<TerminalRow>): KeyUnderLmk | undefined {
  return keyFromColumns(row, 'TMK', row.tmk_algorithm, row.tmk_ciphertext, row.tmk_kcv);
}

function workingKeysFromRow(row: Selectable<TerminalRow>): WorkingKeys | undefined {
  const pik = keyFromColumns(row, 'PIK', row.pik_algorithm, row.pik_ciphertext, row.pik_kcv);
  const mak = keyFromColumns(row, 'MAK', row.mak_algorithm, row.mak_ciphertext, row.mak_kcv);
  const tdk = keyFromColumns(row, 'TDK', row.tdk_algorithm, row.tdk_ciphertext, row.tdk_kcv);
  if (pik === undefined && mak === undefined && tdk === undefined) return undefined;
  // A sign-in writes PIK and MAK together; one without the other is not a state the service makes.
  if (pik === undefined || mak === undefined) throw corrupt(row);
  return { pik, mak, tdk };
}

function keyFromColumns(row: Selectable<TerminalRow>, type: KeyType, algorithm: string | null, ciphertext: Buffer | null, kcv: Buffer | null): KeyUnderLmk | undefined {
  if (algorithm === null && ciphertext === null && kcv === null) return undefined;
  if (algorithm === null || ciphertext === null || kcv === null || !isKeyAlgorithm(algorithm)) throw corrupt(row);
  return { type, algorithm, ciphertext: copy(ciphertext), kcv: copy(kcv) };
}

// The caller's own Buffer: drivers may hand back views into pooled memory.
function copy(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes);
}

function corrupt(row: Selectable<TerminalRow>): BastionError {
  return new BastionError('TERMINAL_ERR_CORRUPT', 'a stored terminal row is not valid', { terminalRowId: Number(row.id) });
}
