import { isLuhnValid } from '../../../lib/crypto/index.js';
import { BastionError } from '../../../lib/errors/index.js';
import { emvSessionKeyMethods, type TestCardDefinition } from './seed-cards.js';
import { cardStatuses } from './tables.js';

/** Bounds of a card account, so a definition can't hold what a bigint column or field 4 can't. */
export const CARD_AMOUNT_MINOR_MAX = 999_999_999_999n;
const profilePattern = /^[a-z0-9][a-z0-9-]{0,47}$/;

function invalid(profile: string, what: string, argument: string): BastionError {
  return new BastionError('ISSUER_ERR_CARD', `the card definition ${profilePattern.test(profile) ? profile : '(unnamed)'} is invalid: ${what}`, { argument });
}

/** Checks a card definition before it is seeded; the message names the field, never the PAN or PIN. */
export function assertCardDefinition(card: TestCardDefinition): void {
  const { profile } = card;
  if (!profilePattern.test(profile)) throw invalid(profile, 'the profile is 1 to 48 lower-case letters, digits and -', 'profile');
  if (!/^[0-9]{12,19}$/.test(card.pan) || !isLuhnValid(card.pan)) throw invalid(profile, 'the PAN must be 12 to 19 digits with a valid Luhn check digit', 'pan');
  if (!/^[0-9]{2}(0[1-9]|1[0-2])$/.test(card.expiry)) throw invalid(profile, 'the expiry must be YYMM with a month from 01 to 12', 'expiry');
  if (!/^[0-9]{3}$/.test(card.serviceCode)) throw invalid(profile, 'the service code must be 3 digits', 'serviceCode');
  if (!/^[0-9]{4,12}$/.test(card.testPin)) throw invalid(profile, 'the test PIN must be 4 to 12 digits', 'testPin');
  if (!/^[0-9]$/.test(card.pvki)) throw invalid(profile, 'the PVKI must be one digit', 'pvki');
  if (!(cardStatuses as readonly string[]).includes(card.status)) throw invalid(profile, `the status must be one of ${cardStatuses.join(', ')}`, 'status');
  if (!/^[0-9]{3}$/.test(card.currency)) throw invalid(profile, 'the currency must be an ISO 4217 numeric code of 3 digits', 'currency');
  for (const [argument, amount] of [['balanceMinor', card.balanceMinor], ['dailyLimitMinor', card.dailyLimitMinor]] as const) {
    if (typeof amount !== 'bigint' || amount < 0n || amount > CARD_AMOUNT_MINOR_MAX) throw invalid(profile, `${argument} must be a bigint from 0 to ${CARD_AMOUNT_MINOR_MAX}`, argument);
  }
  const emv = card.emv;
  if (emv !== undefined) {
    if (!/^[0-9]{2}$/.test(emv.psn)) throw invalid(profile, 'the PAN sequence number must be 2 digits', 'emv.psn');
    if ((emv.masterKeyOption as string) !== 'A' && (emv.masterKeyOption as string) !== 'B') throw invalid(profile, 'the ICC master key option must be A or B', 'emv.masterKeyOption');
    if (!emvSessionKeyMethods.includes(emv.sessionKey)) throw invalid(profile, `the session key must be one of ${emvSessionKeyMethods.join(', ')}`, 'emv.sessionKey');
    if ((emv.padding as number) !== 1 && (emv.padding as number) !== 2) throw invalid(profile, 'the cryptogram padding must be 1 or 2', 'emv.padding');
  }
}

/** What a person may see of a PAN: the first 6 and last 4 digits. */
export function maskPan(bin6: string, last4: string, length: number): string {
  return `${bin6}${'*'.repeat(Math.max(0, length - bin6.length - last4.length))}${last4}`;
}
