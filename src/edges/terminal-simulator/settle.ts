import { fromHex } from '../../lib/crypto/index.js';
import { BastionError } from '../../lib/errors/index.js';
import { ApplicationType, ProcessingRequirement, TerminalStatus } from '../../lib/iso8583/framing/index.js';
import { IsoMessage, unionPayPosSpec, type UnionPayPosSpec } from '../../lib/iso8583/index.js';
import { entryModeField, findTestCard } from './card-reader.js';
import { exchangeWithHost } from './client.js';
import { clearJournal, journalSideOfKind, journalTotals, loadJournal, type JournalEntry, type JournalTotals } from './journal.js';
import { acquireTerminalLock } from './lock.js';
import { CURRENCY_CNY, nextTrace, OPERATOR_CODE, packWithMac, traceField } from './messages.js';
import { responseMeaning } from './receipt.js';
import { checkReply } from './reply-check.js';
import { loadSimulatorState, saveSimulatorState, type SimulatorState } from './state.js';
import { sendPendingReversal, type SimulatorContext } from './terminal.js';

/** 60.3 of the messages of a settlement (docs/protocol.md, "Settlement and batch upload"). */
export const settlementNetworkCodes = { settlement: '201', magstripeDetail: '201', end: '202', icDetailUnbalanced: '205', endBalanced: '207' } as const;
/** Records per 201 message (a 2-digit count, then 40 digits each). */
export const MAGSTRIPE_RECORDS_PER_MESSAGE = 8;

export interface SettleOptions {
  /**
   * Added to the debit total the terminal claims (minor units), to make the settlement not
   * balance on purpose and show the batch upload. The records uploaded stay true.
   */
  readonly skewMinor?: bigint;
}

export interface SettlementOutcome {
  readonly terminalId: string;
  readonly batchNumber: string;
  readonly trace: string;
  readonly responseCode: string;
  readonly responseMeaning: string;
  /** What the terminal claimed (domestic cards; it counts no foreign ones). */
  readonly claimed: JournalTotals;
  /** Field 48's codes in the reply: 1 balanced, 2 not balanced. */
  readonly domesticResult?: string;
  readonly foreignResult?: string;
  readonly balanced: boolean;
  /** Transactions sent in the batch upload, and the 0320 messages that carried them (end included). */
  readonly uploadedCount: number;
  readonly uploadMessages: number;
  /** The batch closed and the terminal moved on to this one. */
  readonly nextBatchNumber?: string;
}

const header = { applicationType: ApplicationType.Magstripe, softwareVersion: 0x31, terminalStatus: TerminalStatus.Normal, processingRequirement: ProcessingRequirement.None, subVersion: 0x310000 };

/**
 * Settlement as a UnionPay terminal runs it: 0500 with the batch's totals from the journal; on a
 * balanced answer the end message (0320 / 207); otherwise every transaction of the batch (0320 /
 * 201 for stripe transactions and every void or refund, 8 to a message; 0320 / 205 for each chip
 * or contactless sale), then the end (0320 / 202) with the count. Then the batch number advances
 * and the journal starts empty. Each message takes a new trace, saved before it is sent; a
 * 205 carries the original transaction's trace in 11, as terminals do.
 */
export async function settleTerminal(context: SimulatorContext, options: SettleOptions = {}): Promise<SettlementOutcome> {
  loadSimulatorState(context.dataDir, context.terminalId);
  const lock = acquireTerminalLock(context.dataDir, context.terminalId);
  try {
    return await settleLocked(context, options, loadSimulatorState(context.dataDir, context.terminalId));
  } finally {
    lock.release();
  }
}

async function settleLocked(context: SimulatorContext, options: SettleOptions, first: SimulatorState): Promise<SettlementOutcome> {
  const working = first.workingKeys;
  if (working === undefined) throw new BastionError('SIM_ERR_NOT_SIGNED_IN', `terminal ${first.terminalId} has no working keys: sign it in first (bastion terminal sign-in)`, { terminalId: first.terminalId });
  // A terminal clears its reversal before it settles: the host's totals must not still hold a sale
  // the terminal never approved. If the reversal is not answered 00 the settlement stops here.
  const loaded = first.pendingReversal === undefined ? first : await sendPendingReversal(context, first);
  const batchNumber = loaded.batchNumber;
  const entries = loadJournal(context.dataDir, loaded.terminalId, batchNumber).entries;
  const totals = journalTotals(entries);
  const claimed = { ...totals, debitAmountMinor: totals.debitAmountMinor + (options.skewMinor ?? 0n) };
  const mak = fromHex(working.mak, 'mak');
  let state = loaded;
  const address = { ...state.hostAddress, ...(context.host === undefined ? {} : { host: context.host }), ...(context.port === undefined ? {} : { port: context.port }) };
  const send = async (build: (trace: string) => IsoMessage<UnionPayPosSpec>, ownTrace = true): Promise<IsoMessage<UnionPayPosSpec>> => {
    let trace = traceField(state.lastTrace);
    if (ownTrace) {
      const next = nextTrace(state.lastTrace);
      state = { ...state, lastTrace: next };
      saveSimulatorState(context.dataDir, state);
      trace = traceField(next);
    }
    const request = build(trace);
    const replyBytes = await exchangeWithHost(address, packWithMac(request, mak, state.macVariant), { header, ...(context.timeoutMs === undefined ? {} : { timeoutMs: context.timeoutMs }) });
    return checkReply(request, replyBytes, { mak, macVariant: state.macVariant, macRequiredForApproval: true });
  };
  const base = (mti: string, trace: string, networkCode: string): IsoMessage<UnionPayPosSpec> =>
    new IsoMessage(unionPayPosSpec, mti, { 11: trace, 41: state.terminalId, 42: state.merchantId, 60: { typeCode: '00', batchNumber, networkCode } });

  try {
    let settlementTrace = '';
    const reply = await send((trace) => {
      settlementTrace = trace;
      return base('0500', trace, settlementNetworkCodes.settlement).set(48, settlementField(claimed)).set(49, CURRENCY_CNY).set(63, { code: OPERATOR_CODE });
    });
    const responseCode = reply.get(39) ?? '';
    const outcome = { terminalId: state.terminalId, batchNumber, trace: settlementTrace, responseCode, responseMeaning: responseMeaning(responseCode), claimed };
    if (responseCode !== '00') return { ...outcome, balanced: false, uploadedCount: 0, uploadMessages: 0 };
    const field48 = reply.get(48) ?? '';
    const domesticResult = field48.charAt(30);
    const foreignResult = field48.charAt(61);
    if (!/^[12]$/.test(domesticResult) || !/^[12]?$/.test(foreignResult)) throw new BastionError('SIM_ERR_RESPONSE', 'the settlement reply has no settlement codes in field 48', { field: 48 });
    const balanced = domesticResult === '1' && foreignResult !== '2';

    let uploadMessages = 0;
    let uploadedCount = 0;
    const expectApproved = (answer: IsoMessage<UnionPayPosSpec>): void => {
      uploadMessages += 1;
      if (answer.get(39) !== '00') throw new BastionError('SIM_ERR_RESPONSE', `the host answered a batch upload message ${answer.get(39) ?? ''}`, { field: 39 });
    };
    if (!balanced) {
      const stripe = entries.filter((entry) => entry.entry === 'swipe' || journalSideOfKind[entry.kind] === 'credit');
      const chip = entries.filter((entry) => !stripe.includes(entry));
      for (let start = 0; start < stripe.length; start += MAGSTRIPE_RECORDS_PER_MESSAGE) {
        const records = stripe.slice(start, start + MAGSTRIPE_RECORDS_PER_MESSAGE);
        expectApproved(await send((trace) => base('0320', trace, settlementNetworkCodes.magstripeDetail).set(48, magstripeRecords(records))));
        uploadedCount += records.length;
      }
      for (const entry of chip) {
        const card = findTestCard(entry.card);
        expectApproved(
          await send(
            () =>
              base('0320', entry.trace, settlementNetworkCodes.icDetailUnbalanced)
                .set(2, card.pan)
                .set(4, entry.amountMinor.padStart(12, '0'))
                .set(22, entryModeField(entry.entry, false))
                .set(23, '001')
                .set(49, CURRENCY_CNY),
            false,
          ),
        );
        uploadedCount += 1;
      }
    }
    const endCode = balanced ? settlementNetworkCodes.endBalanced : settlementNetworkCodes.end;
    expectApproved(await send((trace) => base('0320', trace, endCode).set(48, String(uploadedCount).padStart(4, '0'))));

    const nextBatchNumber = String(Number(batchNumber) >= 999_999 ? 1 : Number(batchNumber) + 1).padStart(6, '0');
    state = { ...state, batchNumber: nextBatchNumber };
    saveSimulatorState(context.dataDir, state);
    clearJournal(context.dataDir, state.terminalId);
    return { ...outcome, domesticResult, foreignResult, balanced, uploadedCount, uploadMessages, nextBatchNumber };
  } finally {
    mak.fill(0);
  }
}

function half(totals: JournalTotals): string {
  return `${totals.debitAmountMinor.toString().padStart(12, '0')}${totals.debitCount.toString().padStart(3, '0')}${totals.creditAmountMinor.toString().padStart(12, '0')}${totals.creditCount.toString().padStart(3, '0')}0`;
}

/** 48 of the 0500: domestic totals, settlement code 0, then foreign cards (none) likewise. */
export function settlementField(totals: JournalTotals): string {
  if (totals.debitAmountMinor < 0n || totals.debitAmountMinor > 999_999_999_999n || totals.creditAmountMinor > 999_999_999_999n || totals.debitCount > 999n || totals.creditCount > 999n) {
    throw new BastionError('SIM_ERR_ARGUMENT', 'the batch totals do not fit field 48 (12-digit amounts, 3-digit counts)', { argument: '--skew' });
  }
  return `${half(totals)}${half({ debitAmountMinor: 0n, debitCount: 0n, creditAmountMinor: 0n, creditCount: 0n })}`;
}

/** 48 of a 201: count, then per record card organisation 00 (UnionPay), trace, PAN right-aligned in 20, amount. */
export function magstripeRecords(entries: readonly JournalEntry[]): string {
  const records = entries.map((entry) => `00${entry.trace}${findTestCard(entry.card).pan.padStart(20, '0')}${entry.amountMinor.padStart(12, '0')}`);
  return `${String(entries.length).padStart(2, '0')}${records.join('')}`;
}
