import { EpochCache } from '../../../lib/cache/index.js';
import type { HsmPort } from '../../../ports/hsm.js';
import { entryModeHasCryptogram, type AuthorizationRequest } from '../../../ports/network.js';
import { verifyCryptogram, verifyStripe, type ChipVerdict } from './card-authentication.js';
import type { IssuerCard } from './card-row.js';
import type { IssuerKeys } from './issuer-keys.js';
import { pinBlocked, pinMatches } from './pin-check.js';

/** Cards whose verification data is remembered; the least recently used are forgotten first. */
export const CARDS_REMEMBERED_MAX = 10_000;

/** What a card's authentication reads of its row: the cryptogram, CVV and PIN checks depend on nothing else of it. */
export type VerificationData = Pick<IssuerCard, 'id' | 'expiry' | 'serviceCode' | 'pvki' | 'pvv' | 'status' | 'pinTriesUsed' | 'emv'>;

/** The checks' inputs as one string, to compare a remembered card with the row read in the transaction. */
function verificationDataOf(card: VerificationData): string {
  const emv = card.emv;
  return [card.id, card.expiry, card.serviceCode, card.pvki, card.pvv, emv?.psn, emv?.masterKeyOption, emv?.sessionKey, emv?.padding].join('|');
}

/**
 * A card's authentication done before its transaction: the cryptogram (or the stripe's CVV) and,
 * only when that verified, the PIN — each a pure function of the request, the issuer's keys and
 * `verifiedOn`, the card's verification data they were checked against.
 */
export interface AuthenticatedAhead {
  readonly verifiedOn: string;
  readonly chip?: ChipVerdict;
  readonly stripe?: boolean;
  readonly pinRight?: boolean;
}

/**
 * The HSM work of a decision, taken out of its database transaction. On SQLite a transaction holds
 * the database's one write lock (with host threads, every thread's: `SharedWriteTurn`), so what
 * runs inside it should be the reads and writes alone; the ARQC check and the PIN check were most
 * of the rest.
 *
 * Each card's verification data (EMV profile, PVKI and PVV, expiry, service code) is remembered
 * from the last transaction that read its row, by the PAN's keyed look-up hash. A request for a
 * card seen before is authenticated against that data before its transaction begins. The
 * transaction reads the row as ever and uses these verdicts only if the row's verification data is
 * still the same (`usableFor`); otherwise (a card seen for the first time, a PIN or profile changed
 * since) the transaction checks as it always did. So a verdict is the one the transaction would
 * have reached itself, and what depends on the row as it is now — status, the PIN try counter, the
 * ATC's freshness, the balance — is still decided in the transaction.
 *
 * The order of the checks holds: the PIN is checked only after the cryptogram or CVV verified,
 * and a verdict that is not used counts nothing. A remembered card is a hint: nothing is decided
 * on it alone, and it never leaves this process.
 */
export class AuthenticationAhead {
  // A constant epoch: the entries never go stale by themselves (the transaction compares them), so this is a plain LRU.
  readonly #cards = new EpochCache<string, { readonly card: VerificationData; readonly verifiedOn: string }>(CARDS_REMEMBERED_MAX);

  constructor(
    private readonly hsm: HsmPort,
    private readonly keys: IssuerKeys,
  ) {}

  /**
   * Remembers the verification data of a card row read in a transaction, and returns it as the
   * string to compare verdicts made ahead with (`usableFor`).
   */
  remember(panHash: Buffer, card: VerificationData): string {
    const { id, expiry, serviceCode, pvki, pvv, status, pinTriesUsed, emv } = card;
    const verifiedOn = verificationDataOf(card);
    this.#cards.set(panHash.toString('base64'), { card: { id, expiry, serviceCode, pvki, pvv, status, pinTriesUsed, ...(emv === undefined ? {} : { emv }) }, verifiedOn }, 0, 0);
    return verifiedOn;
  }

  /**
   * The card's authentication against its remembered data, or undefined when there is nothing
   * to do ahead: a card not seen yet, or one the transaction will decline before authenticating
   * it (another expiry, not active).
   */
  async authenticate(request: AuthorizationRequest, panHash: Buffer): Promise<AuthenticatedAhead | undefined> {
    const remembered = this.#cards.get(panHash.toString('base64'), 0);
    if (remembered === undefined) return undefined;
    const { card, verifiedOn } = remembered;
    if (request.expiry !== card.expiry || card.status !== 'active') return undefined;
    if (entryModeHasCryptogram(request.entryMode)) {
      const chip = await verifyCryptogram(this.hsm, this.keys, card, request);
      return chip.ok ? { verifiedOn, chip, ...(await this.#pin(request, card)) } : { verifiedOn, chip };
    }
    const stripe = await verifyStripe(this.hsm, this.keys, card, request);
    return stripe ? { verifiedOn, stripe, ...(await this.#pin(request, card)) } : { verifiedOn, stripe };
  }

  async #pin(request: AuthorizationRequest, card: VerificationData): Promise<{ pinRight?: boolean }> {
    // A PIN already blocked is answered 75 in the transaction without a check.
    if (request.pinData === undefined || pinBlocked(card)) return {};
    return { pinRight: await pinMatches(this.hsm, this.keys, card, request.pan, request.pinData) };
  }
}

/** The verdicts made ahead, if they were made on `verifiedOn`, the card's verification data as the transaction read it (`remember`). */
export function usableFor(ahead: AuthenticatedAhead | undefined, verifiedOn: string): AuthenticatedAhead | undefined {
  return ahead?.verifiedOn === verifiedOn ? ahead : undefined;
}
