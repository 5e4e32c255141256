import type { UnionPayEcbVariant } from '../../lib/crypto/index.js';
import { IsoMessage, MessageCodec, unionPayPosSpec, type UnionPayPosSpec } from '../../lib/iso8583/index.js';
import { entryModeField, type EntryMethod } from './card-reader.js';
import { encipherTrack2 } from './track-cipher.js';
import { terminalMac, terminalPinCipher } from './working-key-ciphers.js';

/**
 * The requests a UnionPay POS terminal sends, built field by field as docs/protocol.md and
 * docs/terminal-simulator.md describe them. Pure: keys and counters come in, bytes go out.
 */
export const simulatorCodec = new MessageCodec<UnionPayPosSpec>(unionPayPosSpec);

/** 60.3 of a sign-in asking for PIK, MAK and TDK (double-length slots). */
export const SIGN_IN_NETWORK_CODE = '004';
/** 63.1 of a sign-in: operator 01 (two digits and a space). */
export const OPERATOR_CODE = '01 ';
export const CURRENCY_CNY = '156';
/** Field 26: the longest PIN the PIN pad accepts. */
export const PIN_CAPTURE_DIGITS = '12';
/** Field 53: PIN block format 0 (`2`), double-length TDES (`6`), tracks clear (`0`) or enciphered (`1`). */
export const SECURITY_CONTROL_CLEAR_TRACKS = '2600000000000000';
export const SECURITY_CONTROL_ENCIPHERED_TRACKS = '2610000000000000';
/** 60.4: reads chip and contactless cards. 60.5: normal (no fallback). */
const TERMINAL_CAPABILITY = '6';
const IC_CONDITION_NORMAL = '0';
const MAC_BYTES = 8;

export type FinancialKind = 'sale' | 'balance-inquiry';

const processingCodes: Readonly<Record<FinancialKind, string>> = { sale: '000000', 'balance-inquiry': '310000' };
const typeCodes: Readonly<Record<FinancialKind, string>> = { sale: '22', 'balance-inquiry': '01' };

export interface TerminalIdentity {
  readonly terminalId: string;
  readonly merchantId: string;
  readonly batchNumber: string;
}

/** Trace numbers run 000001 to 999999, then start again at 000001. */
export const TRACE_MAX = 999_999;

export function nextTrace(lastTrace: number): number {
  return lastTrace >= TRACE_MAX || lastTrace < 0 ? 1 : lastTrace + 1;
}

export function traceField(trace: number): string {
  return String(trace).padStart(6, '0');
}

/** 0800 sign-in: 11, 41, 42, 60 (00, batch, 004), 63 operator. No MAC: there is no MAK yet. */
export function signInRequest(identity: TerminalIdentity, trace: number): IsoMessage<UnionPayPosSpec> {
  return new IsoMessage(unionPayPosSpec, '0800', {
    11: traceField(trace),
    41: identity.terminalId,
    42: identity.merchantId,
    60: { typeCode: '00', batchNumber: identity.batchNumber, networkCode: SIGN_IN_NETWORK_CODE },
    63: { code: OPERATOR_CODE },
  });
}

export interface CardPresented {
  readonly pan: string;
  /** YYMM. */
  readonly expiry: string;
  /** Track 2 as read (for chip: the chip's track 2 equivalent). */
  readonly track2: string;
  readonly entry: EntryMethod;
  /** Two digits (chip and contactless). */
  readonly panSequenceNumber?: string;
  /** Field 55 (chip and contactless). */
  readonly field55?: Buffer;
}

export interface FinancialRequestInput {
  readonly identity: TerminalIdentity;
  readonly kind: FinancialKind;
  readonly trace: number;
  readonly amountMinor: bigint;
  readonly card: CardPresented;
  /** The PIN typed on the PIN pad and the PIK to encipher it under (format 0, bound to the PAN). */
  readonly pin?: { readonly digits: string; readonly pik: Uint8Array };
  /** Encipher track 2 under this TDK (and then send 2 and 14 in clear). */
  readonly trackKey?: Uint8Array;
}

/** 0200 sale (000000, 60.1 22) or balance inquiry (310000, 60.1 01), without field 64 yet. */
export function financialRequest(input: FinancialRequestInput): IsoMessage<UnionPayPosSpec> {
  const { identity, card } = input;
  const chip = card.entry !== 'swipe';
  const message = new IsoMessage(unionPayPosSpec, '0200', {
    3: processingCodes[input.kind],
    11: traceField(input.trace),
    22: entryModeField(card.entry, input.pin !== undefined),
    25: '00',
    35: input.trackKey === undefined ? card.track2 : encipherTrack2(card.track2, input.trackKey),
    41: identity.terminalId,
    42: identity.merchantId,
    49: CURRENCY_CNY,
    60: { typeCode: typeCodes[input.kind], batchNumber: identity.batchNumber, networkCode: '000', terminalCapability: TERMINAL_CAPABILITY, icCondition: IC_CONDITION_NORMAL },
  });
  if (input.kind === 'sale') message.set(4, input.amountMinor.toString().padStart(12, '0'));
  if (input.trackKey !== undefined) {
    message.set(2, card.pan);
    message.set(14, card.expiry);
  }
  if (chip && card.panSequenceNumber !== undefined) message.set(23, card.panSequenceNumber.padStart(3, '0'));
  if (input.pin !== undefined) {
    message.set(26, PIN_CAPTURE_DIGITS);
    message.set(52, terminalPinCipher(input.pin.pik).encrypt(input.pin.digits, card.pan));
  }
  if (input.pin !== undefined || input.trackKey !== undefined) {
    message.set(53, input.trackKey === undefined ? SECURITY_CONTROL_CLEAR_TRACKS : SECURITY_CONTROL_ENCIPHERED_TRACKS);
  }
  if (chip && card.field55 !== undefined) message.set(55, card.field55);
  return message;
}

/** Packs `message` with field 64 = the UnionPay ECB MAC over MTI..63 under the MAK. */
export function packWithMac(message: IsoMessage<UnionPayPosSpec>, mak: Uint8Array, variant: UnionPayEcbVariant): Buffer {
  message.set(64, Buffer.alloc(MAC_BYTES));
  const packed = simulatorCodec.pack(message);
  const mac = terminalMac(mak, variant).compute(packed.subarray(0, packed.length - MAC_BYTES));
  mac.copy(packed, packed.length - MAC_BYTES);
  message.set(64, mac);
  return packed;
}

export function packPlain(message: IsoMessage<UnionPayPosSpec>): Buffer {
  return simulatorCodec.pack(message);
}
