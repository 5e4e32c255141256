import { BastionError } from '../../../lib/errors/index.js';
import type { CardStatus } from './tables.js';

/**
 * The documented test cards (`docs/test-cards.md`) that `bastion cards seed` creates, exported
 * for the terminal simulator and end-to-end tests. Every PAN passes Luhn and sits in the test
 * BIN 621234; every PIN is a test PIN that exists only here and in the documentation (the issuer
 * stores its PVV). Nothing here belongs near a real card.
 */

/** How a chip card computes its cryptograms. */
export interface EmvProfile {
  /** PAN sequence number, two digits (tag 5F34). */
  readonly psn: string;
  /** ICC master key derivation, EMV Book 2 A1.4: option B for PANs longer than 16 digits. */
  readonly masterKeyOption: 'A' | 'B';
  /**
   * Session key: `common` (EMV common session key, R = ATC || zeros, as the CCD and UnionPay
   * cards use), `common-un` (R = ATC || 00 00 || unpredictable number, as Mastercard M/Chip
   * does), `none` (the ICC master key itself, as Visa CVN 10 does).
   */
  readonly sessionKey: EmvSessionKeyMethod;
  /** ISO 9797-1 padding of the cryptogram MAC: 2 for CCD / M/Chip, 1 for Visa CVN 10. */
  readonly padding: 1 | 2;
}

export type EmvSessionKeyMethod = 'common' | 'common-un' | 'none';

export const emvSessionKeyMethods: readonly EmvSessionKeyMethod[] = ['common', 'common-un', 'none'];

export interface TestCardDefinition {
  /** A stable name, also stored with the card (`approve-chip-pin` …). */
  readonly profile: string;
  /** What the card is for, one line. */
  readonly purpose: string;
  readonly pan: string;
  /** YYMM. */
  readonly expiry: string;
  readonly serviceCode: string;
  /** The test PIN (the simulator playing the cardholder types it). */
  readonly testPin: string;
  /** PIN verification key index, one digit. */
  readonly pvki: string;
  readonly status: CardStatus;
  /** ISO 4217 numeric. */
  readonly currency: string;
  readonly balanceMinor: bigint;
  readonly dailyLimitMinor: bigint;
  /** Chip cards only. */
  readonly emv?: EmvProfile;
}

const validThrough = '3112';
const expiredSince = '2212';
const cny = '156';
const ccd: EmvProfile = { psn: '01', masterKeyOption: 'A', sessionKey: 'common', padding: 2 };
/** ¥100,000.00 and ¥50,000.00 a day: enough that only the cards meant to decline for money do. */
const ample = { balanceMinor: 10_000_000n, dailyLimitMinor: 5_000_000n } as const;
const chipWithPin = { serviceCode: '220', pvki: '1', currency: cny, emv: ccd } as const;

export const testCards: readonly TestCardDefinition[] = [
  { profile: 'approve-chip-pin', purpose: 'chip and PIN sale approved; ARPC returned', pan: '6212340000000019', expiry: validThrough, testPin: '1234', status: 'active', ...chipWithPin, ...ample },
  {
    profile: 'approve-magstripe',
    purpose: 'stripe-only card: swipe and PIN approved after the track 2 CVV verifies',
    pan: '6212340000000027',
    expiry: validThrough,
    serviceCode: '101',
    testPin: '1234',
    pvki: '1',
    status: 'active',
    currency: cny,
    ...ample,
  },
  {
    profile: 'chip-no-pin',
    purpose: 'chip sale without a PIN (no-CVM or signature) approved',
    pan: '6212340000000035',
    expiry: validThrough,
    testPin: '1234',
    status: 'active',
    ...chipWithPin,
    serviceCode: '201',
    ...ample,
  },
  {
    profile: 'insufficient-funds',
    purpose: 'holds ¥10.00: a larger sale is declined 51',
    pan: '6212340000000043',
    expiry: validThrough,
    testPin: '1234',
    status: 'active',
    ...chipWithPin,
    balanceMinor: 1_000n,
    dailyLimitMinor: 5_000_000n,
  },
  { profile: 'expired', purpose: 'expired December 2022: declined 54', pan: '6212340000000050', expiry: expiredSince, testPin: '1234', status: 'active', ...chipWithPin, ...ample },
  { profile: 'lost', purpose: 'reported lost: declined 41', pan: '6212340000000068', expiry: validThrough, testPin: '1234', status: 'lost', ...chipWithPin, ...ample },
  { profile: 'stolen', purpose: 'reported stolen: declined 43', pan: '6212340000000076', expiry: validThrough, testPin: '1234', status: 'stolen', ...chipWithPin, ...ample },
  { profile: 'restricted', purpose: 'blocked by the issuer: declined 62', pan: '6212340000000084', expiry: validThrough, testPin: '1234', status: 'blocked', ...chipWithPin, ...ample },
  {
    profile: 'pin-to-block',
    purpose: 'for wrong-PIN tests: 55, 55, then 75 on the third wrong PIN, and 75 afterwards even with the right PIN',
    pan: '6212340000000092',
    expiry: validThrough,
    testPin: '2468',
    status: 'active',
    ...chipWithPin,
    ...ample,
  },
  {
    profile: 'low-daily-limit',
    purpose: 'may spend ¥100.00 a day: beyond that declined 61',
    pan: '6212340000000100',
    expiry: validThrough,
    testPin: '1234',
    status: 'active',
    ...chipWithPin,
    balanceMinor: 10_000_000n,
    dailyLimitMinor: 10_000n,
  },
  {
    profile: 'long-pan-option-b',
    purpose: '19-digit PAN: ICC master key by option B',
    pan: '6212340000000000012',
    expiry: validThrough,
    testPin: '1234',
    status: 'active',
    ...chipWithPin,
    emv: { psn: '00', masterKeyOption: 'B', sessionKey: 'common', padding: 2 },
    ...ample,
  },
  {
    profile: 'chip-mchip-style',
    purpose: 'session key with the unpredictable number (as M/Chip)',
    pan: '6212340000000118',
    expiry: validThrough,
    testPin: '1234',
    status: 'active',
    ...chipWithPin,
    emv: { psn: '01', masterKeyOption: 'A', sessionKey: 'common-un', padding: 2 },
    ...ample,
  },
  {
    profile: 'chip-cvn10-style',
    purpose: 'no session key, padding method 1 (as Visa CVN 10)',
    pan: '6212340000000126',
    expiry: validThrough,
    testPin: '1234',
    status: 'active',
    ...chipWithPin,
    emv: { psn: '01', masterKeyOption: 'A', sessionKey: 'none', padding: 1 },
    ...ample,
  },
];

/** The test card with this profile name; throws for a name that is not in the list (a test's typo). */
export function testCard(profile: string): TestCardDefinition {
  const card = testCards.find((candidate) => candidate.profile === profile);
  if (card === undefined) throw new BastionError('ISSUER_ERR_CARD', `no test card has the profile ${profile}`, { argument: 'profile' });
  return card;
}
