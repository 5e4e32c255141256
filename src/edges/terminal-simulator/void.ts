import { testCard, type TestCardDefinition } from '../../adapters/network/issuer-simulator/index.js';
import { fromHex, PinBlockCipher } from '../../lib/crypto/index.js';
import { BastionError } from '../../lib/errors/index.js';
import { IsoMessage, unionPayPosSpec } from '../../lib/iso8583/index.js';
import { assertPin, entryModeField, readTrack2 } from './card-reader.js';
import { exchangeWithHost } from './client.js';
import { appendToJournal, loadJournal } from './journal.js';
import { nextTrace, packWithMac, SECURITY_CONTROL_CLEAR_TRACKS, SECURITY_CONTROL_ENCIPHERED_TRACKS, traceField } from './messages.js';
import { pendingReversalOf } from './pending-reversal.js';
import { maskPan, responseMeaning, type Receipt } from './receipt.js';
import { checkReply } from './reply-check.js';
import { saveSimulatorState, type SimulatorState } from './state.js';
import { headerFor, hostAddressOf, sendPendingReversal, timeoutOf, withoutPendingReversal, withTerminal, type SimulatorContext } from './terminal.js';
import { terminalLocalTime } from './terminal-clock.js';
import { encipherTrack2 } from './track-cipher.js';

export interface VoidInput {
  /** The trace of the sale to void, from its receipt. */
  readonly trace: string;
  /** The card swiped again; by default the journal's card of that sale. */
  readonly card?: TestCardDefinition;
  readonly pin?: string;
}

/**
 * A void (0200 / 200000 / 60.1 23) of an approved sale of the current batch: RRN (37), auth code
 * (38) and amount (4) come from the terminal's journal, 61 = batch + the sale's trace; the card is
 * swiped again. Like a sale it is a pending reversal until its reply checks out; an approved void
 * joins the journal (credit side of the settlement).
 */
export async function voidTransaction(context: SimulatorContext, input: VoidInput): Promise<Receipt> {
  if (input.pin !== undefined) assertPin(input.pin);
  const originalTrace = /^\d{1,6}$/.test(input.trace) ? input.trace.padStart(6, '0') : undefined;
  if (originalTrace === undefined) throw new BastionError('SIM_ERR_ARGUMENT', '--trace is the sale\'s trace number, 1 to 6 digits', { argument: '--trace' });
  return withTerminal(context, async (first) => {
    let loaded = first;
    const working = loaded.workingKeys;
    if (working === undefined) throw new BastionError('SIM_ERR_NOT_SIGNED_IN', `terminal ${loaded.terminalId} has no working keys: sign it in first (bastion terminal sign-in)`, { terminalId: loaded.terminalId });
    if (loaded.pendingReversal !== undefined) loaded = await sendPendingReversal(context, loaded);
    const journal = loadJournal(context.dataDir, loaded.terminalId, loaded.batchNumber);
    const sale = journal.entries.find((entry) => entry.kind === 'sale' && entry.trace === originalTrace);
    if (sale?.rrn === undefined || sale.authCode === undefined) {
      throw new BastionError('SIM_ERR_ARGUMENT', `the journal of batch ${loaded.batchNumber} has no approved sale with trace ${originalTrace} (with its RRN and auth code)`, { argument: '--trace' });
    }
    const card = input.card ?? testCard(sale.card);
    const trace = nextTrace(loaded.lastTrace);
    let state: SimulatorState = { ...loaded, lastTrace: trace };
    saveSimulatorState(context.dataDir, state);
    const localTime = terminalLocalTime((context.nowMs ?? Date.now)(), context.timeZone);
    const mak = fromHex(working.mak, 'mak');
    const pik = fromHex(working.pik, 'pik');
    const tdk = fromHex(working.tdk, 'tdk');
    try {
      const request = new IsoMessage(unionPayPosSpec, '0200', {
        3: '200000',
        4: sale.amountMinor.padStart(12, '0'),
        11: traceField(trace),
        22: entryModeField('swipe', input.pin !== undefined),
        25: '00',
        35: state.encryptTracks ? encipherTrack2(readTrack2(card), tdk) : readTrack2(card),
        37: sale.rrn,
        38: sale.authCode,
        41: state.terminalId,
        42: state.merchantId,
        49: '156',
        60: { typeCode: '23', batchNumber: state.batchNumber, networkCode: '000' },
        61: { originalBatch: state.batchNumber, originalTrace },
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
        transaction: 'void',
        maskedPan: maskPan(card.pan),
        entry: 'swipe',
        amountMinor: BigInt(sale.amountMinor),
        currency: 'CNY',
        ...(rrn === undefined ? {} : { rrn }),
        ...(authCode === undefined ? {} : { authCode }),
        responseCode,
        responseMeaning: responseMeaning(responseCode),
        approved: responseCode === '00',
      };
      if (receipt.approved) appendToJournal(context.dataDir, state.terminalId, state.batchNumber, { kind: 'void', trace: receipt.trace, amountMinor: sale.amountMinor, card: card.profile, entry: 'swipe', originalTrace, ...(rrn === undefined ? {} : { rrn }) });
      return receipt;
    } finally {
      mak.fill(0);
      pik.fill(0);
      tdk.fill(0);
    }
  });
}
