import { sql, type Transaction } from 'kysely';
import type { IsoMessage, UnionPayPosSpec } from '../../lib/iso8583/index.js';
import type { PostingInput } from '../ledger/index.js';
import { admit, terminalMak, type Admitted } from './admission.js';
import { SCHEME_RECEIVABLE_ACCOUNT, type HostDependencies } from './deps.js';
import { macOptionsOf } from './mac-check.js';
import { findOriginal, undoPostingsOf, type OriginalRow } from './originals.js';
import { ledgerKeyOf, merchantPayableAccount, networkKeyOf, recordAnswer } from './record.js';
import { packWithMac, replyFor } from './reply.js';
import { rrnFor } from './rrn.js';
import type { HostTables } from './tables.js';
import { FINANCIAL_REQUEST_CLASS, insertIfFirst, PREAUTH_REQUEST_CLASS, REFUND_REQUEST_CLASS, REVERSAL_REQUEST_CLASS, REVERSED_UNSEEN_KIND, type RecordKey } from './transaction-record.js';

type Request = IsoMessage<UnionPayPosSpec>;

/** Which request class a 0400 reverses, by its 60.1 (a copy of the original's): pre-auth family 0100, refund and completion advice 0220, else 0200. */
const originalClassByTypeCode: Readonly<Record<string, string>> = { '10': PREAUTH_REQUEST_CLASS, '11': PREAUTH_REQUEST_CLASS, '24': REFUND_REQUEST_CLASS, '25': REFUND_REQUEST_CLASS };

/** Kinds a reversal undoes; a reversed pre-auth void leaves its pre-auth voided (the issuer does not hold again). */
const reversibleKinds: ReadonlySet<string> = new Set(['sale', 'void', 'refund', 'pre-auth', 'pre-auth-void', 'completion', 'completion-void']);

export function originalClassOf(typeCode: string | undefined): string {
  return (typeCode === undefined ? undefined : originalClassByTypeCode[typeCode]) ?? FINANCIAL_REQUEST_CLASS;
}

/** The original appeared between the look-up and the recording transaction: record again, once. */
class OriginalAppeared extends Error {}

/** Recording attempts: the second sees the original that made the first give way. */
const RECORD_ATTEMPTS_MAX = 2;

/**
 * A reversal (0400): a copy of the original request (same 11 and 60.2, 60.1 as the original), 39
 * = reason, card data removed. Always answered 00 and idempotent: a repeated 0400 is a duplicate
 * of class 0400 and gets the same 0410. The network is told first (by the original's key; it
 * releases funds once, or remembers the key as reversed). Then, in one transaction, the 0400 row
 * and: for an original never seen, a `reversed-unseen` row under the original's key, so the
 * original is declined if it comes later (the unique key orders the two); for an approved
 * original, the entry that undoes its ledger entry (key derived from the original's key) and the
 * original marked `cancelled_by`. A void reversed gives the sale back its standing; a refund
 * reversed gives the sale back its refundable amount.
 */
export async function reversal(deps: HostDependencies, request: Request, message: Buffer): Promise<Buffer> {
  const admission = await admit(deps, request, message, REVERSAL_REQUEST_CLASS);
  if (!admission.admitted) return admission.reply;
  const admitted = admission.value;
  const { terminal, merchant, key } = admitted;
  const originalKey: RecordKey = { ...key, requestClass: originalClassOf(request.get(60)?.typeCode) };
  const amountMinor = BigInt(request.get(4) ?? '0');
  const currency = request.get(49) ?? merchant.currency;
  const rrn = rrnFor(key.terminalId, key.batch, key.trace, key.requestClass);
  const networkKey = networkKeyOf(key);
  const answer = await deps.network.adjust({
    kind: 'reversal',
    idempotencyKey: networkKey,
    originalIdempotencyKey: networkKeyOf(originalKey),
    amountMinor,
    currency,
    acquirer: { retrievalReferenceNumber: rrn, systemTraceAuditNumber: key.trace, terminalId: key.terminalId, merchantId: merchant.merchantId },
  });
  const reply = replyFor(request, '00');
  reply.set(37, rrn);
  const packed = await packWithMac(reply, deps.hsm, terminalMak(terminal), macOptionsOf(terminal));

  const db = deps.store.db<HostTables>();
  for (let attempt = 1; ; attempt++) {
    const original = await findOriginal(db, originalKey);
    const undo = original === undefined ? undefined : await undoPostingsOf(deps, original);
    try {
      return await recordAnswer(deps, {
        request,
        admitted,
        packed,
        columns: {
          mti: request.mti,
          processing_code: request.get(3) ?? '',
          kind: 'reversal',
          amount_minor: amountMinor,
          currency,
          pan_id: null,
          masked_pan: null,
          rrn,
          auth_code: null,
          response_code: '00',
          issuer_reference: answer.issuerReference,
          original_rrn: original?.rrn ?? null,
          ledger_key: null,
          network_key: networkKey,
        },
        effects: async (trx, nowMs) => {
          if (original === undefined) {
            if (await insertIfFirst(trx, tombstone(admitted, originalKey, request, nowMs))) return;
            throw new OriginalAppeared();
          }
          await undoOriginal(deps, trx, { original, undo, ledgerKey: ledgerKeyOf('reversal', originalKey), rrn, nowMs });
        },
      });
    } catch (error) {
      if (!(error instanceof OriginalAppeared) || attempt >= RECORD_ATTEMPTS_MAX) throw error;
    }
  }
}

/** The row that holds an unseen original's key as reversed: no reply, answered 12 if the original comes. */
function tombstone(admitted: Admitted, originalKey: RecordKey, request: Request, nowMs: bigint) {
  return {
    terminal_id: originalKey.terminalId,
    merchant_id: admitted.merchant.merchantId,
    batch_number: originalKey.batch,
    trace: originalKey.trace,
    request_class: originalKey.requestClass,
    mti: originalKey.requestClass,
    processing_code: request.get(3) ?? '',
    kind: REVERSED_UNSEEN_KIND,
    amount_minor: BigInt(request.get(4) ?? '0'),
    currency: request.get(49) ?? admitted.merchant.currency,
    pan_id: null,
    masked_pan: null,
    rrn: rrnFor(originalKey.terminalId, originalKey.batch, originalKey.trace, REVERSED_UNSEEN_KIND),
    auth_code: null,
    response_code: '12',
    issuer_reference: null,
    created_at_ms: nowMs,
    response: Buffer.alloc(0),
    request_fingerprint: null,
  };
}

interface Undo {
  readonly original: OriginalRow;
  readonly undo: PostingInput[] | undefined;
  readonly ledgerKey: string;
  readonly rrn: string;
  readonly nowMs: bigint;
}

/** Undoes an approved original once (`cancelled_by` is set only while it is null). */
async function undoOriginal(deps: HostDependencies, trx: Transaction<HostTables>, plan: Undo): Promise<void> {
  const { original } = plan;
  if (original.response_code !== '00' || !reversibleKinds.has(original.kind)) return;
  const marked = await trx.updateTable('host_transactions').set({ cancelled_by: `reversal ${plan.rrn}` }).where('id', '=', original.id).where('cancelled_by', 'is', null).returning(['refunded_minor']).executeTakeFirst();
  if (marked === undefined) return;
  const post = (postings: PostingInput[]): Promise<unknown> => deps.ledger.postWithin(trx, { idempotencyKey: plan.ledgerKey, kind: 'reversal', description: `reversal ${plan.rrn} of ${original.kind} ${original.rrn}`, occurredAtMs: plan.nowMs, postings });
  if (original.kind === 'sale' || original.kind === 'completion') {
    // Refunds already gave part back: the reversal moves what is left, as a refund does (the fee stays).
    if (marked.refunded_minor === 0n) {
      if (plan.undo !== undefined) await post(plan.undo);
    } else if (marked.refunded_minor < original.amount_minor) {
      const left = original.amount_minor - marked.refunded_minor;
      await post([
        { accountCode: merchantPayableAccount({ merchantId: original.merchant_id }), amountMinor: left, currency: original.currency },
        { accountCode: SCHEME_RECEIVABLE_ACCOUNT, amountMinor: -left, currency: original.currency },
      ]);
    }
    return;
  }
  if (plan.undo !== undefined) await post(plan.undo);
  if (original.original_rrn === null || original.kind === 'pre-auth' || original.kind === 'pre-auth-void') return;
  if (original.kind === 'void' || original.kind === 'completion-void') {
    // The voided sale or completion stands again (the issuer took the money again).
    await trx.updateTable('host_transactions').set({ cancelled_by: null }).where('rrn', '=', original.original_rrn).where('cancelled_by', '=', `${original.kind} ${original.rrn}`).execute();
  } else {
    const amount = sql<bigint>`cast(${original.amount_minor} as bigint)`;
    await trx
      .updateTable('host_transactions')
      .set({ refunded_minor: sql<bigint>`refunded_minor - ${amount}` })
      .where('rrn', '=', original.original_rrn)
      .where('refunded_minor', '>=', original.amount_minor)
      .execute();
  }
}
