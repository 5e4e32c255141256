import type { IsoMessage, UnionPayPosSpec } from '../../lib/iso8583/index.js';
import type { AdjustmentKind, NetworkResponse } from '../../ports/network.js';
import { terminalMak, type Admitted } from './admission.js';
import { maskedPan } from './card-input.js';
import type { HostDependencies } from './deps.js';
import { macOptionsOf } from './mac-check.js';
import type { OriginalRow } from './originals.js';
import { networkKeyOf, type RecordColumns } from './record.js';
import { packWithMac, replyFor } from './reply.js';
import { rrnFor } from './rrn.js';

type Request = IsoMessage<UnionPayPosSpec>;

/** A void, refund or pre-authorisation-family request about a recorded `original`, matched by its own rules. */
export interface Adjustment {
  readonly kind: Exclude<AdjustmentKind, 'reversal'>;
  readonly admitted: Admitted;
  readonly original: OriginalRow;
  readonly amountMinor: bigint;
  readonly pan: string;
  /** The card's PAN vault id (the original's). */
  readonly panId: string;
}

/** The network's answer to an adjustment and the reply that carries it. */
export interface AdjustmentAnswer {
  /** This request's RRN (37 of the reply). */
  readonly rrn: string;
  readonly networkKey: string;
  readonly answer: NetworkResponse;
  readonly approved: boolean;
  /** The reply: 39, 37, and 38 when approved; packed and MAC'd under the terminal's MAK. */
  readonly packed: Buffer;
}

/** The network's idempotency key of a recorded row: the one it was sent under, or (rows from before that column) derived from its key. */
export function originalNetworkKey(original: OriginalRow): string {
  return original.network_key ?? networkKeyOf({ terminalId: original.terminal_id, batch: original.batch_number, trace: original.trace, requestClass: original.request_class });
}

/** Sends the adjustment to the network under this request's key (by the original's key) and packs the reply. */
export async function adjustAtNetwork(deps: HostDependencies, request: Request, adjustment: Adjustment): Promise<AdjustmentAnswer> {
  const { admitted, original } = adjustment;
  const { terminal, key, merchant } = admitted;
  const rrn = rrnFor(key.terminalId, key.batch, key.trace, key.requestClass);
  const networkKey = networkKeyOf(key);
  const answer = await deps.network.adjust({
    kind: adjustment.kind,
    idempotencyKey: networkKey,
    originalIdempotencyKey: originalNetworkKey(original),
    amountMinor: adjustment.amountMinor,
    currency: original.currency,
    pan: adjustment.pan,
    acquirer: { retrievalReferenceNumber: rrn, systemTraceAuditNumber: key.trace, terminalId: key.terminalId, merchantId: merchant.merchantId },
  });
  const approved = answer.outcome === 'approved';
  const reply = replyFor(request, answer.responseCode);
  reply.set(37, rrn);
  if (answer.outcome === 'approved') reply.set(38, answer.authorizationCode);
  const packed = await packWithMac(reply, deps.hsm, terminalMak(terminal), macOptionsOf(terminal));
  return { rrn, networkKey, answer, approved, packed };
}

/** The recorded row of an adjustment; `ledgerKey` is the key of what it posts, null when it posts nothing. */
export function adjustmentColumns(request: Request, adjustment: Adjustment, answered: AdjustmentAnswer, ledgerKey: string | null): RecordColumns {
  const { answer } = answered;
  return {
    mti: request.mti,
    processing_code: request.get(3) ?? '',
    kind: adjustment.kind,
    amount_minor: adjustment.amountMinor,
    currency: adjustment.original.currency,
    pan_id: adjustment.panId,
    masked_pan: maskedPan(adjustment.pan),
    rrn: answered.rrn,
    auth_code: answer.outcome === 'approved' ? answer.authorizationCode : null,
    response_code: answer.responseCode,
    issuer_reference: answer.issuerReference,
    original_rrn: adjustment.original.rrn,
    ledger_key: ledgerKey,
    network_key: answered.networkKey,
  };
}
