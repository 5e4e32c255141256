import type { Kysely } from 'kysely';
import type { HostTables } from './tables.js';
import { FINANCIAL_REQUEST_CLASS } from './transaction-record.js';

/** What other parts may read of a recorded financial answer: no PAN vault id, no stored reply. */
export interface RecordedTransaction {
  readonly terminalId: string;
  readonly merchantId: string;
  readonly batchNumber: string;
  readonly trace: string;
  readonly kind: string;
  readonly processingCode: string;
  readonly amountMinor: bigint;
  readonly currency: string;
  readonly maskedPan: string | undefined;
  readonly rrn: string;
  readonly authCode: string | undefined;
  readonly responseCode: string;
  readonly createdAtMs: bigint;
}

/**
 * A financial answer (0200 class) the host recorded, by terminal and trace, and batch when given;
 * without a batch, the latest of that trace (traces wrap at 999999). The host module owns
 * host_transactions: the electronic-signature upload and the receipt reprint read it through here.
 */
export async function findRecordedTransaction(db: Kysely<HostTables>, key: { terminalId: string; trace: string; batchNumber?: string }): Promise<RecordedTransaction | undefined> {
  let query = db
    .selectFrom('host_transactions')
    .select(['terminal_id', 'merchant_id', 'batch_number', 'trace', 'kind', 'processing_code', 'amount_minor', 'currency', 'masked_pan', 'rrn', 'auth_code', 'response_code', 'created_at_ms'])
    .where('terminal_id', '=', key.terminalId)
    .where('trace', '=', key.trace)
    .where('request_class', '=', FINANCIAL_REQUEST_CLASS);
  if (key.batchNumber !== undefined) query = query.where('batch_number', '=', key.batchNumber);
  const row = await query.orderBy('id', 'desc').limit(1).executeTakeFirst();
  if (row === undefined) return undefined;
  return {
    terminalId: row.terminal_id,
    merchantId: row.merchant_id,
    batchNumber: row.batch_number,
    trace: row.trace,
    kind: row.kind,
    processingCode: row.processing_code,
    amountMinor: row.amount_minor,
    currency: row.currency,
    maskedPan: row.masked_pan ?? undefined,
    rrn: row.rrn,
    authCode: row.auth_code ?? undefined,
    responseCode: row.response_code,
    createdAtMs: row.created_at_ms,
  };
}
