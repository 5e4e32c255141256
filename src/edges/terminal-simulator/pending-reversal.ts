import { IsoMessage, unionPayPosSpec, type UnionPayPosSpec } from '../../lib/iso8583/index.js';
import type { TerminalIdentity } from './messages.js';

/**
 * What a terminal keeps of a sale whose answer it has not (yet) seen, to reverse it: saved in the
 * key file before the request leaves and cleared once a reply checks out. No card data: a 0400
 * carries none of 2, 35, 36, 52, 53 or 26.
 */
export interface PendingReversal {
  readonly trace: string;
  readonly batchNumber: string;
  readonly processingCode: string;
  readonly typeCode: string;
  readonly amountMinor: string;
  /** Field 22 of the original. */
  readonly entryMode: string;
  readonly currency: string;
}

/** Field 39 of a reversal for an answer that never came (UnionPay terminals send 98). */
export const REVERSAL_REASON_NO_RESPONSE = '98';

export function pendingReversalOf(request: IsoMessage<UnionPayPosSpec>): PendingReversal {
  return {
    trace: request.get(11) ?? '',
    batchNumber: request.get(60)?.batchNumber ?? '',
    processingCode: request.get(3) ?? '',
    typeCode: request.get(60)?.typeCode ?? '',
    amountMinor: request.get(4) ?? '000000000000',
    entryMode: request.get(22) ?? '',
    currency: request.get(49) ?? '156',
  };
}

/** The 0400: a copy of the original's 3, 4, 11, 22, 25, 41, 42, 49, 60 with 39 = the reason. */
export function reversalRequest(identity: TerminalIdentity, pending: PendingReversal): IsoMessage<UnionPayPosSpec> {
  return new IsoMessage(unionPayPosSpec, '0400', {
    3: pending.processingCode,
    4: pending.amountMinor,
    11: pending.trace,
    22: pending.entryMode,
    25: '00',
    39: REVERSAL_REASON_NO_RESPONSE,
    41: identity.terminalId,
    42: identity.merchantId,
    49: pending.currency,
    60: { typeCode: pending.typeCode, batchNumber: pending.batchNumber, networkCode: '000' },
  });
}

/** Whether a parsed key file's `pendingReversal` has the shape above. */
export function pendingReversalOk(value: unknown): boolean {
  if (value === undefined) return true;
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Readonly<Record<string, unknown>>;
  return ['trace', 'batchNumber', 'processingCode', 'typeCode', 'amountMinor', 'entryMode', 'currency'].every((field) => typeof record[field] === 'string' && /^\d+$/.test(record[field]));
}
