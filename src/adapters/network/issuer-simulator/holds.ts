import { sql, type Insertable, type Kysely, type Selectable } from 'kysely';
import { definedColumns, placeholders, PreparedQuery, type ArgumentOf } from '../../../ports/prepared-query.js';
import type { AdjustmentRequest } from '../../../ports/network.js';
import type { Decision } from './authorization-record.js';
import { newAuthorizationCode, newIssuerReference } from './ids.js';
import type { IssuerAuthorizationsTable, IssuerHoldsTable, IssuerTables } from './tables.js';

type AuthorizationRow = Selectable<IssuerAuthorizationsTable>;
type HoldRow = Selectable<IssuerHoldsTable>;

/**
 * How long a pre-authorisation holds the money: 30 days, as UnionPay pre-authorisations live
 * (a completion after that is declined and the hold is gone). Configurable per simulator.
 */
export const HOLD_LIFETIME_MS_DEFAULT = 30n * 24n * 60n * 60n * 1000n;

type CardAmount = { cardId: string; amountMinor: bigint; nowMs: bigint };

/** Every statement of a hold but the sweep's look-up: built and compiled once. */
const raiseHeld = new PreparedQuery((db: Kysely<IssuerTables>, arg: ArgumentOf<CardAmount>) =>
  db
    .updateTable('issuer_cards')
    .set({ held_minor: sql<bigint>`held_minor + cast(${arg('amountMinor')} as bigint)`, updated_at_ms: arg('nowMs') })
    .where('id', '=', arg('cardId'))
    .where(sql<boolean>`balance_minor - held_minor >= cast(${arg('amountMinor')} as bigint)`)
    .returning('id'),
);
const insertHold = new PreparedQuery((db: Kysely<IssuerTables>, arg: ArgumentOf<Insertable<IssuerHoldsTable>>, row: Insertable<IssuerHoldsTable>) => db.insertInto('issuer_holds').values(placeholders(row, arg)), definedColumns);
const endActiveHold = new PreparedQuery((db: Kysely<IssuerTables>, arg: ArgumentOf<{ id: string; status: string; endedByKey: string; nowMs: bigint }>) =>
  db
    .updateTable('issuer_holds')
    .set({ status: arg('status'), ended_by_key: arg('endedByKey'), updated_at_ms: arg('nowMs') })
    .where('id', '=', arg('id'))
    .where('status', '=', 'active')
    .where('expires_at_ms', '>', arg('nowMs'))
    .returning('id'),
);
const expireHold = new PreparedQuery((db: Kysely<IssuerTables>, arg: ArgumentOf<{ id: string; nowMs: bigint }>) =>
  db
    .updateTable('issuer_holds')
    .set({ status: 'expired', updated_at_ms: arg('nowMs') })
    .where('id', '=', arg('id'))
    .where('status', '=', 'active')
    .where('expires_at_ms', '<=', arg('nowMs'))
    .returning('id'),
);
const lowerHeldQuery = new PreparedQuery((db: Kysely<IssuerTables>, arg: ArgumentOf<CardAmount>) =>
  db
    .updateTable('issuer_cards')
    .set({ held_minor: sql<bigint>`held_minor - cast(${arg('amountMinor')} as bigint)`, updated_at_ms: arg('nowMs') })
    .where('id', '=', arg('cardId')),
);
const holdByPreauthKey = new PreparedQuery((db: Kysely<IssuerTables>, arg: ArgumentOf<{ preauthKey: string }>) => db.selectFrom('issuer_holds').selectAll().where('preauth_key', '=', arg('preauthKey')));
const debitCompletion = new PreparedQuery((db: Kysely<IssuerTables>, arg: ArgumentOf<CardAmount>) =>
  db
    .updateTable('issuer_cards')
    .set({ balance_minor: sql<bigint>`balance_minor - cast(${arg('amountMinor')} as bigint)`, updated_at_ms: arg('nowMs') })
    .where('id', '=', arg('cardId'))
    .where(sql<boolean>`balance_minor - held_minor >= cast(${arg('amountMinor')} as bigint)`)
    .returning('id'),
);
const standAgain = new PreparedQuery((db: Kysely<IssuerTables>, arg: ArgumentOf<{ id: string; nowMs: bigint }>) =>
  db.updateTable('issuer_holds').set({ status: 'active', ended_by_key: null, updated_at_ms: arg('nowMs') }).where('id', '=', arg('id')),
);
const restoreHeld = new PreparedQuery((db: Kysely<IssuerTables>, arg: ArgumentOf<{ cardId: string; amountMinor: bigint }>) =>
  db
    .updateTable('issuer_cards')
    .set({ held_minor: sql<bigint>`held_minor + cast(${arg('amountMinor')} as bigint)` })
    .where('id', '=', arg('cardId')),
);

/** A completion may exceed the held amount by this many percent (UnionPay: up to 115%). */
export const COMPLETION_TOLERANCE_PERCENT_DEFAULT = 15n;

/** How many stale holds one `expireHolds` sweep ends at most (a bound on one transaction). */
export const EXPIRE_HOLDS_BATCH_MAX = 500;

export interface HoldRules {
  readonly holdLifetimeMs: bigint;
  readonly completionTolerancePercent: bigint;
}

/** The most a completion of `heldMinor` may take: held × (100 + tolerance) / 100, rounded down. */
export function completionLimitMinor(heldMinor: bigint, tolerancePercent: bigint): bigint {
  return (heldMinor * (100n + tolerancePercent)) / 100n;
}

/**
 * Places a hold of `amountMinor` for an approved-so-far pre-authorisation: one conditional UPDATE
 * that only raises `held_minor` while the available balance (balance − held) covers it, so
 * concurrent sales and pre-auths can never promise more than the card holds.
 */
export async function placeHold(trx: Kysely<IssuerTables>, options: { readonly cardId: string; readonly preauthKey: string; readonly amountMinor: bigint; readonly currency: string; readonly nowMs: bigint; readonly rules: HoldRules }): Promise<Decision> {
  const held = await raiseHeld.first(trx, { cardId: options.cardId, amountMinor: options.amountMinor, nowMs: options.nowMs });
  if (held === undefined) return { reason: 'insufficient-funds', cardId: options.cardId };
  await insertHold.run(trx, {
    id: newIssuerReference(),
    preauth_key: options.preauthKey,
    card_id: options.cardId,
    amount_minor: options.amountMinor,
    currency: options.currency,
    status: 'active',
    expires_at_ms: options.nowMs + options.rules.holdLifetimeMs,
    ended_by_key: null,
    created_at_ms: options.nowMs,
    updated_at_ms: options.nowMs,
  });
  return { reason: 'approved', cardId: options.cardId, authorizationCode: newAuthorizationCode() };
}

/**
 * Ends an active hold once: a conditional UPDATE of its status (only one void, completion,
 * reversal or sweep wins), then the card's `held_minor` lowered by the hold's amount. A hold
 * found active but past its expiry is expired here instead (lazily) and `ended` is false.
 */
async function endHold(trx: Kysely<IssuerTables>, hold: HoldRow, status: 'released' | 'completed', endedByKey: string, nowMs: bigint): Promise<boolean> {
  const ended = await endActiveHold.first(trx, { id: hold.id, status, endedByKey, nowMs });
  if (ended === undefined) {
    await expireOne(trx, hold, nowMs);
    return false;
  }
  await lowerHeld(trx, hold, nowMs);
  return true;
}

async function expireOne(trx: Kysely<IssuerTables>, hold: HoldRow, nowMs: bigint): Promise<boolean> {
  const expired = await expireHold.first(trx, { id: hold.id, nowMs });
  if (expired === undefined) return false;
  await lowerHeld(trx, hold, nowMs);
  return true;
}

async function lowerHeld(trx: Kysely<IssuerTables>, hold: HoldRow, nowMs: bigint): Promise<void> {
  await lowerHeldQuery.run(trx, { cardId: hold.card_id, amountMinor: hold.amount_minor, nowMs });
}

/** Ends every hold whose expiry has passed, at most EXPIRE_HOLDS_BATCH_MAX; returns how many. */
export async function expireStaleHolds(trx: Kysely<IssuerTables>, nowMs: bigint): Promise<number> {
  const stale = await trx.selectFrom('issuer_holds').selectAll().where('status', '=', 'active').where('expires_at_ms', '<=', nowMs).orderBy('expires_at_ms').limit(EXPIRE_HOLDS_BATCH_MAX).execute();
  let count = 0;
  for (const hold of stale) if (await expireOne(trx, hold, nowMs)) count++;
  return count;
}

/** The hold a pre-authorisation placed, found by the pre-auth's key. */
async function holdOf(trx: Kysely<IssuerTables>, preauthKey: string): Promise<HoldRow | undefined> {
  return holdByPreauthKey.first(trx, { preauthKey });
}

/**
 * A pre-auth void (the whole hold released) or a completion (the hold ended, the completion's
 * amount debited) of `original`, which the caller found approved, of kind `pre-auth`, for this
 * card and currency. Declines: 13 an amount that is not the held one (void) or above the
 * tolerance (completion), 12 a hold already released, completed or expired, 51 a completion
 * above the hold that the card cannot cover.
 */
export async function decideHoldAdjustment(trx: Kysely<IssuerTables>, request: AdjustmentRequest, original: AuthorizationRow, rules: HoldRules, nowMs: bigint): Promise<Decision> {
  const cardId = original.card_id ?? undefined;
  const decline = (reason: Decision['reason']): Decision => ({ reason, ...(cardId === undefined ? {} : { cardId }) });
  const hold = await holdOf(trx, original.idempotency_key);
  if (hold === undefined) return decline('invalid-transaction');
  if (request.kind === 'pre-auth-void') {
    if (request.amountMinor !== hold.amount_minor) return decline('invalid-amount');
    if (!(await endHold(trx, hold, 'released', request.idempotencyKey, nowMs))) return decline('invalid-transaction');
    return { reason: 'approved', cardId: hold.card_id, authorizationCode: newAuthorizationCode() };
  }
  if (request.amountMinor <= 0n || request.amountMinor > completionLimitMinor(hold.amount_minor, rules.completionTolerancePercent)) return decline('invalid-amount');
  if (!(await endHold(trx, hold, 'completed', request.idempotencyKey, nowMs))) return decline('invalid-transaction');
  // The hold is released in the same statement as the debit; the excess over it must be available.
  const debited = await debitCompletion.first(trx, { cardId: hold.card_id, amountMinor: request.amountMinor, nowMs });
  if (debited === undefined) {
    // Not covered: the hold stands again (this transaction holds its row), and the answer is 51.
    await standAgain.run(trx, { id: hold.id, nowMs });
    await restoreHeld.run(trx, { cardId: hold.card_id, amountMinor: hold.amount_minor });
    return decline('insufficient-funds');
  }
  return { reason: 'approved', cardId: hold.card_id, authorizationCode: newAuthorizationCode() };
}

/** A reversal of a pre-auth: its hold is released if it still stands (acknowledged either way). */
export async function releaseHoldForReversal(trx: Kysely<IssuerTables>, original: AuthorizationRow, reversalKey: string, nowMs: bigint): Promise<void> {
  const hold = await holdOf(trx, original.idempotency_key);
  if (hold !== undefined) await endHold(trx, hold, 'released', reversalKey, nowMs);
}
