import { hostResponseCodes, isHostResponseCode } from '../../domain/host/index.js';
import { BastionError } from '../../lib/errors/index.js';
import { formatAmountMinor } from './amount.js';
import type { EntryMethod } from './card-reader.js';
import type { FinancialKind } from './messages.js';

/**
 * The slip the terminal prints. It shows the card as the first 6 and last 4 digits only, never
 * the expiry, track, PIN or any key; the JSON form (`--json`) carries the same fields.
 */
export interface Receipt {
  readonly merchantId: string;
  readonly terminalId: string;
  readonly batchNumber: string;
  readonly trace: string;
  /** Terminal local time, YYYY-MM-DD hh:mm:ss. */
  readonly dateTime: string;
  readonly transaction: ReceiptTransaction;
  readonly maskedPan: string;
  readonly entry: EntryMethod;
  /** Sales: the amount asked for. */
  readonly amountMinor?: bigint;
  readonly currency: 'CNY';
  readonly rrn?: string;
  readonly authCode?: string;
  readonly responseCode: string;
  readonly responseMeaning: string;
  /** Balance inquiries: the balance the issuer reported (negative for a debit balance). */
  readonly balanceMinor?: bigint;
  readonly approved: boolean;
  /** Chip: whether the card verified the issuer's ARPC (tag 91). */
  readonly issuerAuthenticated?: boolean;
  /** What the host's reply header asked for, e.g. "parameters out of date: run bastion terminal params". */
  readonly notice?: string;
}

/** 6 + 4, the rest as asterisks. */
export function maskPan(pan: string): string {
  return `${pan.slice(0, 6)}${'*'.repeat(Math.max(0, pan.length - 10))}${pan.slice(-4)}`;
}

export function responseMeaning(code: string): string {
  return isHostResponseCode(code) ? hostResponseCodes[code] : 'unknown response code';
}

/**
 * Field 54 of a balance reply: account type (2), amount type (2), currency (3), C or D, amount
 * (12). Returns the balance in minor units, negative for D.
 */
export function parseBalanceField(field54: string): { balanceMinor: bigint; currency: string } {
  const match = /^\d{2}\d{2}(\d{3})([CD])(\d{12})/.exec(field54);
  if (match === null) throw new BastionError('SIM_ERR_RESPONSE', 'field 54 of the reply is not a balance (type, currency, C/D, 12 digits)', { field: 54 });
  const amount = BigInt(match[3] ?? '0');
  return { currency: match[1] ?? '', balanceMinor: match[2] === 'D' ? -amount : amount };
}

/** What a receipt can be for: the 0200 kinds, a void, a refund and the pre-authorisation family. */
export type ReceiptTransaction = FinancialKind | 'void' | 'refund' | 'pre-auth' | 'pre-auth-void' | 'completion' | 'completion-void';

const transactionNames: Readonly<Record<ReceiptTransaction, string>> = {
  sale: 'SALE',
  'balance-inquiry': 'BALANCE INQUIRY',
  void: 'VOID',
  refund: 'REFUND',
  'pre-auth': 'PRE-AUTH',
  'pre-auth-void': 'PRE-AUTH VOID',
  completion: 'PRE-AUTH COMPLETION',
  'completion-void': 'COMPLETION VOID',
};
const entryNames: Readonly<Record<EntryMethod, string>> = { chip: 'CHIP', swipe: 'SWIPE', contactless: 'CONTACTLESS' };

function yuan(minor: bigint): string {
  return `¥${formatAmountMinor(minor)} CNY`;
}

export function formatReceipt(receipt: Receipt): string {
  const rows: [string, string][] = [
    ['MERCHANT', receipt.merchantId],
    ['TERMINAL', receipt.terminalId],
    ['BATCH', receipt.batchNumber],
    ['TRACE', receipt.trace],
    ['DATE/TIME', receipt.dateTime],
    ['TRANS TYPE', transactionNames[receipt.transaction]],
    ['CARD', `${receipt.maskedPan} (${entryNames[receipt.entry]})`],
  ];
  if (receipt.amountMinor !== undefined) rows.push(['AMOUNT', yuan(receipt.amountMinor)]);
  if (receipt.balanceMinor !== undefined) rows.push(['BALANCE', yuan(receipt.balanceMinor)]);
  rows.push(['RRN', receipt.rrn ?? '-'], ['AUTH CODE', receipt.authCode ?? '-'], ['RESPONSE', `${receipt.responseCode} ${receipt.responseMeaning}`]);
  if (receipt.issuerAuthenticated !== undefined) rows.push(['ARPC', receipt.issuerAuthenticated ? 'verified by the card' : 'none in the reply']);
  const width = Math.max(...rows.map(([label]) => label.length));
  return [
    'BASTION TERMINAL SIMULATOR',
    ...rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`),
    receipt.approved ? 'APPROVED' : 'DECLINED',
    ...(receipt.notice === undefined ? [] : [receipt.notice]),
    '',
  ].join('\n');
}

/** The receipt as one JSON object: amounts as decimal strings of minor units and as yuan text. */
export function receiptJson(receipt: Receipt): Record<string, unknown> {
  return {
    merchantId: receipt.merchantId,
    terminalId: receipt.terminalId,
    batchNumber: receipt.batchNumber,
    trace: receipt.trace,
    dateTime: receipt.dateTime,
    transaction: receipt.transaction,
    maskedPan: receipt.maskedPan,
    entry: receipt.entry,
    ...(receipt.amountMinor === undefined ? {} : { amountMinor: receipt.amountMinor.toString(), amount: formatAmountMinor(receipt.amountMinor) }),
    currency: receipt.currency,
    ...(receipt.rrn === undefined ? {} : { rrn: receipt.rrn }),
    ...(receipt.authCode === undefined ? {} : { authCode: receipt.authCode }),
    responseCode: receipt.responseCode,
    responseMeaning: receipt.responseMeaning,
    ...(receipt.balanceMinor === undefined ? {} : { balanceMinor: receipt.balanceMinor.toString(), balance: formatAmountMinor(receipt.balanceMinor) }),
    ...(receipt.issuerAuthenticated === undefined ? {} : { issuerAuthenticated: receipt.issuerAuthenticated }),
    approved: receipt.approved,
    ...(receipt.notice === undefined ? {} : { notice: receipt.notice }),
  };
}
