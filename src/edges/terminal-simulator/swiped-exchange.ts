import type { TestCardDefinition } from '../../adapters/network/issuer-simulator/index.js';
import { fromHex } from '../../lib/crypto/index.js';
import { BastionError } from '../../lib/errors/index.js';
import { IsoMessage, unionPayPosSpec, type UnionPayPosSpec } from '../../lib/iso8583/index.js';
import { entryModeField, readTrack2 } from './card-reader.js';
import { exchangeWithHost } from './client.js';
import { CURRENCY_CNY, nextTrace, packWithMac, SECURITY_CONTROL_CLEAR_TRACKS, SECURITY_CONTROL_ENCIPHERED_TRACKS, traceField } from './messages.js';
import { pendingReversalOf } from './pending-reversal.js';
import { maskPan, responseMeaning, type Receipt, type ReceiptTransaction } from './receipt.js';
import { checkReply } from './reply-check.js';
import { terminalPinCipher } from './working-key-ciphers.js';
import { saveSimulatorState, type SimulatorState } from './state.js';
import { headerFor, hostAddressOf, sendPendingReversal, timeoutOf, withoutPendingReversal, withTerminal, type SimulatorContext } from './terminal.js';
import { terminalLocalTime } from './terminal-clock.js';
import { encipherTrack2 } from './track-cipher.js';

/** One card-swiped request that names an original (void, refund, the pre-authorisation family) or opens one (pre-auth). */
export interface SwipedRequest {
  readonly transaction: ReceiptTransaction;
  readonly mti: string;
  readonly processingCode: string;
  /** 60.1. */
  readonly typeCode: string;
  /** 25: 00 normal, 06 pre-authorisation. */
  readonly posCondition: '00' | '06';
  readonly amountMinor: bigint;
  readonly card: TestCardDefinition;
  /** Checked by the caller (`assertPin`) before the terminal is locked. */
  readonly pin?: string;
  /** Fields that name the original: 37, 38, 61 (batch, trace and, when given, date). */
  readonly reference?: { readonly rrn?: string; readonly authCode?: string; readonly batch: string; readonly trace: string; readonly date?: string };
  /** What an approved answer adds to the terminal's records (journal, pre-auth list). */
  readonly onApproved: (state: SimulatorState, receipt: Receipt) => void;
}

/**
 * Builds, sends and reads one swiped request under the terminal's lock: signed in required, a
 * pending reversal sent first, then `plan` (given the terminal's state after that, so it can read
 * the current batch's journal) says what to send. The request is a pending reversal until its
 * reply checks out, as a sale is; the working keys are wiped when done.
 */
export async function exchangeSwiped(context: SimulatorContext, plan: (loaded: SimulatorState) => SwipedRequest): Promise<Receipt> {
  return withTerminal(context, async (first) => {
    let loaded = first;
    const working = loaded.workingKeys;
    if (working === undefined) throw new BastionError('SIM_ERR_NOT_SIGNED_IN', `terminal ${loaded.terminalId} has no working keys: sign it in first (bastion terminal sign-in)`, { terminalId: loaded.terminalId });
    if (loaded.pendingReversal !== undefined) loaded = await sendPendingReversal(context, loaded);
    const input = plan(loaded);
    const trace = nextTrace(loaded.lastTrace);
    let state: SimulatorState = { ...loaded, lastTrace: trace };
    saveSimulatorState(context.dataDir, state);
    const localTime = terminalLocalTime((context.nowMs ?? Date.now)(), context.timeZone);
    const mak = fromHex(working.mak, 'mak');
    const pik = fromHex(working.pik, 'pik');
    const tdk = fromHex(working.tdk, 'tdk');
    try {
      const { card, reference } = input;
      const request: IsoMessage<UnionPayPosSpec> = new IsoMessage(unionPayPosSpec, input.mti, {
        3: input.processingCode,
        4: input.amountMinor.toString().padStart(12, '0'),
        11: traceField(trace),
        22: entryModeField('swipe', input.pin !== undefined),
        25: input.posCondition,
        35: state.encryptTracks ? encipherTrack2(readTrack2(card), tdk) : readTrack2(card),
        41: state.terminalId,
        42: state.merchantId,
        49: CURRENCY_CNY,
        60: { typeCode: input.typeCode, batchNumber: state.batchNumber, networkCode: '000' },
      });
      if (reference !== undefined) {
        if (reference.rrn !== undefined) request.set(37, reference.rrn);
        if (reference.authCode !== undefined) request.set(38, reference.authCode);
        request.set(61, { originalBatch: reference.batch, originalTrace: reference.trace, ...(reference.date === undefined ? {} : { originalDate: reference.date }) });
      }
      if (state.encryptTracks) {
        request.set(2, card.pan);
        request.set(14, card.expiry);
      }
      if (input.pin !== undefined) {
        request.set(26, '12');
        request.set(52, terminalPinCipher(pik).encrypt(input.pin, card.pan));
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
        transaction: input.transaction,
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
      if (receipt.approved) input.onApproved(state, receipt);
      return receipt;
    } finally {
      mak.fill(0);
      pik.fill(0);
      tdk.fill(0);
    }
  });
}
