import { BastionError } from '../../lib/errors/index.js';
import type { IsoMessage, UnionPayPosSpec } from '../../lib/iso8583/index.js';
import { saleApprovalPostings, type PostingInput } from '../ledger/index.js';
import { adjustAtNetwork, adjustmentColumns, type Adjustment } from './adjustment.js';
import { admit, refuserFor, type Admitted } from './admission.js';
import { readCardInput, type CardInput } from './card-input.js';
import { FEE_REVENUE_ACCOUNT, SCHEME_RECEIVABLE_ACCOUNT, type HostDependencies } from './deps.js';
import { findOriginal, markCancelled, undoPostingsOf, type OriginalRow } from './originals.js';
import { ensureMerchantAccounts, ledgerKeyOf, recordAnswer } from './record.js';
import type { HostTables } from './tables.js';
import { FINANCIAL_REQUEST_CLASS, PREAUTH_REQUEST_CLASS, REFUND_REQUEST_CLASS } from './transaction-record.js';
import { batchOpenForVoid } from './void.js';

type Request = IsoMessage<UnionPayPosSpec>;

/**
 * The pre-authorisation family after the pre-auth itself (which financial.ts answers like a sale,
 * without a ledger entry): pre-auth void, completion (request and advice) and completion void.
 * Each is admitted, matched to its original by 61 (batch + trace on this terminal), 38 (the
 * original's auth code) and the card, sent to the network's `adjust`, and recorded with its
 * effects (record.ts). docs/protocol.md has the fields and codes.
 */

interface Matched {
  readonly admitted: Admitted;
  readonly original: OriginalRow;
  readonly card: CardInput;
  readonly panId: string;
  readonly amountMinor: bigint;
}

/**
 * The steps the three share: admission under `requestClass`, 61 / 38 / 4 present, the card read,
 * the original of `originalKind` found among `originalClasses` with this auth code, approved and
 * of this card. Returns the reply of a refusal instead.
 */
interface Match {
  readonly requestClass: string;
  readonly originalKind: string;
  readonly originalClasses: readonly string[];
  /** Field 37, the original's RRN: required, checked when sent, or ignored. */
  readonly rrn: 'required' | 'if-sent' | 'ignored';
}

async function matchOriginal(deps: HostDependencies, request: Request, message: Buffer, match: Match): Promise<Matched | Buffer> {
  const admission = await admit(deps, request, message, match.requestClass);
  if (!admission.admitted) return admission.reply;
  const admitted = admission.value;
  const refuse = refuserFor(deps, admitted.terminal, request);
  const field61 = request.get(61);
  const authCode = request.get(38);
  const amountText = request.get(4);
  if (field61?.originalBatch === undefined || field61.originalTrace === undefined || authCode === undefined || amountText === undefined) return refuse('missing-field');
  const amountMinor = BigInt(amountText);
  if (amountMinor <= 0n) return refuse('amount-zero');
  const card = readCardInput(request);
  if (card === undefined) return refuse('card-data-unreadable');
  const db = deps.store.db<HostTables>();
  let original: OriginalRow | undefined;
  for (const originalClass of match.originalClasses) {
    original ??= await findOriginal(db, { terminalId: admitted.key.terminalId, batch: field61.originalBatch, trace: field61.originalTrace, requestClass: originalClass });
  }
  if (original === undefined || original.kind !== match.originalKind || original.response_code !== '00' || original.auth_code !== authCode) return refuse('original-not-found');
  // A completion void names its completion's RRN (37); a pre-auth void may (then it must match); a completion need not.
  const rrn = request.get(37);
  if ((match.rrn === 'required' && rrn !== original.rrn) || (match.rrn === 'if-sent' && rrn !== undefined && rrn !== original.rrn)) return refuse('original-not-found');
  const panId = await deps.panVault.find(card.pan);
  if (panId === undefined || panId !== original.pan_id) return refuse('original-not-found');
  if ((request.get(49) ?? original.currency) !== original.currency) return refuse('currency-mismatch');
  return { admitted, original, card, panId, amountMinor };
}

interface Plan {
  readonly request: Request;
  readonly matched: Matched;
  readonly kind: Adjustment['kind'];
  /** The ledger entry to post when approved (none for a pre-auth void). */
  readonly postings?: PostingInput[];
  /** What `cancelled_by` of the original becomes when approved: `<kind> <rrn>`. */
  readonly cancels: boolean;
}

/** Asks the network, packs the reply, records the row with the original marked and the entry posted. */
async function decideAndRecord(deps: HostDependencies, plan: Plan): Promise<Buffer> {
  const { request, matched } = plan;
  const { admitted, original } = matched;
  const adjustment: Adjustment = { kind: plan.kind, admitted, original, amountMinor: matched.amountMinor, pan: matched.card.pan, panId: matched.panId };
  const answered = await adjustAtNetwork(deps, request, adjustment);
  const { rrn, approved, packed } = answered;
  // The ledger's entry kinds are letters, digits and _: `completion_void`.
  const ledgerKind = plan.kind.replaceAll('-', '_');
  const ledgerKey = ledgerKeyOf(ledgerKind, admitted.key);
  const posts = approved && plan.postings !== undefined;
  return recordAnswer(deps, {
    request,
    admitted,
    packed,
    columns: adjustmentColumns(request, adjustment, answered, posts ? ledgerKey : null),
    effects: async (trx, nowMs) => {
      if (!approved) return;
      // The network ends a pre-auth or voids a completion once; a host record that disagrees is a fault, answered 96.
      if (plan.cancels && !(await markCancelled(trx, original, `${plan.kind} ${rrn}`))) throw new BastionError('HOST_ERR_INTERNAL', `the network approved a ${plan.kind} of a ${original.kind} the host already holds as ended`);
      if (plan.postings !== undefined) await deps.ledger.postWithin(trx, { idempotencyKey: ledgerKey, kind: ledgerKind, description: `${plan.kind} ${rrn} of ${original.kind} ${original.rrn}`, occurredAtMs: nowMs, postings: plan.postings });
    },
  });
}

/**
 * A pre-auth void (0100, 3 = 200000, 60.1 = 11): 61 = the pre-auth's batch + trace, 37 its RRN
 * (optional), 38 its auth code, 4 its amount, the card. Once (12 after a void, completion or reversal); any batch. The
 * network releases the hold; nothing is posted (the pre-auth posted nothing).
 */
export async function preAuthVoid(deps: HostDependencies, request: Request, message: Buffer): Promise<Buffer> {
  const matched = await matchOriginal(deps, request, message, { requestClass: PREAUTH_REQUEST_CLASS, originalKind: 'pre-auth', originalClasses: [PREAUTH_REQUEST_CLASS], rrn: 'if-sent' });
  if (Buffer.isBuffer(matched)) return matched;
  const refuse = refuserFor(deps, matched.admitted.terminal, request);
  if (matched.original.cancelled_by !== null) return refuse('original-not-voidable');
  if (matched.amountMinor !== matched.original.amount_minor) return refuse('original-amount-mismatch');
  return decideAndRecord(deps, { request, matched, kind: 'pre-auth-void', cancels: true });
}

/**
 * A completion request (0200, 000000, 60.1 = 20) or advice (0220, 000000, 24): 61 = the
 * pre-auth's batch + trace (+ date), 38 = its auth code, 4 = the amount to take, the card. The
 * network checks the amount against the hold and its tolerance (13 above it) and the hold's
 * expiry (12); approved, it posts like a sale (fee included) and ends the pre-auth. An advice is a
 * request class of its own (0220): sent again it is answered from the record, so it is posted
 * once; an advice the network declines is recorded with that code and posts nothing.
 */
export async function completion(deps: HostDependencies, request: Request, message: Buffer): Promise<Buffer> {
  const requestClass = request.mti === REFUND_REQUEST_CLASS ? REFUND_REQUEST_CLASS : FINANCIAL_REQUEST_CLASS;
  const matched = await matchOriginal(deps, request, message, { requestClass, originalKind: 'pre-auth', originalClasses: [PREAUTH_REQUEST_CLASS], rrn: 'ignored' });
  if (Buffer.isBuffer(matched)) return matched;
  if (matched.original.cancelled_by !== null) return refuserFor(deps, matched.admitted.terminal, request)('original-not-voidable');
  const { merchant } = matched.admitted;
  const accounts = await ensureMerchantAccounts(deps, merchant, matched.original.currency);
  const postings = saleApprovalPostings({ amountMinor: matched.amountMinor, currency: matched.original.currency, merchantPayableAccount: accounts.payable, schemeReceivableAccount: SCHEME_RECEIVABLE_ACCOUNT, feeRevenueAccount: FEE_REVENUE_ACCOUNT, fee: merchant.fee });
  return decideAndRecord(deps, { request, matched, kind: 'completion', postings, cancels: true });
}

/**
 * A completion void (0200, 200000, 60.1 = 21): 61 = the completion's batch + trace, 37 its RRN,
 * 38 its auth code, 4 its amount, the card; only in the terminal's open batch and once. Its ledger
 * entry is undone by a new entry (fee included, as a void); the hold is not put back.
 */
export async function completionVoid(deps: HostDependencies, request: Request, message: Buffer): Promise<Buffer> {
  const matched = await matchOriginal(deps, request, message, { requestClass: FINANCIAL_REQUEST_CLASS, originalKind: 'completion', originalClasses: [FINANCIAL_REQUEST_CLASS, REFUND_REQUEST_CLASS], rrn: 'required' });
  if (Buffer.isBuffer(matched)) return matched;
  const { original, admitted } = matched;
  const refuse = refuserFor(deps, admitted.terminal, request);
  if (original.cancelled_by !== null || !(await batchOpenForVoid(deps, original, admitted))) return refuse('original-not-voidable');
  if (matched.amountMinor !== original.amount_minor) return refuse('original-amount-mismatch');
  const undo = await undoPostingsOf(deps, original);
  return decideAndRecord(deps, { request, matched, kind: 'completion-void', ...(undo === undefined ? {} : { postings: undo }), cancels: true });
}
