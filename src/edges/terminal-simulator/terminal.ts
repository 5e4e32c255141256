import type { TestCardDefinition } from '../../adapters/network/issuer-simulator/index.js';
import { fromHex, toHex } from '../../lib/crypto/index.js';
import { BastionError } from '../../lib/errors/index.js';
import { ApplicationType, ProcessingRequirement, TerminalStatus, type UnionPayHeader } from '../../lib/iso8583/framing/index.js';
import type { IsoMessage, UnionPayPosSpec } from '../../lib/iso8583/index.js';
import { assertPin, readTrack2, type EntryMethod } from './card-reader.js';
import { nextCardAtc } from './card-atc.js';
import { chipRequest, verifyIssuerAuthentication, type ChipRequestData } from './chip.js';
import { exchangeWithHost } from './client.js';
import { appendToJournal } from './journal.js';
import { acquireTerminalLock } from './lock.js';
import { financialRequest, nextTrace, packPlain, packWithMac, signInRequest, traceField, type FinancialKind } from './messages.js';
import { parameterNotice } from './params-download.js';
import { pendingReversalOf, reversalRequest } from './pending-reversal.js';
import { maskPan, parseBalanceField, responseMeaning, type Receipt } from './receipt.js';
import { checkReply } from './reply-check.js';
import { loadSimulatorState, saveSimulatorState, type SimulatorHostAddress, type SimulatorState } from './state.js';
import { terminalLocalTime } from './terminal-clock.js';
import { openWorkingKeys } from './working-keys.js';

/**
 * The simulated POS terminal: one command at a time per terminal (a lock file), its keys and
 * counters in its key file, one connection per transaction. The trace number (and a chip card's
 * ATC) is saved before the request leaves, so a crash never sends the same trace twice.
 */
export interface SimulatorContext {
  readonly dataDir: string;
  readonly terminalId: string;
  /** Overrides the key file's host address (either part). */
  readonly host?: string;
  readonly port?: number;
  readonly timeoutMs?: number;
  /** Wall clock in epoch milliseconds (tests may fix it). */
  readonly nowMs?: () => number;
  /** IANA zone of the terminal's clock. */
  readonly timeZone?: string;
}

export interface SignInResult {
  readonly terminalId: string;
  readonly merchantId: string;
  readonly trace: string;
  readonly responseCode: string;
  readonly responseMeaning: string;
  readonly signedIn: boolean;
  readonly batchNumber: string;
  /** Check values of the keys installed (hex), when signed in. */
  readonly kcvs?: { readonly pik: string; readonly mak: string; readonly tdk: string };
  /** What the reply header asked for (a parameter download), when it asked. */
  readonly notice?: string;
}

export interface TransactionInput {
  readonly kind: FinancialKind;
  readonly card: TestCardDefinition;
  readonly entry: EntryMethod;
  /** Sales only. */
  readonly amountMinor?: bigint;
  readonly pin?: string;
  /**
   * Sales: send the request but discard the reply, as if it never came. The sale stays a
   * pending reversal in the key file and is reversed before the next transaction.
   */
  readonly dropResponse?: boolean;
}

/** Header bytes 1 and 3–5: the software version most public terminal code sends (0x31, sub-version 310000). */
const softwareVersion = 0x31;
const softwareSubVersion = 0x310000;

export function headerFor(chipRead: boolean): UnionPayHeader {
  return {
    applicationType: chipRead ? ApplicationType.Ic : ApplicationType.Magstripe,
    softwareVersion,
    terminalStatus: TerminalStatus.Normal,
    processingRequirement: ProcessingRequirement.None,
    subVersion: softwareSubVersion,
  };
}

export function hostAddressOf(state: SimulatorState, context: SimulatorContext): SimulatorHostAddress {
  return { ...state.hostAddress, ...(context.host === undefined ? {} : { host: context.host }), ...(context.port === undefined ? {} : { port: context.port }) };
}

export async function withTerminal<T>(context: SimulatorContext, work: (state: SimulatorState) => Promise<T>): Promise<T> {
  // Read first: an unknown terminal is "not provisioned", not a lock file in an empty directory.
  loadSimulatorState(context.dataDir, context.terminalId);
  const lock = acquireTerminalLock(context.dataDir, context.terminalId);
  try {
    return await work(loadSimulatorState(context.dataDir, context.terminalId));
  } finally {
    lock.release();
  }
}

/** 0800 sign-in: new working keys, each checked against its KCV before any is installed. */
export async function signInTerminal(context: SimulatorContext): Promise<SignInResult> {
  return withTerminal(context, async (loaded) => {
    const trace = nextTrace(loaded.lastTrace);
    let state: SimulatorState = { ...loaded, lastTrace: trace };
    saveSimulatorState(context.dataDir, state);
    const request = signInRequest(state, trace);
    let notice: string | undefined;
    const replyBytes = await exchangeWithHost(hostAddressOf(state, context), packPlain(request), { header: headerFor(false), ...timeoutOf(context), onReplyHeader: (header) => { notice = parameterNotice(header.processingRequirement); } });
    const reply = checkReply(request, replyBytes, { macVariant: state.macVariant, macRequiredForApproval: false, ...makOf(state) });
    const responseCode = reply.get(39) ?? '';
    const base = { terminalId: state.terminalId, merchantId: state.merchantId, trace: traceField(trace), responseCode, responseMeaning: responseMeaning(responseCode), ...(notice === undefined ? {} : { notice }) };
    if (responseCode !== '00') return { ...base, signedIn: false, batchNumber: state.batchNumber };
    const keys = openWorkingKeys(fromHex(state.tmk, 'tmk'), reply.get(62));
    const batch = reply.get(60)?.batchNumber;
    const batchNumber = batch !== undefined && /^\d{6}$/.test(batch) ? batch : state.batchNumber;
    state = {
      ...state,
      batchNumber,
      workingKeys: { pik: toHex(keys.pik), mak: toHex(keys.mak), tdk: toHex(keys.tdk), signedInAtMs: (context.nowMs ?? Date.now)() },
    };
    saveSimulatorState(context.dataDir, state);
    const field62 = Buffer.from(reply.get(62) ?? []);
    const kcv = (offset: number): string => toHex(field62.subarray(offset, offset + 4)).slice(0, 6);
    keys.pik.fill(0);
    keys.mak.fill(0);
    keys.tdk.fill(0);
    return { ...base, signedIn: true, batchNumber, kcvs: { pik: kcv(16), mak: kcv(36), tdk: kcv(56) } };
  });
}

/** A sale or balance inquiry with `input.card`, read the way `input.entry` says; returns the receipt. */
export async function transact(context: SimulatorContext, input: TransactionInput): Promise<Receipt> {
  if (input.pin !== undefined) assertPin(input.pin);
  const amountMinor = input.kind === 'sale' ? (input.amountMinor ?? 0n) : 0n;
  return withTerminal(context, async (first) => {
    let loaded = first;
    const working = loaded.workingKeys;
    if (working === undefined) throw new BastionError('SIM_ERR_NOT_SIGNED_IN', `terminal ${loaded.terminalId} has no working keys: sign it in first (bastion terminal sign-in)`, { terminalId: loaded.terminalId });
    // A sale whose answer never came is reversed first; if that fails the terminal stops here.
    if (loaded.pendingReversal !== undefined) loaded = await sendPendingReversal(context, loaded);
    const { card, entry } = input;
    const chipRead = entry !== 'swipe';
    const nowMs = (context.nowMs ?? Date.now)();
    const localTime = terminalLocalTime(nowMs, context.timeZone);
    const trace = nextTrace(loaded.lastTrace);
    const atc = chipRead ? nextCardAtc(context.dataDir, loaded, card.profile) : undefined;
    let state: SimulatorState = { ...loaded, lastTrace: trace, ...(atc === undefined ? {} : { cardAtc: { ...loaded.cardAtc, [card.profile]: atc } }) };
    // Saved before anything leaves: a crash after sending never reuses this trace or ATC.
    saveSimulatorState(context.dataDir, state);

    const pik = fromHex(working.pik, 'pik');
    const mak = fromHex(working.mak, 'mak');
    const tdk = fromHex(working.tdk, 'tdk');
    try {
      let chip: ChipRequestData | undefined;
      if (atc !== undefined) chip = chipRequest(card, { amountMinor, atc, date: localTime.yymmdd, type: input.kind });
      const request = financialRequest({
        identity: state,
        kind: input.kind,
        trace,
        amountMinor,
        card: {
          pan: card.pan,
          expiry: card.expiry,
          track2: readTrack2(card),
          entry,
          ...(chip === undefined || card.emv === undefined ? {} : { panSequenceNumber: card.emv.psn, field55: chip.field55 }),
        },
        ...(input.pin === undefined ? {} : { pin: { digits: input.pin, pik } }),
        ...(state.encryptTracks ? { trackKey: tdk } : {}),
      });
      const packed = packWithMac(request, mak, state.macVariant);
      if (input.kind === 'sale') {
        // Recorded before the sale leaves, cleared once its reply checks out (a real terminal's reversal record).
        state = { ...state, pendingReversal: pendingReversalOf(request) };
        saveSimulatorState(context.dataDir, state);
      }
      let notice: string | undefined;
      const replyBytes = await exchangeWithHost(hostAddressOf(state, context), packed, { header: headerFor(chipRead), ...timeoutOf(context), onReplyHeader: (header) => { notice = parameterNotice(header.processingRequirement); } });
      if (input.dropResponse === true) return droppedReceipt(state, input, { trace, amountMinor, dateTime: localTime.display });
      const reply = checkReply(request, replyBytes, { mak, macVariant: state.macVariant, macRequiredForApproval: true });
      if (state.pendingReversal !== undefined) {
        state = withoutPendingReversal(state);
        saveSimulatorState(context.dataDir, state);
      }
      const read = receiptOf(state, input, { trace, amountMinor, dateTime: localTime.display, reply, chip });
      const receipt = notice === undefined ? read : { ...read, notice };
      // The terminal's log of its batch (journal.ts): what settlement totals and uploads.
      if (receipt.approved && input.kind === 'sale') appendToJournal(context.dataDir, state.terminalId, state.batchNumber, { kind: 'sale', trace: receipt.trace, amountMinor: amountMinor.toString(), card: card.profile, entry, ...(receipt.rrn === undefined ? {} : { rrn: receipt.rrn }), ...(receipt.authCode === undefined ? {} : { authCode: receipt.authCode }) });
      return receipt;
    } finally {
      pik.fill(0);
      mak.fill(0);
      tdk.fill(0);
    }
  });
}

/**
 * Sends the pending reversal (0400, 39 = 98) and clears it once answered 00; any other answer
 * (or none) leaves it pending and stops the transaction with SIM_ERR_RESPONSE.
 */
export async function sendPendingReversal(context: SimulatorContext, state: SimulatorState): Promise<SimulatorState> {
  const pending = state.pendingReversal;
  const working = state.workingKeys;
  if (pending === undefined || working === undefined) return state;
  const mak = fromHex(working.mak, 'mak');
  try {
    const request = reversalRequest(state, pending);
    const replyBytes = await exchangeWithHost(hostAddressOf(state, context), packWithMac(request, mak, state.macVariant), { header: headerFor(false), ...timeoutOf(context) });
    const reply = checkReply(request, replyBytes, { mak, macVariant: state.macVariant, macRequiredForApproval: true });
    if (reply.get(39) !== '00') throw new BastionError('SIM_ERR_RESPONSE', `the host answered the reversal of trace ${pending.trace} with ${reply.get(39) ?? '(none)'}; it stays pending`, { trace: pending.trace });
    const cleared = withoutPendingReversal(state);
    saveSimulatorState(context.dataDir, cleared);
    return cleared;
  } finally {
    mak.fill(0);
  }
}

export function withoutPendingReversal(state: SimulatorState): SimulatorState {
  const copy: { -readonly [K in keyof SimulatorState]?: SimulatorState[K] } = { ...state };
  delete copy.pendingReversal;
  return copy as SimulatorState;
}

/** `bastion terminal reverse`: sends the pending reversal now; the trace it reversed, or undefined when none was pending. */
export async function reversePending(context: SimulatorContext): Promise<string | undefined> {
  return withTerminal(context, async (state) => {
    const trace = state.pendingReversal?.trace;
    if (trace === undefined) return undefined;
    await sendPendingReversal(context, state);
    return trace;
  });
}

function droppedReceipt(state: SimulatorState, input: TransactionInput, outcome: { trace: number; amountMinor: bigint; dateTime: string }): Receipt {
  return {
    merchantId: state.merchantId,
    terminalId: state.terminalId,
    batchNumber: state.batchNumber,
    trace: traceField(outcome.trace),
    dateTime: outcome.dateTime,
    transaction: input.kind,
    maskedPan: maskPan(input.card.pan),
    entry: input.entry,
    amountMinor: outcome.amountMinor,
    currency: 'CNY',
    responseCode: '',
    responseMeaning: 'no response (dropped): reversal pending',
    approved: false,
  };
}

function receiptOf(
  state: SimulatorState,
  input: TransactionInput,
  outcome: { trace: number; amountMinor: bigint; dateTime: string; reply: IsoMessage<UnionPayPosSpec>; chip: ChipRequestData | undefined },
): Receipt {
  const { reply } = outcome;
  const responseCode = reply.get(39) ?? '';
  const issuerAuthenticated = outcome.chip === undefined ? undefined : verifyIssuerAuthentication(input.card, outcome.chip, reply.get(55), responseCode);
  const field54 = reply.get(54);
  const balance = input.kind === 'balance-inquiry' && responseCode === '00' && field54 !== undefined ? parseBalanceField(field54) : undefined;
  const rrn = reply.get(37);
  const authCode = reply.get(38);
  return {
    merchantId: state.merchantId,
    terminalId: state.terminalId,
    batchNumber: reply.get(60)?.batchNumber ?? state.batchNumber,
    trace: traceField(outcome.trace),
    dateTime: outcome.dateTime,
    transaction: input.kind,
    maskedPan: maskPan(input.card.pan),
    entry: input.entry,
    ...(input.kind === 'sale' ? { amountMinor: outcome.amountMinor } : {}),
    currency: 'CNY',
    ...(rrn === undefined ? {} : { rrn }),
    ...(authCode === undefined ? {} : { authCode }),
    responseCode,
    responseMeaning: responseMeaning(responseCode),
    ...(balance === undefined ? {} : { balanceMinor: balance.balanceMinor }),
    approved: responseCode === '00',
    ...(issuerAuthenticated === undefined ? {} : { issuerAuthenticated }),
  };
}

export function timeoutOf(context: SimulatorContext): { timeoutMs?: number } {
  return context.timeoutMs === undefined ? {} : { timeoutMs: context.timeoutMs };
}

function makOf(state: SimulatorState): { mak?: Buffer } {
  return state.workingKeys === undefined ? {} : { mak: fromHex(state.workingKeys.mak, 'mak') };
}
