import { createHash } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import { BastionError } from '../../../lib/errors/index.js';
import { adjustmentKinds, type AdjustmentRequest } from '../../../ports/network.js';
import { PreparedQuery, type ArgumentOf } from '../../../ports/prepared-query.js';
import { answerFromFirst, authorizationByIdempotencyKey, insertAuthorizationIfKeyFree, insertPendingRow, REVERSED_UNSEEN_KIND, type Claim, type Decision } from './authorization-record.js';
import { decideHoldAdjustment, releaseHoldForReversal, type HoldRules } from './holds.js';
import { newAuthorizationCode, newIssuerReference } from './ids.js';
import { IDEMPOTENCY_KEY_LENGTH_MAX } from './request-checks.js';
import type { IssuerAuthorizationsTable, IssuerTables } from './tables.js';

type AuthorizationRow = Selectable<IssuerAuthorizationsTable>;

type ById = { id: string };
type ByIdAndAmount = { id: string; amountMinor: bigint };

/** Every statement of a void, refund or reversal (but the hold ones, holds.ts): built and compiled once. */
const cardPanHash = new PreparedQuery((db: Kysely<IssuerTables>, arg: ArgumentOf<{ cardId: string }>) => db.selectFrom('issuer_cards').select('pan_hash').where('id', '=', arg('cardId')));
const giveBackWhole = new PreparedQuery((db: Kysely<IssuerTables>, arg: ArgumentOf<ByIdAndAmount>) =>
  db
    .updateTable('issuer_authorizations')
    .set({ returned_minor: sql<bigint>`returned_minor + cast(${arg('amountMinor')} as bigint)` })
    .where('id', '=', arg('id'))
    .where('returned_minor', '=', 0n)
    .returning('id'),
);
const giveBackPart = new PreparedQuery((db: Kysely<IssuerTables>, arg: ArgumentOf<ByIdAndAmount>) =>
  db
    .updateTable('issuer_authorizations')
    .set({ returned_minor: sql<bigint>`returned_minor + cast(${arg('amountMinor')} as bigint)` })
    .where('id', '=', arg('id'))
    .where(sql<boolean>`returned_minor + cast(${arg('amountMinor')} as bigint) <= amount_minor`)
    .returning('id'),
);
const undoAdjustment = new PreparedQuery((db: Kysely<IssuerTables>, arg: ArgumentOf<ByIdAndAmount>) =>
  db.updateTable('issuer_authorizations').set({ returned_minor: arg('amountMinor') }).where('id', '=', arg('id')).where('returned_minor', '=', 0n).returning('id'),
);
const giveRoomBack = new PreparedQuery((db: Kysely<IssuerTables>, arg: ArgumentOf<{ idempotencyKey: string; amountMinor: bigint }>) =>
  db
    .updateTable('issuer_authorizations')
    .set({ returned_minor: sql<bigint>`returned_minor - ${arg('amountMinor')}` })
    .where('idempotency_key', '=', arg('idempotencyKey'))
    .where('returned_minor', '>=', arg('amountMinor')),
);
const lockReturned = new PreparedQuery((db: Kysely<IssuerTables>, arg: ArgumentOf<ById>) =>
  db.updateTable('issuer_authorizations').set({ returned_minor: sql<bigint>`returned_minor` }).where('id', '=', arg('id')),
);
const returnedOf = new PreparedQuery((db: Kysely<IssuerTables>, arg: ArgumentOf<ById>) => db.selectFrom('issuer_authorizations').select('returned_minor').where('id', '=', arg('id')));
const returnAll = new PreparedQuery((db: Kysely<IssuerTables>, arg: ArgumentOf<ByIdAndAmount>) =>
  db.updateTable('issuer_authorizations').set({ returned_minor: arg('amountMinor') }).where('id', '=', arg('id')),
);
const moveCardBalance = new PreparedQuery((db: Kysely<IssuerTables>, arg: ArgumentOf<{ cardId: string; amountMinor: bigint; nowMs: bigint }>) =>
  db
    .updateTable('issuer_cards')
    .set({ balance_minor: sql<bigint>`balance_minor + cast(${arg('amountMinor')} as bigint)`, updated_at_ms: arg('nowMs') })
    .where('id', '=', arg('cardId')),
);

/**
 * Claims an adjustment's own key as `claimAuthorization` does: a retry finds the first decision;
 * the same key for another adjustment is ISSUER_ERR_IDEMPOTENCY_CONFLICT.
 */
export async function claimAdjustment(trx: Kysely<IssuerTables>, request: AdjustmentRequest, issuerReference: string, fingerprint: Buffer, nowMs: bigint): Promise<Claim> {
  const first = await insertPendingRow(trx, request, { issuerReference, fingerprint, kind: request.kind, entryMode: 'none', originalKey: request.originalIdempotencyKey, nowMs });
  if (first === undefined) return { claimed: true };
  return answerFromFirst(first, fingerprint);
}

/** Checks the shape of an adjustment request, as `assertAuthorizationRequest` does for an authorization. */
export function assertAdjustmentRequest(request: AdjustmentRequest): void {
  const malformed = (argument: string, what: string): BastionError => new BastionError('ISSUER_ERR_REQUEST', `the adjustment request's ${argument} ${what}`, { argument });
  if (!adjustmentKinds.includes(request.kind)) throw malformed('kind', `must be one of ${adjustmentKinds.join(', ')}`);
  const keyPattern = new RegExp(`^[\\x21-\\x7e]{1,${IDEMPOTENCY_KEY_LENGTH_MAX}}$`);
  for (const argument of ['idempotencyKey', 'originalIdempotencyKey'] as const) {
    if (typeof request[argument] !== 'string' || !keyPattern.test(request[argument])) throw malformed(argument, `must be 1 to ${IDEMPOTENCY_KEY_LENGTH_MAX} printable characters`);
  }
  if (request.idempotencyKey === request.originalIdempotencyKey) throw malformed('idempotencyKey', 'must differ from the original key');
  if (typeof request.amountMinor !== 'bigint' || request.amountMinor < 0n) throw malformed('amountMinor', 'must be a bigint of 0 or more');
  if (request.pan !== undefined && !/^[0-9]{12,19}$/.test(request.pan)) throw malformed('pan', 'must be 12 to 19 digits');
  if (!/^[0-9]{3}$/.test(request.currency)) throw malformed('currency', 'must be 3 digits');
}

/** The identity of an adjustment: a key used again for another one is caught. */
export function adjustmentFingerprint(request: AdjustmentRequest, panHash: Buffer | undefined): Buffer {
  const { acquirer } = request;
  const parts = [request.kind, request.originalIdempotencyKey, request.amountMinor.toString(), request.currency, acquirer.retrievalReferenceNumber, acquirer.systemTraceAuditNumber, acquirer.terminalId, acquirer.merchantId, panHash?.toString('hex') ?? ''];
  return createHash('sha256').update(JSON.stringify(parts)).digest();
}

/** The kind of original each adjustment refers to (a reversal takes any). */
const originalKindOf: Record<Exclude<AdjustmentRequest['kind'], 'reversal'>, string> = {
  void: 'sale',
  refund: 'sale',
  'pre-auth-void': 'pre-auth',
  completion: 'pre-auth',
  'completion-void': 'completion',
};

/**
 * Decides a void, refund or reversal inside the transaction that claimed its key. Every movement
 * of money is a conditional UPDATE of the original's `returned_minor` (never above its amount),
 * then the card's balance, so concurrent adjustments of one original can never give back more
 * than it took.
 */
export async function decideAdjustment(trx: Kysely<IssuerTables>, request: AdjustmentRequest, panHash: Buffer | undefined, nowMs: bigint, rules: HoldRules): Promise<Decision> {
  if (request.kind === 'reversal') return decideReversal(trx, request, nowMs);
  const original = await authorizationByIdempotencyKey(trx, request.originalIdempotencyKey);
  if (original === undefined || original.outcome !== 'approved' || original.kind !== originalKindOf[request.kind] || original.card_id === null) return { reason: 'original-not-found' };
  const cardId = original.card_id;
  if (panHash !== undefined) {
    const card = await cardPanHash.first(trx, { cardId });
    if (card === undefined) throw new BastionError('ISSUER_ERR_CORRUPT', 'an authorization names a card that is not there', { cardId });
    if (!Buffer.from(card.pan_hash).equals(panHash)) return { reason: 'original-not-found' };
  }
  if (request.currency !== original.currency) return { reason: 'transaction-not-permitted', cardId };
  if (request.kind === 'pre-auth-void' || request.kind === 'completion') return decideHoldAdjustment(trx, request, original, rules, nowMs);
  if (request.kind === 'void' || request.kind === 'completion-void') {
    if (request.amountMinor !== original.amount_minor) return { reason: 'invalid-amount', cardId };
    if (!(await giveBack(trx, original, request.amountMinor, 'whole'))) return { reason: 'invalid-transaction', cardId };
  } else {
    if (request.amountMinor <= 0n) return { reason: 'invalid-amount', cardId };
    if (!(await giveBack(trx, original, request.amountMinor, 'part'))) return { reason: 'invalid-amount', cardId };
  }
  await moveBalance(trx, cardId, request.amountMinor, nowMs);
  return { reason: 'approved', cardId, authorizationCode: newAuthorizationCode() };
}

/**
 * A reversal is always acknowledged. Of a key never seen: a row left under that key (kind
 * `reversed-unseen`) makes a later authorization of it declined 12 (the unique key orders the
 * two). Of an approved sale: what was not yet given back is credited. Of an approved void or
 * refund: its amount is taken from the card again and the sale may be given back again.
 */
async function decideReversal(trx: Kysely<IssuerTables>, request: AdjustmentRequest, nowMs: bigint): Promise<Decision> {
  const approved: Decision = { reason: 'approved', authorizationCode: newAuthorizationCode() };
  const tombstone = await insertAuthorizationIfKeyFree(trx, {
    id: newIssuerReference(),
    idempotency_key: request.originalIdempotencyKey,
    fingerprint: Buffer.alloc(32),
    card_id: null,
    kind: REVERSED_UNSEEN_KIND,
    entry_mode: 'none',
    amount_minor: request.amountMinor,
    currency: request.currency,
    retrieval_reference_number: request.acquirer.retrievalReferenceNumber,
    system_trace_audit_number: request.acquirer.systemTraceAuditNumber,
    terminal_id: request.acquirer.terminalId,
    merchant_id: request.acquirer.merchantId,
    outcome: 'declined',
    reason: 'invalid-transaction',
    response_code: '12',
    authorization_code: null,
    balance_minor: null,
    arpc: null,
    arc: null,
    created_at_ms: nowMs,
    decided_at_ms: nowMs,
    original_key: request.idempotencyKey,
  });
  if (tombstone) return approved;
  const original = await authorizationByIdempotencyKey(trx, request.originalIdempotencyKey);
  if (original === undefined) throw new BastionError('ISSUER_ERR_CORRUPT', 'an idempotency key is taken but its row is not there', { argument: 'originalIdempotencyKey' });
  if (original.outcome !== 'approved' || original.card_id === null) return approved;
  const cardId = original.card_id;
  if (original.kind === 'pre-auth') {
    await releaseHoldForReversal(trx, original, request.idempotencyKey, nowMs);
    return { ...approved, cardId };
  }
  if (original.kind === 'sale' || original.kind === 'completion') {
    const remaining = await takeRemaining(trx, original);
    if (remaining > 0n) await moveBalance(trx, cardId, remaining, nowMs);
    return { ...approved, cardId };
  }
  if ((original.kind === 'void' || original.kind === 'refund' || original.kind === 'completion-void') && original.original_key !== null) {
    // Undo the adjustment once: mark it given back in full, then give the sale its room again.
    const undone = await undoAdjustment.first(trx, { id: original.id, amountMinor: original.amount_minor });
    if (undone === undefined) return { ...approved, cardId };
    await giveRoomBack.run(trx, { idempotencyKey: original.original_key, amountMinor: original.amount_minor });
    await moveBalance(trx, cardId, -original.amount_minor, nowMs);
  }
  return { ...approved, cardId };
}

/** Gives back `amountMinor` of `original`: all of it and only once (`whole`), or within what is left (`part`). */
async function giveBack(trx: Kysely<IssuerTables>, original: AuthorizationRow, amountMinor: bigint, how: 'whole' | 'part'): Promise<boolean> {
  const giveBackQuery = how === 'whole' ? giveBackWhole : giveBackPart;
  return (await giveBackQuery.first(trx, { id: original.id, amountMinor })) !== undefined;
}

/**
 * Marks all of `original` given back and returns how much that was (0 when nothing was left).
 * The no-op UPDATE first takes the row's lock (PostgreSQL; SQLite serialises writers anyway), so
 * the amount read next cannot change before it is taken.
 */
async function takeRemaining(trx: Kysely<IssuerTables>, original: AuthorizationRow): Promise<bigint> {
  await lockReturned.run(trx, { id: original.id });
  const now = await returnedOf.first(trx, { id: original.id });
  if (now === undefined) throw new BastionError('ISSUER_ERR_CORRUPT', 'an authorization read in this transaction is not there', { issuerReference: original.id });
  const remaining = original.amount_minor - now.returned_minor;
  if (remaining <= 0n) return 0n;
  await returnAll.run(trx, { id: original.id, amountMinor: original.amount_minor });
  return remaining;
}

/** Credits (positive) or debits (negative) the card; a debit that would overdraw is allowed to fail the check constraint. */
async function moveBalance(trx: Kysely<IssuerTables>, cardId: string, amountMinor: bigint, nowMs: bigint): Promise<void> {
  await moveCardBalance.run(trx, { cardId, amountMinor, nowMs });
}
