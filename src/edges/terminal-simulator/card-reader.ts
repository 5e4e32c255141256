import { testCards, testCardTrack2, type TestCardDefinition } from '../../adapters/network/issuer-simulator/index.js';
import { BastionError } from '../../lib/errors/index.js';

/**
 * The card reader and PIN pad of the simulated terminal. The simulator plays the cardholder with
 * the documented test cards only (docs/test-cards.md): their tracks and chip keys are published,
 * so it can read them the way a real reader would. A PAN that is not a test card is refused; the
 * refusal names neither the PAN nor anything derived from it.
 */
export type EntryMethod = 'chip' | 'swipe' | 'contactless';

export const entryMethods: readonly EntryMethod[] = ['chip', 'swipe', 'contactless'];

/** Field 22, first two digits: how the card was read. */
const entryModeDigits: Readonly<Record<EntryMethod, string>> = { chip: '05', swipe: '02', contactless: '07' };

export const PIN_DIGITS_MIN = 4;
export const PIN_DIGITS_MAX = 12;

/** The test card with this profile name or PAN. */
export function findTestCard(profileOrPan: string): TestCardDefinition {
  const card = testCards.find((candidate) => candidate.profile === profileOrPan || candidate.pan === profileOrPan);
  if (card === undefined) {
    throw new BastionError('SIM_ERR_CARD', 'no test card has that profile or PAN: see docs/test-cards.md for the cards the simulator can play', { argument: '--card' });
  }
  return card;
}

export function parseEntryMethod(text: string | undefined, card: TestCardDefinition): EntryMethod {
  const method = text ?? (card.emv === undefined ? 'swipe' : 'chip');
  if (!(entryMethods as readonly string[]).includes(method)) {
    throw new BastionError('SIM_ERR_ARGUMENT', '--entry must be chip, swipe or contactless', { argument: '--entry' });
  }
  if (method !== 'swipe' && card.emv === undefined) {
    throw new BastionError('SIM_ERR_CARD', `test card ${card.profile} has no chip: it can only be swiped`, { argument: '--entry', profile: card.profile });
  }
  return method as EntryMethod;
}

export function assertPin(pin: string): void {
  if (!new RegExp(`^\\d{${PIN_DIGITS_MIN},${PIN_DIGITS_MAX}}$`).test(pin)) {
    throw new BastionError('SIM_ERR_ARGUMENT', `--pin must be ${PIN_DIGITS_MIN} to ${PIN_DIGITS_MAX} digits`, { argument: '--pin' });
  }
}

/** Field 22: entry mode (2 digits) and PIN capability, `1` with a PIN, `2` without. */
export function entryModeField(method: EntryMethod, withPin: boolean): string {
  return `${entryModeDigits[method]}${withPin ? '1' : '2'}`;
}

/** What the reader gives the terminal: track 2 (or, for chip, the chip's track 2 equivalent, tag 57). */
export function readTrack2(card: TestCardDefinition): string {
  return testCardTrack2(card);
}
