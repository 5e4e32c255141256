import { createHash } from 'node:crypto';
import type { Insertable, Kysely, Selectable } from 'kysely';
import { BastionError } from '../../../lib/errors/index.js';
import { definedColumns, placeholders, PreparedQuery, type ArgumentOf } from '../../../ports/prepared-query.js';
import { networkResponseCodes, type AuthorizationRequest, type NetworkReason, type NetworkResponse } from '../../../ports/network.js';
import type { IssuerAuthorizationsTable, IssuerTables } from './tables.js';

/** What the simulator decided, before it becomes a response and a row. */
export interface Decision {
  readonly reason: NetworkReason;
  readonly cardId?: string;
  readonly authorizationCode?: string;
  readonly balanceMinor?: bigint;
  readonly currency?: string;
  readonly arpc?: Buffer;
  readonly arc?: Buffer;
}

/**
 * The identity of a transaction, so that a key used again for something else is caught: kind,
 * card (by its keyed look-up hash, never the PAN), amount, currency and the acquirer's
 * references. Card data that differs between honest retries (a PIN block, a cryptogram) is not
 * part of it.
 */
export function fingerprintOf(request: AuthorizationRequest, panHash: Buffer): Buffer {
  const { acquirer } = request;
  const parts = [
    request.kind,
    request.entryMode,
    request.amountMinor.toString(),
    request.currency,
    request.expiry,
    acquirer.retrievalReferenceNumber,
    acquirer.systemTraceAuditNumber,
    acquirer.terminalId,
    acquirer.merchantId,
    panHash.toString('hex'),
  ];
  return createHash('sha256').update(JSON.stringify(parts)).digest();
}

/** The kind of the row a reversal leaves under a key the simulator has not seen (adjustments.ts). */
export const REVERSED_UNSEEN_KIND = 'reversed-unseen';

export type Claim = { readonly claimed: true } | { readonly claimed: false; readonly response: NetworkResponse };

/** What a claimed row holds before its decision: the request's references and what the caller names. */
export interface PendingRow {
  readonly issuerReference: string;
  readonly fingerprint: Buffer;
  readonly kind: string;
  readonly entryMode: string;
  /** An adjustment's original (its idempotency key); none for an authorization. */
  readonly originalKey?: string;
  readonly nowMs: bigint;
}

type NewAuthorization = Insertable<IssuerAuthorizationsTable>;
type AuthorizationRow = Selectable<IssuerAuthorizationsTable>;

/** The columns a decision fills in: the same for a completed pending row and for a row recorded decided. */
interface DecidedColumns {
  outcome: string;
  reason: string;
  response_code: string;
  card_id: string | null;
  authorization_code: string | null;
  balance_minor: bigint | null;
  arpc: Buffer | null;
  arc: Buffer | null;
  decided_at_ms: bigint;
}

/** Every claim, record, look-up and completion of a key: built and compiled once (per set of columns for the insert). */
const insertAuthorization = new PreparedQuery(
  (db: Kysely<IssuerTables>, arg: ArgumentOf<NewAuthorization>, row: NewAuthorization) =>
    db.insertInto('issuer_authorizations').values(placeholders(row, arg)).onConflict((conflict) => conflict.column('idempotency_key').doNothing()).returning('id'),
  definedColumns,
);

const authorizationByKey = new PreparedQuery((db: Kysely<IssuerTables>, arg: ArgumentOf<{ idempotencyKey: string }>) =>
  db.selectFrom('issuer_authorizations').selectAll().where('idempotency_key', '=', arg('idempotencyKey')),
);

const completePending = new PreparedQuery((db: Kysely<IssuerTables>, arg: ArgumentOf<DecidedColumns & { id: string }>) =>
  db
    .updateTable('issuer_authorizations')
    .set({
      outcome: arg('outcome'),
      reason: arg('reason'),
      response_code: arg('response_code'),
      card_id: arg('card_id'),
      authorization_code: arg('authorization_code'),
      balance_minor: arg('balance_minor'),
      arpc: arg('arpc'),
      arc: arg('arc'),
      decided_at_ms: arg('decided_at_ms'),
    })
    .where('id', '=', arg('id'))
    .where('outcome', '=', 'pending')
    .returning('id'),
);

type KeyedRequest = Pick<AuthorizationRequest, 'idempotencyKey' | 'amountMinor' | 'currency' | 'acquirer'>;

/** The row of `request` as claimed, still undecided (`pending`). */
function pendingColumns(request: KeyedRequest, row: PendingRow): NewAuthorization {
  const { acquirer } = request;
  return {
    id: row.issuerReference,
    idempotency_key: request.idempotencyKey,
    fingerprint: row.fingerprint,
    card_id: null,
    kind: row.kind,
    entry_mode: row.entryMode,
    amount_minor: request.amountMinor,
    currency: request.currency,
    retrieval_reference_number: acquirer.retrievalReferenceNumber,
    system_trace_audit_number: acquirer.systemTraceAuditNumber,
    terminal_id: acquirer.terminalId,
    merchant_id: acquirer.merchantId,
    outcome: 'pending',
    reason: null,
    response_code: null,
    authorization_code: null,
    balance_minor: null,
    arpc: null,
    arc: null,
    created_at_ms: row.nowMs,
    decided_at_ms: null,
    ...(row.originalKey === undefined ? {} : { original_key: row.originalKey }),
  };
}

function decidedColumns(decision: Decision, nowMs: bigint): DecidedColumns {
  return {
    outcome: decision.reason === 'approved' ? 'approved' : 'declined',
    reason: decision.reason,
    response_code: networkResponseCodes[decision.reason],
    card_id: decision.cardId ?? null,
    authorization_code: decision.authorizationCode ?? null,
    balance_minor: decision.balanceMinor ?? null,
    arpc: decision.arpc ?? null,
    arc: decision.arc ?? null,
    decided_at_ms: nowMs,
  };
}

/** The row that holds `idempotencyKey`, if any. */
export function authorizationByIdempotencyKey(db: Kysely<IssuerTables>, idempotencyKey: string): Promise<AuthorizationRow | undefined> {
  return authorizationByKey.first(db, { idempotencyKey });
}

/** Inserts `row` if its idempotency key is free: true when inserted (a reversal's tombstone, adjustments.ts). */
export async function insertAuthorizationIfKeyFree(trx: Kysely<IssuerTables>, row: NewAuthorization): Promise<boolean> {
  return (await insertAuthorization.first(trx, row)) !== undefined;
}

/**
 * Inserts the pending row under `request.idempotencyKey` if the key is free; otherwise returns
 * the row that holds it (on PostgreSQL after waiting for its transaction to commit).
 */
export async function insertPendingRow(trx: Kysely<IssuerTables>, request: KeyedRequest, row: PendingRow): Promise<AuthorizationRow | undefined> {
  const inserted = await insertAuthorization.first(trx, pendingColumns(request, row));
  if (inserted !== undefined) return undefined;
  const first = await authorizationByKey.first(trx, { idempotencyKey: request.idempotencyKey });
  if (first === undefined) throw new BastionError('ISSUER_ERR_CORRUPT', 'an idempotency key is taken but its row is not there', { issuerReference: row.issuerReference });
  return first;
}

/**
 * Records an authorization already decided, as its claim and completion together would have left
 * it: true when the key was free. False when another request holds the key (on PostgreSQL after
 * waiting for its transaction to commit): the caller must then undo every effect of its own
 * decision by rolling its transaction back, and answer from the row that holds the key.
 */
export async function recordDecidedAuthorization(trx: Kysely<IssuerTables>, request: AuthorizationRequest, row: Omit<PendingRow, 'originalKey'>, decision: Decision): Promise<boolean> {
  const inserted = await insertAuthorization.first(trx, { ...pendingColumns(request, row), ...decidedColumns(decision, row.nowMs) });
  return inserted !== undefined;
}

/** A retry of the transaction that holds the key gets its decision; another transaction under it is ISSUER_ERR_IDEMPOTENCY_CONFLICT. */
export function answerFromFirst(first: AuthorizationRow, fingerprint: Buffer): Claim & { readonly claimed: false } {
  if (!Buffer.from(first.fingerprint).equals(fingerprint)) {
    throw new BastionError('ISSUER_ERR_IDEMPOTENCY_CONFLICT', 'this idempotency key was already used for a different transaction', { argument: 'idempotencyKey' });
  }
  return { claimed: false, response: responseFromRow(first) };
}

/**
 * Claims the idempotency key inside the caller's transaction: insert-if-absent. On PostgreSQL a
 * concurrent duplicate waits on the unique key until the first commits its decision, then reads
 * it; on SQLite transactions are serialised. Either way a key is decided once.
 */
export async function claimAuthorization(trx: Kysely<IssuerTables>, request: AuthorizationRequest, issuerReference: string, fingerprint: Buffer, nowMs: bigint): Promise<Claim> {
  const first = await insertPendingRow(trx, request, { issuerReference, fingerprint, kind: request.kind, entryMode: request.entryMode, nowMs });
  if (first === undefined) return { claimed: true };
  return answerAuthorizationFromFirst(first, fingerprint);
}

/** The answer to an authorization whose key another request holds. */
export function answerAuthorizationFromFirst(first: AuthorizationRow, fingerprint: Buffer): Claim & { readonly claimed: false } {
  // A reversal got here first and left this key reversed (adjustments.ts): the authorization is declined.
  if (first.kind === REVERSED_UNSEEN_KIND) return { claimed: false, response: responseFromRow(first) };
  return answerFromFirst(first, fingerprint);
}

/** Records the decision on the claimed row, in the same transaction as every effect of it. */
export async function completeAuthorization(trx: Kysely<IssuerTables>, issuerReference: string, decision: Decision, nowMs: bigint): Promise<void> {
  const updated = await completePending.first(trx, { id: issuerReference, ...decidedColumns(decision, nowMs) });
  if (updated === undefined) throw new BastionError('ISSUER_ERR_CORRUPT', 'a claimed authorization vanished before its decision was recorded', { issuerReference });
}

/** The response of a decision: the first answer and every replay are built here, so they are equal. */
export function responseOf(issuerReference: string, decision: Decision): NetworkResponse {
  const common = {
    responseCode: networkResponseCodes[decision.reason],
    issuerReference,
    ...(decision.arpc !== undefined && decision.arc !== undefined ? { issuerAuthentication: { arpc: decision.arpc, arc: decision.arc } } : {}),
  };
  if (decision.reason !== 'approved') return { outcome: 'declined', reason: decision.reason, ...common };
  if (decision.authorizationCode === undefined) throw new BastionError('ISSUER_ERR_CORRUPT', 'an approval has no authorization code', { issuerReference });
  return {
    outcome: 'approved',
    reason: 'approved',
    authorizationCode: decision.authorizationCode,
    ...(decision.balanceMinor !== undefined && decision.currency !== undefined ? { balance: { amountMinor: decision.balanceMinor, currency: decision.currency } } : {}),
    ...common,
  };
}

function isReason(value: string | null): value is NetworkReason {
  return value !== null && Object.hasOwn(networkResponseCodes, value);
}

export function responseFromRow(row: AuthorizationRow): NetworkResponse {
  const reason = row.reason;
  if (!isReason(reason) || row.response_code !== networkResponseCodes[reason] || row.outcome !== (reason === 'approved' ? 'approved' : 'declined')) {
    throw new BastionError('ISSUER_ERR_CORRUPT', `the stored authorization ${row.id} has no valid decision: the store was altered outside Bastion`, { issuerReference: row.id });
  }
  return responseOf(row.id, {
    reason,
    ...(row.authorization_code === null ? {} : { authorizationCode: row.authorization_code }),
    ...(row.balance_minor === null ? {} : { balanceMinor: row.balance_minor, currency: row.currency }),
    ...(row.arpc === null || row.arc === null ? {} : { arpc: Buffer.from(row.arpc), arc: Buffer.from(row.arc) }),
  });
}
