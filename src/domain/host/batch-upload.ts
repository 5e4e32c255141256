import type { IsoMessage, UnionPayPosSpec } from '../../lib/iso8583/index.js';
import type { BatchDifference } from '../settlement/index.js';
import { maskedPan } from './card-input.js';
import type { HostDependencies } from './deps.js';
import { replyFor } from './reply.js';
import { refusalCodes } from './response-codes.js';
import { admitBatchMessage, respondWithMac } from './settlement.js';
import { countedTransactions, type CountedTransaction } from './settlement-totals.js';
import type { HostTables } from './tables.js';

type Request = IsoMessage<UnionPayPosSpec>;

/**
 * 60.3 of the batch-upload messages (0320) Bastion reads (UnionPay terminal code; docs/protocol.md):
 * 201 magnetic-stripe details (several records in 48), 203 and 205 one IC-card transaction each
 * (205 after a settlement that did not balance, 203 after one that did), 202 the end of the upload
 * with the record count in 48, 207 the end sent when the settlement balanced.
 */
export const batchUploadNetworkCodes = { magstripeDetail: '201', end: '202', icDetail: '203', icDetailUnbalanced: '205', endBalanced: '207' } as const;

/** Records in one 201 message: a 2-digit count, then 40 digits each (AIAUnionPay, LiaoYang: at most 8). */
export const MAGSTRIPE_RECORDS_MAX = 8;
const MAGSTRIPE_RECORD_DIGITS = 40;

interface UploadRecord {
  readonly trace: string;
  readonly amountMinor: bigint;
  readonly pan: string;
}

/**
 * Batch upload (0320). Only a batch that is settling (its 0500 did not balance) takes records:
 * each is compared with the host's own record of that trace, the difference (if any) recorded
 * for reconciliation and the message answered 00. The terminal's claim never changes the ledger.
 * The end message (202, or 207) records the host's transactions the terminal left out, closes the
 * batch and advances the terminal's batch number in one database transaction. A batch that is
 * already closed answers 00 and records nothing (a retransmission, or the end message after a
 * balanced settlement); a batch never settled answers 12.
 */
export async function batchUpload(deps: HostDependencies, request: Request, message: Buffer): Promise<Buffer> {
  const admitted = await admitBatchMessage(deps, request, message);
  if (!admitted.ok) return admitted.reply;
  const { terminal, batchNumber, settled } = admitted;
  const answer = (code: string): Promise<Buffer> => respondWithMac(deps, terminal, replyFor(request, code));
  const networkCode = request.get(60)?.networkCode ?? '';
  const known = Object.values(batchUploadNetworkCodes) as string[];
  if (!known.includes(networkCode)) return answer(refusalCodes['unsupported-message']);
  if (settled === undefined) return answer(refusalCodes['unsupported-message']);
  if (settled.status === 'closed') return answer('00');

  const db = deps.store.db<HostTables>();
  if (networkCode === batchUploadNetworkCodes.end || networkCode === batchUploadNetworkCodes.endBalanced) {
    const declared = request.get(48);
    if (declared === undefined || !/^\d{1,4}$/.test(declared)) return answer(refusalCodes['missing-field']);
    const uploaded = await deps.settlement.uploadedTraces(settled);
    const counted = await countedTransactions(db, terminal.terminalId, batchNumber);
    const missingAtTerminal: BatchDifference[] = counted.filter((transaction) => !uploaded.has(transaction.trace)).map((transaction) => ({ trace: transaction.trace, kind: 'missing-at-terminal', hostAmountMinor: transaction.amountMinor }));
    const atMs = deps.clock();
    await deps.store.db().transaction().execute(async (trx) => {
      if (await deps.settlement.closeWithin(trx, settled, { declaredCount: BigInt(declared), missingAtTerminal, atMs })) {
        await deps.terminals.advanceBatchWithin(trx, terminal, batchNumber);
      }
    });
    return answer('00');
  }

  const records = networkCode === batchUploadNetworkCodes.magstripeDetail ? readMagstripeRecords(request.get(48)) : readIcRecord(request);
  if (records === undefined) return answer(refusalCodes['missing-field']);
  const counted = new Map((await countedTransactions(db, terminal.terminalId, batchNumber)).map((transaction) => [transaction.trace, transaction]));
  for (const record of records) {
    const difference = await differenceOf(deps, counted.get(record.trace), record);
    await deps.settlement.recordUpload(settled, { trace: record.trace, amountMinor: record.amountMinor, maskedPan: maskedPan(record.pan) }, difference, deps.clock());
  }
  return answer('00');
}

/** 48 of a 201: count (2) + records of card organisation (2) + trace (6) + PAN right-aligned in 20 + amount (12). */
export function readMagstripeRecords(field48: string | undefined): UploadRecord[] | undefined {
  if (field48 === undefined || !/^\d+$/.test(field48)) return undefined;
  const count = Number(field48.slice(0, 2));
  if (count < 1 || count > MAGSTRIPE_RECORDS_MAX || field48.length !== 2 + count * MAGSTRIPE_RECORD_DIGITS) return undefined;
  const records: UploadRecord[] = [];
  for (let index = 0; index < count; index += 1) {
    const digits = field48.slice(2 + index * MAGSTRIPE_RECORD_DIGITS, 2 + (index + 1) * MAGSTRIPE_RECORD_DIGITS);
    const pan = digits.slice(8, 28).replace(/^0+/, '');
    if (pan.length < 12) return undefined;
    records.push({ trace: digits.slice(2, 8), pan, amountMinor: BigInt(digits.slice(28, 40)) });
  }
  return records;
}

/** A 203 / 205: one IC-card transaction, its trace in 11, card in 2 and amount in 4. */
function readIcRecord(request: Request): UploadRecord[] | undefined {
  const trace = request.get(11);
  const pan = request.get(2);
  const amount = request.get(4);
  if (trace === undefined || pan === undefined || amount === undefined) return undefined;
  return [{ trace, pan, amountMinor: BigInt(amount) }];
}

/** How the terminal's record differs from the host's (compared through the PAN vault, never by storing the PAN). */
async function differenceOf(deps: HostDependencies, host: CountedTransaction | undefined, record: UploadRecord): Promise<BatchDifference | undefined> {
  if (host === undefined) return { trace: record.trace, kind: 'missing-at-host', terminalAmountMinor: record.amountMinor };
  if (host.amountMinor !== record.amountMinor) return { trace: record.trace, kind: 'amount-differs', terminalAmountMinor: record.amountMinor, hostAmountMinor: host.amountMinor };
  const panId = await deps.panVault.find(record.pan);
  if (panId === undefined || panId !== host.panId) return { trace: record.trace, kind: 'card-differs', terminalAmountMinor: record.amountMinor, hostAmountMinor: host.amountMinor };
  return undefined;
}

