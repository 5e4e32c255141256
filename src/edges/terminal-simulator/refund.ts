import type { TestCardDefinition } from '../../adapters/network/issuer-simulator/index.js';
import { fromHex, PinBlockCipher } from '../../lib/crypto/index.js';
import { BastionError } from '../../lib/errors/index.js';
import { IsoMessage, unionPayPosSpec } from '../../lib/iso8583/index.js';
import { assertPin, entryModeField, readTrack2 } from './card-reader.js';
import { exchangeWithHost } from './client.js';
import { appendToJournal, loadJournal } from './journal.js';
import { CURRENCY_CNY, nextTrace, packWithMac, SECURITY_CONTROL_CLEAR_TRACKS, SECURITY_CONTROL_ENCIPHERED_TRACKS, traceField } from './messages.js';
import { pendingReversalOf } from './pending-reversal.js';
import { maskPan, responseMeaning, type Receipt } from './receipt.js';
import { checkReply } from './reply-check.js';
import { saveSimulatorState, type SimulatorState } from './state.js';
import { headerFor, hostAddressOf, sendPendingReversal, timeoutOf, withoutPendingReversal, withTerminal, type SimulatorContext } from './terminal.js';
import { terminalLocalTime } from './terminal-clock.js';
import { encipherTrack2 } from './track-cipher.js';

/** Field 4 is 12 digits: the largest amount a refund can carry. */
const REFUND_AMOUNT_MINOR_MAX = 999_999_999_999n;

export interface RefundInput {
  /** Field 37 of the sale to refund, from its receipt. */
  readonly rrn: string;
  readonly amountMinor: bigint;
  /** The card of the sale, swiped. */
  readonly card: TestCardDefinition;
  readonly pin?: string;
  /**
   * The sale's batch and trace (61.1, 61.2). Needed only when the terminal's journal does not hold
   * the RRN: a sale of another terminal, or of a batch already settled.
   */
  readonly originalBatch?: string;
  readonly originalTrace?: string;
  /** The sale's date, MMDD (61.3); the host checks it only when sent. */
  readonly originalDate?: string;
}

/**
 * A refund (0220 / 200000 / 60.1 25) of an approved sale of the same merchant: 37 = the sale's
 * RRN, 61 = its batch and trace (from the journal of the current batch when it holds that RRN,
 * else as given) and, when given, its date. The card is swiped. Like a sale it is a pending
 * reversal (0400 with 60.1 25) until its reply checks out; an approved refund joins the journal
 * (credit side of the settlement).
 */
export async function refundTransaction(context: SimulatorContext, input: RefundInput): Promise<Receipt> {
  if (input.pin !== undefined) assertPin(input.pin);
  if (!/^\d{12}$/.test(input.rrn)) throw new BastionError('SIM_ERR_ARGUMENT', '--rrn is the sale\'s retrieval reference number, 12 digits', { argument: '--rrn' });
  if (input.amountMinor <= 0n || input.amountMinor > REFUND_AMOUNT_MINOR_MAX) throw new BastionError('SIM_ERR_ARGUMENT', '--amount must be more than 0 and fit 12 digits of minor units', { argument: '--amount' });
  if (input.originalDate !== undefined && !/^(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$/.test(input.originalDate)) throw new BastionError('SIM_ERR_ARGUMENT', '--date is the sale\'s date as MMDD', { argument: '--date' });
  const givenBatch = digitsOption(input.originalBatch, '--batch');
  const givenTrace = digitsOption(input.originalTrace, '--trace');
  return withTerminal(context, async (first) => {
    let loaded = first;
    const working = loaded.workingKeys;
    if (working === undefined) throw new BastionError('SIM_ERR_NOT_SIGNED_IN', `terminal ${loaded.terminalId} has no working keys: sign it in first (bastion terminal sign-in)`, { terminalId: loaded.terminalId });
    if (loaded.pendingReversal !== undefined) loaded = await sendPendingReversal(context, loaded);
    const sale = loadJournal(context.dataDir, loaded.terminalId, loaded.batchNumber).entries.find((entry) => entry.kind === 'sale' && entry.rrn === input.rrn);
    const originalBatch = givenBatch ?? (sale === undefined ? undefined : loaded.batchNumber);
    const originalTrace = givenTrace ?? sale?.trace;
    if (originalBatch === undefined || originalTrace === undefined) {
      throw new BastionError('SIM_ERR_ARGUMENT', `the journal of batch ${loaded.batchNumber} has no sale with RRN ${input.rrn}: give the sale's --batch and --trace from its receipt`, { argument: '--trace' });
    }
    const { card } = input;
    const trace = nextTrace(loaded.lastTrace);
    let state: SimulatorState = { ...loaded, lastTrace: trace };
    saveSimulatorState(context.dataDir, state);
    const localTime = terminalLocalTime((context.nowMs ?? Date.now)(), context.timeZone);
    const mak = fromHex(working.mak, 'mak');
    const pik = fromHex(working.pik, 'pik');
    const tdk = fromHex(working.tdk, 'tdk');
    try {
      const request = new IsoMessage(unionPayPosSpec, '0220', {
        3: '200000',
        4: input.amountMinor.toString().padStart(12, '0'),
        11: traceField(trace),
        22: entryModeField('swipe', input.pin !== undefined),
        25: '00',
        35: state.encryptTracks ? encipherTrack2(readTrack2(card), tdk) : readTrack2(card),
        37: input.rrn,
        41: state.terminalId,
        42: state.merchantId,
        49: CURRENCY_CNY,
        60: { typeCode: '25', batchNumber: state.batchNumber, networkCode: '000' },
        61: { originalBatch, originalTrace, ...(input.originalDate === undefined ? {} : { originalDate: input.originalDate }) },
      });
      if (state.encryptTracks) {
        request.set(2, card.pan);
        request.set(14, card.expiry);
      }
      if (input.pin !== undefined) {
        request.set(26, '12');
        request.set(52, new PinBlockCipher(0, pik, { key: 'pik' }).encrypt(input.pin, card.pan));
      }
      if (input.pin !== undefined || state.encryptTracks) request.set(53, state.encryptTracks ? SECURITY_CONTROL_ENCIPHERED_TRACKS : SECURITY_CONTROL_CLEAR_TRACKS);
      state = { ...state, pendingReversal: pendingReversalOf(request) };
      saveSimulatorState(context.dataDir, state);
      const replyBytes = await exchangeWithHost(hostAddressOf(state, context), packWithMac(request, mak, state.macVariant), { header: headerFor(false), ...timeoutOf(context) });
      const reply = checkReply(request, replyBytes, { mak, macVariant: state.macVariant, macRequiredForApproval: true });
      saveSimulatorState(context.dataDir, withoutPendingReversal(state));
      const responseCode = reply.get(39) ?? '';
      const rrn = reply.get(37);
      const authCode = reply.get(38);
      const receipt: Receipt = {
        merchantId: state.merchantId,
        terminalId: state.terminalId,
        batchNumber: state.batchNumber,
        trace: traceField(trace),
        dateTime: localTime.display,
        transaction: 'refund',
        maskedPan: maskPan(card.pan),
        entry: 'swipe',
        amountMinor: input.amountMinor,
        currency: 'CNY',
        ...(rrn === undefined ? {} : { rrn }),
        ...(authCode === undefined ? {} : { authCode }),
        responseCode,
        responseMeaning: responseMeaning(responseCode),
        approved: responseCode === '00',
      };
      if (receipt.approved) appendToJournal(context.dataDir, state.terminalId, state.batchNumber, { kind: 'refund', trace: receipt.trace, amountMinor: input.amountMinor.toString(), card: card.profile, entry: 'swipe', originalTrace, ...(rrn === undefined ? {} : { rrn }) });
      return receipt;
    } finally {
      mak.fill(0);
      pik.fill(0);
      tdk.fill(0);
    }
  });
}

function digitsOption(text: string | undefined, flag: '--batch' | '--trace'): string | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,6}$/.test(text)) throw new BastionError('SIM_ERR_ARGUMENT', `${flag} is the sale's ${flag.slice(2)} number, 1 to 6 digits`, { argument: flag });
  return text.padStart(6, '0');
}
