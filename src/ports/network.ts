import type { PinBlockFormatNumber } from './hsm.js';

/**
 * The network port: the upstream card network or issuer that says yes or no to a card
 * transaction. The host translates the terminal's PIN block from its PIK to the zone PIN key
 * (ZPK) it shares with the network, then asks `authorize`; for chip cards it passes the
 * cryptogram data from field 55. The default adapter is the built-in issuer simulator
 * (`src/adapters/network/issuer-simulator`); a real network connection implements the same
 * interface.
 *
 * Card data in a request (PAN, track 2, PIN block, cryptogram inputs) lives in memory for the
 * span of one call: an adapter may compute with it but never stores it, logs it or puts it in
 * an error. No field carries a clear PIN (`network.test.ts` proves it at the type level).
 *
 * Errors: a request that breaks this contract (a missing or malformed field) is a bug in the
 * caller and throws a coded BastionError; so does a network that cannot answer at all. Every
 * decision about the card, approval or decline, is a `NetworkResponse`.
 */

/**
 * What is asked. The simulator answers `sale`, `balance-inquiry` and `pre-auth` (a hold, no
 * debit); the others are named so
 * the port does not change when they are built (until then they are declined with
 * `function-not-supported`).
 */
export type AuthorizationKind = 'sale' | 'balance-inquiry' | 'pre-auth' | 'refund' | 'void' | 'reversal';

export const authorizationKinds: readonly AuthorizationKind[] = ['sale', 'balance-inquiry', 'pre-auth', 'refund', 'void', 'reversal'];

/**
 * How the card was read (field 22): `fallback` is the stripe read after the chip failed;
 * `contactless` here is the chip over the air, with a cryptogram like `chip`.
 */
export type EntryMode = 'chip' | 'magstripe' | 'contactless' | 'fallback';

export const entryModes: readonly EntryMode[] = ['chip', 'magstripe', 'contactless', 'fallback'];

/** Entry modes that carry a cryptogram (EMV data); the others carry track 2. */
export function entryModeHasCryptogram(mode: EntryMode): boolean {
  return mode === 'chip' || mode === 'contactless';
}

/** The cardholder's PIN as the network receives it: enciphered under the ZPK, never clear. */
export interface NetworkPinData {
  readonly pinBlock: Buffer;
  /** ISO 9564-1 format of the block under the ZPK (the host translates to it); 0 in UnionPay zones. */
  readonly format: PinBlockFormatNumber;
}

/** The EMV data an issuer needs to verify the card's cryptogram (from field 55). */
export interface ChipData {
  /** Tag 9F26, 8 bytes: the authorisation request cryptogram. */
  readonly arqc: Buffer;
  /** Tag 9F36, 2 bytes: the application transaction counter. */
  readonly atc: Buffer;
  /** Tag 5F34 as two digits ('00' when the card has none; field 23 carries it too). */
  readonly panSequenceNumber: string;
  /**
   * The data the ARQC was computed over, in the card's CDOL1 order (amount, country, TVR,
   * currency, date, type, unpredictable number, AIP, ATC, … as the card asked for them).
   */
  readonly cdolData: Buffer;
  /** Tag 9F37, 4 bytes: the terminal's unpredictable number. */
  readonly unpredictableNumber: Buffer;
}

/** Who is asking, as the acquirer identifies the transaction. */
export interface AcquirerReferences {
  /** Field 37, 12 characters. */
  readonly retrievalReferenceNumber: string;
  /** Field 11, 6 digits. */
  readonly systemTraceAuditNumber: string;
  /** Field 41, 8 characters. */
  readonly terminalId: string;
  /** Field 42, 15 characters. */
  readonly merchantId: string;
}

export interface AuthorizationRequest {
  readonly kind: AuthorizationKind;
  /**
   * The acquirer's key for this request: a retry with the same key gets the same answer and
   * moves money at most once; the same key with a different transaction is an error.
   */
  readonly idempotencyKey: string;
  /** In memory only: never stored, logged or shown by any adapter. */
  readonly pan: string;
  /** YYMM, from field 14, track 2 or tag 5F24. */
  readonly expiry: string;
  /**
   * Three digits, from track 2 or tag 5F30. May be left out when the track is enciphered
   * (`encryptedTrack2`): the acquirer cannot read it, and the issuer takes it from the track.
   */
  readonly serviceCode?: string;
  readonly entryMode: EntryMode;
  /** Minor units (fen for CNY); 0 for a balance inquiry. */
  readonly amountMinor: bigint;
  /** ISO 4217 numeric, three digits (`156`), as the ledger uses. */
  readonly currency: string;
  /** Present when the cardholder entered a PIN. */
  readonly pinData?: NetworkPinData;
  /**
   * Track 2 (or its chip equivalent, tag 57) as digits with the separator `=` (or `D`): the
   * issuer finds the card verification value in it. Required for `magstripe` and `fallback`.
   */
  readonly track2?: string;
  /**
   * Track 2 enciphered under the zone data key (ZEK), instead of `track2`: packed BCD as field
   * 35 carries it without its length prefix (`=` as the nibble D, an odd count padded with a 0
   * nibble), with the UnionPay track-encryption block (HsmPort.translateTrackData) under the
   * ZEK. Terminals that encipher tracks (field 53, third digit 1) send it; the acquirer
   * re-enciphers it from their TDK without ever seeing it in clear, and only the issuer side
   * deciphers it.
   */
  readonly encryptedTrack2?: Buffer;
  /** Required for `chip` and `contactless`. */
  readonly chip?: ChipData;
  readonly acquirer: AcquirerReferences;
}

/**
 * Why the network decided as it did, each with its ISO 8583:1987 response code (field 39). The
 * list is ordered as an issuer usually checks; `docs/network.md` says when each applies.
 */
export const networkResponseCodes = {
  approved: '00',
  'invalid-card': '14',
  'expired-card': '54',
  'lost-card': '41',
  'stolen-card': '43',
  'restricted-card': '62',
  /**
   * The chip's cryptogram did not verify (or repeats a counter already seen). ISO 8583:1987 has
   * no code of its own for it; `34` "suspected fraud" says what it means, and is what a UnionPay
   * terminal can show (Visa's `82` and Mastercard's `88` are scheme codes outside the 1987 table).
   */
  'cryptogram-failure': '34',
  /** The stripe's card verification value did not verify: a stripe that may be copied. Same code as a failed cryptogram. */
  'cvv-failure': '34',
  'incorrect-pin': '55',
  'pin-tries-exceeded': '75',
  'invalid-amount': '13',
  /** The card account does not hold the transaction's currency. */
  'transaction-not-permitted': '57',
  'exceeds-limit': '61',
  'insufficient-funds': '51',
  /** A void or refund whose original the network never approved (or approved for another card). */
  'original-not-found': '25',
  /** A void of something already voided, reversed or refunded; an authorization whose key was reversed first. */
  'invalid-transaction': '12',
  /** A kind of request the network does not handle (yet). */
  'function-not-supported': '40',
  'system-error': '96',
} as const satisfies Record<string, string>;

export type NetworkReason = keyof typeof networkResponseCodes;

export type NetworkDeclineReason = Exclude<NetworkReason, 'approved'>;

/** An amount with its currency, as a balance inquiry answers. */
export interface NetworkAmount {
  readonly amountMinor: bigint;
  readonly currency: string;
}

/**
 * For chip cards whose cryptogram verified: the issuer's answer to the card. Tag 91 (issuer
 * authentication data) is `arpc` followed by `arc`; tag 8A carries the ARC too.
 */
export interface IssuerAuthentication {
  /** 8 bytes, ARPC method 1. */
  readonly arpc: Buffer;
  /** 2 bytes: the response code in ASCII ('00' → 30 30). */
  readonly arc: Buffer;
}

interface ResponseCommon {
  /** Field 39. */
  readonly responseCode: string;
  /** The network's own id of this decision, for disputes and look-ups. */
  readonly issuerReference: string;
  readonly issuerAuthentication?: IssuerAuthentication;
}

export interface ApprovedResponse extends ResponseCommon {
  readonly outcome: 'approved';
  readonly reason: 'approved';
  /** Field 38: six characters. */
  readonly authorizationCode: string;
  /** Balance inquiries: what the account holds after this request. */
  readonly balance?: NetworkAmount;
}

export interface DeclinedResponse extends ResponseCommon {
  readonly outcome: 'declined';
  readonly reason: NetworkDeclineReason;
}

export type NetworkResponse = ApprovedResponse | DeclinedResponse;

/**
 * What refers to an earlier authorization (the original): a void, refund or reversal gives money
 * back; of a `pre-auth`, a `pre-auth-void` releases its hold and a `completion` turns the hold
 * into a debit of the completion's amount (up to the held amount plus the network's tolerance);
 * a `completion-void` gives a completion's money back.
 */
export type AdjustmentKind = 'void' | 'refund' | 'reversal' | 'pre-auth-void' | 'completion' | 'completion-void';

export const adjustmentKinds: readonly AdjustmentKind[] = ['void', 'refund', 'reversal', 'pre-auth-void', 'completion', 'completion-void'];

/**
 * A void (the whole original, same day), a refund (part or all of an original, any day) or a
 * reversal (undo whatever `originalIdempotencyKey` did, even if the network never saw it: the
 * key is then remembered as reversed and a later authorization under it is declined).
 */
export interface AdjustmentRequest {
  readonly kind: AdjustmentKind;
  /** This adjustment's own key: a retry gets the first answer and moves money once. */
  readonly idempotencyKey: string;
  /** The key the original was sent under (`authorize` or, for a reversal of a void or refund, `adjust`). */
  readonly originalIdempotencyKey: string;
  /** Void, pre-auth void, completion void: the original's amount; refund: the amount given back; completion: the amount taken; reversal: the original's amount. */
  readonly amountMinor: bigint;
  readonly currency: string;
  /** Void and refund, when the card is present: the issuer checks it is the original's card. In memory only. */
  readonly pan?: string;
  readonly acquirer: AcquirerReferences;
}

export interface NetworkPort {
  /** One decision per idempotency key: asking again returns the first answer. */
  authorize(request: AuthorizationRequest): Promise<NetworkResponse>;
  /** One decision per idempotency key, like `authorize`; a reversal is always approved (acknowledged). */
  adjust(request: AdjustmentRequest): Promise<NetworkResponse>;
}
