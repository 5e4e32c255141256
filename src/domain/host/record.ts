import type { Transaction } from 'kysely';
import { BastionError } from '../../lib/errors/index.js';
import type { IsoMessage, UnionPayPosSpec } from '../../lib/iso8583/index.js';
import type { Admitted } from './admission.js';
import { answerDuplicate } from './admission.js';
import type { Merchant } from '../merchants/index.js';
import { FEE_REVENUE_ACCOUNT, SCHEME_RECEIVABLE_ACCOUNT, type HostDependencies } from './deps.js';
import { requestFingerprint } from './duplicate.js';
import type { HostTables } from './tables.js';
import { findAnswered, insertIfFirst, type NewHostTransaction, type RecordKey } from './transaction-record.js';

type Request = IsoMessage<UnionPayPosSpec>;

/** The row's own columns; the key, merchant, time, reply and fingerprint come from `recordAnswer`. */
export type RecordColumns = Omit<NewHostTransaction, 'terminal_id' | 'merchant_id' | 'batch_number' | 'trace' | 'request_class' | 'created_at_ms' | 'response' | 'request_fingerprint'>;

export interface AnswerToRecord {
  readonly request: Request;
  readonly admitted: Admitted;
  readonly columns: RecordColumns;
  /** The reply, packed and MAC'd, exactly as it will be sent and replayed. */
  readonly packed: Buffer;
  /**
   * What else must commit with the row (a ledger entry, marking the original voided …), run
   * only when this request won its key. Throwing rolls the row back with it.
   */
  readonly effects?: (trx: Transaction<HostTables>, nowMs: bigint) => Promise<void>;
}

/**
 * Replies whose record committed durably (`recordAnswer` won its key): the unit's promise settles
 * only after its commit is durable, and everything the reply says was read before that commit, so
 * nothing it rests on can be lost any more (an fsync makes durable everything written before it,
 * by any connection to the file; a PostgreSQL COMMIT returns once flushed). The pipeline sends
 * these without waiting for the fsync of a later group (`Store.whenDurable`).
 */
const durableReplies = new WeakSet<Buffer>();

/** Whether `reply` is a won record's reply, durable since its unit settled (see `durableReplies`). */
export function isDurableReply(reply: Buffer): boolean {
  return durableReplies.has(reply);
}

/**
 * The recording step every financial transaction shares: its row and its effects commit in one
 * database transaction before the reply leaves. A duplicate that lost the race to the unique key
 * rolls its own work back and answers as the winner's duplicate (admission.ts).
 */
export async function recordAnswer(deps: HostDependencies, answer: AnswerToRecord): Promise<Buffer> {
  const { key, merchant, terminal } = answer.admitted;
  const nowMs = deps.clock();
  const db = deps.store.db<HostTables>();
  // Group commit: the reply waits for the durable commit this unit shares with others in flight.
  const won = await deps.store.transact<HostTables, boolean>(async (trx) => {
    const first = await insertIfFirst(trx, {
      ...answer.columns,
      terminal_id: key.terminalId,
      merchant_id: merchant.merchantId,
      batch_number: key.batch,
      trace: key.trace,
      request_class: key.requestClass,
      created_at_ms: nowMs,
      response: answer.packed,
      request_fingerprint: requestFingerprint(answer.request, answer.columns.pan_id ?? undefined),
    });
    if (!first) return false;
    await answer.effects?.(trx, nowMs);
    return true;
  });
  if (won) {
    durableReplies.add(answer.packed);
    return answer.packed;
  }
  const winner = await findAnswered(db, key);
  if (winner === undefined) throw new BastionError('HOST_ERR_DUPLICATE', 'a duplicate request lost the race, but the first one is not recorded');
  return answerDuplicate(deps, terminal, answer.request, winner);
}

/**
 * The network's idempotency key of a recorded request: `host:<terminal>:<batch>:<trace>` for the
 * 0200 class (as sales have always been sent), with `:<class>` appended for the others.
 */
export function networkKeyOf(key: RecordKey): string {
  const base = `host:${key.terminalId}:${key.batch}:${key.trace}`;
  return key.requestClass === '0200' ? base : `${base}:${key.requestClass}`;
}

/** The ledger's idempotency key of what a request posts: `host.<kind>.<terminal>.<batch>.<trace>`. */
export function ledgerKeyOf(kind: string, key: RecordKey): string {
  return `host.${kind}.${key.terminalId}.${key.batch}.${key.trace}`;
}

/** The merchant's payable account code; the scheme receivable and fee revenue accounts are shared. */
export function merchantPayableAccount(merchant: Pick<Merchant, 'merchantId'>): string {
  return `merchant:${merchant.merchantId}:payable`;
}

/** Opens (if need be) the three accounts a sale, void, refund or reversal posts to. */
export async function ensureMerchantAccounts(deps: HostDependencies, merchant: Merchant, currency: string): Promise<{ readonly payable: string }> {
  const payable = merchantPayableAccount(merchant);
  await deps.ledger.ensureAccount({ code: payable, type: 'liability', currency });
  await deps.ledger.ensureAccount({ code: SCHEME_RECEIVABLE_ACCOUNT, type: 'asset', currency });
  await deps.ledger.ensureAccount({ code: FEE_REVENUE_ACCOUNT, type: 'revenue', currency });
  return { payable };
}
