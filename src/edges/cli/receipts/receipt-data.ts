import { decodeGrayPng, SignatureService } from '../../../domain/e-signature/index.js';
import { hostResponseCodes, isHostResponseCode, type HostTables } from '../../../domain/host/index.js';
import { findRecordedTransaction } from '../../../domain/host/transaction-lookup.js';
import { MerchantService } from '../../../domain/merchants/index.js';
import { BastionError } from '../../../lib/errors/index.js';
import type { Store } from '../../../ports/store.js';

/**
 * The electronic receipt (电子签购单) as the back office reprints it from the database: what the
 * host recorded of the transaction and the cardholder's signature, if one was uploaded. The card
 * shows as the host recorded it, first 6 and last 4 digits; the host does not record the entry
 * mode (field 22), so the reprint does not show it.
 */
export interface BackOfficeReceipt {
  readonly merchantId: string;
  readonly merchantName: string;
  readonly terminalId: string;
  readonly batchNumber: string;
  readonly trace: string;
  /** Host time of the answer in the acquirer's zone, YYYY-MM-DD hh:mm:ss. */
  readonly dateTime: string;
  readonly transaction: string;
  readonly maskedPan: string;
  readonly amountMinor: bigint;
  readonly currency: string;
  readonly rrn: string;
  readonly authCode: string | undefined;
  readonly responseCode: string;
  readonly responseMeaning: string;
  readonly approved: boolean;
  readonly signature: ReceiptSignature | undefined;
}

export interface ReceiptSignature {
  readonly sha256: string;
  readonly featureCode: string;
  readonly width: number;
  readonly height: number;
  /** Greyscale, one byte a pixel. */
  readonly pixels: Buffer;
}

const transactionNames: Readonly<Record<string, string>> = { sale: 'SALE', 'balance-inquiry': 'BALANCE INQUIRY', void: 'VOID', refund: 'REFUND' };

export async function loadBackOfficeReceipt(store: Store, query: { terminalId: string; trace: string; batchNumber?: string; timeZone: string }): Promise<BackOfficeReceipt> {
  const recorded = await findRecordedTransaction(store.db<HostTables>(), query);
  if (recorded === undefined) {
    throw new BastionError('RECEIPT_ERR_NOT_FOUND', `terminal ${query.terminalId} has no recorded transaction with trace ${query.trace}${query.batchNumber === undefined ? '' : ` in batch ${query.batchNumber}`}`, { terminalId: query.terminalId, trace: query.trace });
  }
  const merchant = await new MerchantService(store, { clock: () => 0n }).find(recorded.merchantId);
  const stored = await new SignatureService(store, () => 0n).find({ terminalId: recorded.terminalId, batchNumber: recorded.batchNumber, trace: recorded.trace });
  let signature: ReceiptSignature | undefined;
  if (stored !== undefined) {
    const image = decodeGrayPng(stored.image);
    signature = { sha256: stored.sha256.toString('hex'), featureCode: stored.featureCode, width: image.width, height: image.height, pixels: image.pixels };
  }
  const code = recorded.responseCode;
  return {
    merchantId: recorded.merchantId,
    merchantName: merchant?.displayName ?? '',
    terminalId: recorded.terminalId,
    batchNumber: recorded.batchNumber,
    trace: recorded.trace,
    dateTime: localDateTime(recorded.createdAtMs, query.timeZone),
    transaction: transactionNames[recorded.kind] ?? recorded.kind.toUpperCase(),
    maskedPan: recorded.maskedPan ?? '-',
    amountMinor: recorded.amountMinor,
    currency: recorded.currency,
    rrn: recorded.rrn,
    authCode: recorded.authCode,
    responseCode: code,
    responseMeaning: isHostResponseCode(code) ? hostResponseCodes[code] : 'unknown response code',
    approved: code === '00',
    signature,
  };
}

function localDateTime(epochMs: bigint, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(Number(epochMs)));
  const part = (type: string): string => parts.find((entry) => entry.type === type)?.value ?? '00';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}:${part('second')}`;
}

/** Minor units as a decimal amount with two places (CNY fen → yuan). */
export function formatMinor(amountMinor: bigint): string {
  const sign = amountMinor < 0n ? '-' : '';
  const magnitude = amountMinor < 0n ? -amountMinor : amountMinor;
  return `${sign}${(magnitude / 100n).toString()}.${(magnitude % 100n).toString().padStart(2, '0')}`;
}

/** The receipt's lines, shared by the text and the PDF. */
export function receiptLines(receipt: BackOfficeReceipt): string[] {
  const currency = receipt.currency === '156' || receipt.currency === 'CNY' ? 'CNY' : receipt.currency;
  return [
    'POS SALES SLIP (ELECTRONIC)',
    `MERCHANT     ${receipt.merchantName}`,
    `MERCHANT NO  ${receipt.merchantId}`,
    `TERMINAL NO  ${receipt.terminalId}`,
    `BATCH NO     ${receipt.batchNumber}`,
    `TRACE NO     ${receipt.trace}`,
    `DATE/TIME    ${receipt.dateTime}`,
    `TRANS TYPE   ${receipt.transaction}`,
    `CARD NO      ${receipt.maskedPan}`,
    `AMOUNT       ${currency} ${formatMinor(receipt.amountMinor)}`,
    `REF NO       ${receipt.rrn}`,
    `AUTH NO      ${receipt.authCode ?? '-'}`,
    `RESPONSE     ${receipt.responseCode} ${receipt.responseMeaning}`,
    receipt.approved ? 'APPROVED' : 'DECLINED',
  ];
}
