import type { Kysely } from 'kysely';
import { PreparedQuery, type ArgumentOf } from '../../../ports/prepared-query.js';
import { BastionError } from '../../../lib/errors/index.js';
import { LocalDateFormatter, TIME_ZONE_DEFAULT } from '../../../domain/terminals/index.js';
import type { HsmPort, KeyUnderLmk } from '../../../ports/hsm.js';
import { entryModeHasCryptogram, networkResponseCodes, type AdjustmentRequest, type AuthorizationRequest, type NetworkPort, type NetworkReason, type NetworkResponse } from '../../../ports/network.js';
import type { Store } from '../../../ports/store.js';
import { assertAdjustmentRequest, adjustmentFingerprint, claimAdjustment, decideAdjustment } from './adjustments.js';
import { answerAuthorizationFromFirst, authorizationByIdempotencyKey, claimAuthorization, completeAuthorization, fingerprintOf, recordDecidedAuthorization, responseOf, type Decision } from './authorization-record.js';
import { AuthenticationAhead, usableFor, type AuthenticatedAhead } from './authentication-ahead.js';
import { advanceAtc, verifyChip, verifyStripe } from './card-authentication.js';
import { CARD_AMOUNT_MINOR_MAX } from './card-definition.js';
import { cardColumns, cardFromRow, type IssuerCard } from './card-row.js';
import { isExpired, statusDeclines } from './card-status.js';
import { debitCard } from './debit.js';
import { COMPLETION_TOLERANCE_PERCENT_DEFAULT, expireStaleHolds, HOLD_LIFETIME_MS_DEFAULT, placeHold, type HoldRules } from './holds.js';
import { withClearTrack } from './encrypted-track.js';
import { newAuthorizationCode, newIssuerReference } from './ids.js';
import { loadIssuerKeys, type IssuerKeys } from './issuer-keys.js';
import { checkPin } from './pin-check.js';
import { assertAuthorizationRequest } from './request-checks.js';
import type { IssuerTables } from './tables.js';

export interface IssuerSimulatorOptions {
  readonly store: Store;
  readonly hsm: HsmPort;
  /** Epoch milliseconds; tests and the simulator control time through it. */
  readonly clock?: () => bigint;
  /** The issuer's business day (expiry, daily limits), an IANA zone; Asia/Shanghai by default. */
  readonly timeZone?: string;
  /** How long a pre-authorisation's hold lives (HOLD_LIFETIME_MS_DEFAULT, 30 days). */
  readonly holdLifetimeMs?: bigint;
  /** How far a completion may exceed its hold, in percent (COMPLETION_TOLERANCE_PERCENT_DEFAULT, 15). */
  readonly completionTolerancePercent?: bigint;
}

/** Thrown inside an authorization's transaction when another request holds its key: rolls back all it did. */
class KeyHeldElsewhere extends Error {}

/** The statements of every decision on a card: built and compiled once. */
const cardByPanHash = new PreparedQuery((db: Kysely<IssuerTables>, arg: ArgumentOf<{ panHash: Buffer }>) =>
  db.selectFrom('issuer_cards').select(cardColumns).where('pan_hash', '=', arg('panHash')),
);
const availableBalance = new PreparedQuery((db: Kysely<IssuerTables>, arg: ArgumentOf<{ cardId: string }>) =>
  db.selectFrom('issuer_cards').select(['balance_minor', 'held_minor']).where('id', '=', arg('cardId')),
);

/** The kinds the simulator answers; the rest of the port's kinds are declined 40 for now. */
const answeredKinds: ReadonlySet<string> = new Set(['sale', 'balance-inquiry', 'pre-auth']);

/**
 * The built-in issuer: the default NetworkPort. It keeps card accounts in its own tables, checks
 * PIN, CVV and ARQC through the HSM with its own keys, and moves money with conditional UPDATEs.
 * Each request is decided in one database transaction that records the decision under its
 * idempotency key together with every effect of it, so a retry gets the first answer and money
 * moves once: a sale, balance inquiry or refused kind inserts its decided row last, and a key
 * already held rolls all of it back; a pre-auth and an adjustment claim their key first.
 *
 * The checks, in order (the first that fails answers; docs/network.md has the table):
 * kind handled → an enciphered track deciphers to this PAN and expiry → card known → not expired → status active → the card is genuine (chip ARQC, or
 * the stripe's CVV) → PIN, when one was entered → amount and currency → daily limit and funds.
 * The card is authenticated before its PIN is checked, so that a copied stripe or a replayed
 * cryptogram can neither learn whether a PIN is right nor use up the cardholder's PIN tries.
 */
export class IssuerSimulator implements NetworkPort {
  private readonly db: Kysely<IssuerTables>;
  private readonly store: Store;
  private readonly hsm: HsmPort;
  private readonly clock: () => bigint;
  private readonly days: LocalDateFormatter;
  private readonly holdRules: HoldRules;
  private readonly ahead: AuthenticationAhead;

  private constructor(
    options: IssuerSimulatorOptions,
    private readonly keys: IssuerKeys,
  ) {
    this.store = options.store;
    this.db = options.store.db<IssuerTables>();
    this.hsm = options.hsm;
    this.clock = options.clock ?? (() => BigInt(Date.now()));
    this.days = new LocalDateFormatter(options.timeZone ?? TIME_ZONE_DEFAULT);
    this.ahead = new AuthenticationAhead(this.hsm, keys);
    this.holdRules = { holdLifetimeMs: options.holdLifetimeMs ?? HOLD_LIFETIME_MS_DEFAULT, completionTolerancePercent: options.completionTolerancePercent ?? COMPLETION_TOLERANCE_PERCENT_DEFAULT };
    if (this.holdRules.holdLifetimeMs <= 0n || this.holdRules.completionTolerancePercent < 0n) throw new BastionError('ISSUER_ERR_REQUEST', 'the hold lifetime must be positive and the completion tolerance 0 or more', { argument: 'holdLifetimeMs' });
  }

  /**
   * Ends the holds whose expiry has passed (at most EXPIRE_HOLDS_BATCH_MAX per call; returns how
   * many): the money they held is available again. A completion also finds a stale hold
   * expired on its own, so the sweep only frees available balance sooner.
   */
  async expireHolds(nowMs: bigint = this.clock()): Promise<number> {
    return this.db.transaction().execute((trx) => expireStaleHolds(trx, nowMs));
  }

  /** The simulator over a seeded store; ISSUER_ERR_NOT_SEEDED before `bastion cards seed`. */
  static async open(options: IssuerSimulatorOptions): Promise<IssuerSimulator> {
    return new IssuerSimulator(options, await loadIssuerKeys(options.store.db<IssuerTables>()));
  }

  /**
   * The zone PIN key this issuer shares with the acquirer: the host translates terminal PIN
   * blocks to it. Under the same LMK, as if the two sides had exchanged it as components.
   */
  zonePinKey(): KeyUnderLmk {
    return this.keys.zpk;
  }

  /**
   * The zone data key this issuer shares with the acquirer: the host re-enciphers terminals'
   * tracks from their TDK to it, and only this side deciphers them (HsmPort.decryptTrackData).
   */
  zoneDataKey(): KeyUnderLmk {
    return this.keys.zek;
  }

  async authorize(request: AuthorizationRequest): Promise<NetworkResponse> {
    assertAuthorizationRequest(request);
    const panHash = await this.hsm.panLookupHash(this.keys.panLookup, request.pan);
    const fingerprint = fingerprintOf(request, panHash);
    const issuerReference = newIssuerReference();
    // Deciphered before the transaction (an HSM call holds no row); undefined is a bad track.
    const readable = await withClearTrack(this.hsm, this.keys.zek, request);
    // The cryptogram and PIN checks, before the transaction where they can be (authentication-ahead.ts).
    const ahead = readable !== undefined && answeredKinds.has(request.kind) ? await this.ahead.authenticate(readable, panHash) : undefined;
    const decideOn = (trx: Kysely<IssuerTables>, nowMs: bigint): Promise<Decision> | Decision =>
      readable === undefined && answeredKinds.has(request.kind) ? { reason: 'invalid-card' } : this.decide(trx, readable ?? request, panHash, nowMs, ahead);
    if (request.kind === 'pre-auth') {
      // A pre-auth's hold is stored under its key too (a unique column): it claims the key before anything else.
      return this.store.transact<IssuerTables, NetworkResponse>(async (trx) => {
        const nowMs = this.clock();
        const claim = await claimAuthorization(trx, request, issuerReference, fingerprint, nowMs);
        if (!claim.claimed) return claim.response;
        const decision = await decideOn(trx, nowMs);
        await completeAuthorization(trx, issuerReference, decision, nowMs);
        return responseOf(issuerReference, decision);
      });
    }
    try {
      return await this.store.transact<IssuerTables, NetworkResponse>(async (trx) => {
        const nowMs = this.clock();
        const decision = await decideOn(trx, nowMs);
        // One insert of the decided row instead of a pending claim and its completion: still safe, because the row and every effect of the decision commit together or not at all — a key already held (a retry, a reversal's tombstone; on PostgreSQL after its transaction commits) rolls this one back below.
        if (await recordDecidedAuthorization(trx, request, { issuerReference, fingerprint, kind: request.kind, entryMode: request.entryMode, nowMs }, decision)) return responseOf(issuerReference, decision);
        throw new KeyHeldElsewhere();
      });
    } catch (error) {
      // Nothing of this attempt was committed. The request that holds the key answers, as a claim
      // made first would have found it — also when deciding again failed (a retry must get the first answer).
      const first = await authorizationByIdempotencyKey(this.db, request.idempotencyKey).catch(() => undefined);
      if (first !== undefined) return answerAuthorizationFromFirst(first, fingerprint).response;
      if (error instanceof KeyHeldElsewhere) throw new BastionError('ISSUER_ERR_CORRUPT', 'an idempotency key is taken but its row is not there', { issuerReference });
      throw error;
    }
  }

  /**
   * A void, refund or reversal of an earlier authorization (adjustments.ts), decided in one
   * transaction that claims its own key first, like `authorize`.
   */
  async adjust(request: AdjustmentRequest): Promise<NetworkResponse> {
    assertAdjustmentRequest(request);
    const panHash = request.pan === undefined ? undefined : await this.hsm.panLookupHash(this.keys.panLookup, request.pan);
    const fingerprint = adjustmentFingerprint(request, panHash);
    const issuerReference = newIssuerReference();
    return this.store.transact<IssuerTables, NetworkResponse>(async (trx) => {
      const nowMs = this.clock();
      const claim = await claimAdjustment(trx, request, issuerReference, fingerprint, nowMs);
      if (!claim.claimed) return claim.response;
      const decision = await decideAdjustment(trx, request, panHash, nowMs, this.holdRules);
      await completeAuthorization(trx, issuerReference, decision, nowMs);
      return responseOf(issuerReference, decision);
    });
  }

  /** `ahead`: the card's checks made before the transaction, used only if made on this row's verification data. */
  private async decide(trx: Kysely<IssuerTables>, request: AuthorizationRequest, panHash: Buffer, nowMs: bigint, ahead?: AuthenticatedAhead): Promise<Decision> {
    if (!answeredKinds.has(request.kind)) return { reason: 'function-not-supported' };
    const row = await cardByPanHash.first(trx, { panHash });
    if (row === undefined) return { reason: 'invalid-card' };
    const card = cardFromRow(row);
    const verified = usableFor(ahead, this.ahead.remember(panHash, card));
    const today = this.days.localDate(nowMs);
    const decline = (reason: NetworkReason): Decision => ({ reason, cardId: card.id });
    if (request.expiry !== card.expiry || isExpired(card.expiry, today)) return decline('expired-card');
    if (card.status !== 'active') return decline(statusDeclines[card.status]);

    // Is the card genuine? Only then does anything about it count, PIN tries included.
    let answerChip: ((responseCode: string) => Promise<{ arpc: Buffer; arc: Buffer }>) | undefined;
    let atc: bigint | undefined;
    if (entryModeHasCryptogram(request.entryMode)) {
      const chip = await verifyChip(this.hsm, this.keys, card, request, verified?.chip);
      if (!chip.ok) return decline('cryptogram-failure');
      answerChip = chip.arpcFor;
      atc = chip.atc;
    } else if (!(verified?.stripe ?? (await verifyStripe(this.hsm, this.keys, card, request)))) {
      return decline('cvv-failure');
    }
    const decided = await this.decideForGenuineCard(trx, card, request, today, nowMs, atc, verified?.pinRight);
    // A cryptogram found replayed only now (a copy raced it) is answered as one found at once: without an ARPC.
    if (answerChip === undefined || decided.reason === 'cryptogram-failure') return decided;
    // From here every answer to a chip card carries an ARPC, so the card can trust it.
    return { ...decided, ...(await answerChip(networkResponseCodes[decided.reason])) };
  }

  /**
   * The decision once the card is genuine. A chip card's verified `atc` becomes its high-water
   * mark before anything else is written or answered (`takeAtc`; a sale's debit takes it in the
   * same UPDATE): if a copy of the cryptogram got there first, the answer is 34 and nothing of this
   * request is written, no PIN try included.
   */
  private async decideForGenuineCard(trx: Kysely<IssuerTables>, card: IssuerCard, request: AuthorizationRequest, today: string, nowMs: bigint, atc: bigint | undefined, pinRight: boolean | undefined): Promise<Decision> {
    const decline = (reason: NetworkReason): Decision => ({ reason, cardId: card.id });
    const replayed = decline('cryptogram-failure');
    let atcToTake = atc;
    const takeAtc = async (): Promise<boolean> => {
      if (atcToTake === undefined) return true;
      const taking = atcToTake;
      atcToTake = undefined;
      return advanceAtc(trx, card.id, taking, nowMs);
    };
    const answer = async (decision: Decision): Promise<Decision> => ((await takeAtc()) ? decision : replayed);
    if (request.pinData !== undefined) {
      const pin = await checkPin(trx, this.hsm, this.keys, card, request.pan, request.pinData, nowMs, takeAtc, pinRight);
      if (pin === 'refused-before-write') return replayed;
      if (pin !== 'right') return answer(decline(pin));
    }
    if (request.currency !== card.currency) return answer(decline('transaction-not-permitted'));
    if (request.kind === 'balance-inquiry') {
      if (request.amountMinor !== 0n) return answer(decline('invalid-amount'));
      if (!(await takeAtc())) return replayed;
      // The available balance: what active pre-authorisation holds promise is not available.
      const now = await availableBalance.first(trx, { cardId: card.id });
      if (now === undefined) throw new BastionError('ISSUER_ERR_CORRUPT', 'a card read in this transaction is not there', { cardId: card.id });
      return { reason: 'approved', cardId: card.id, authorizationCode: newAuthorizationCode(), balanceMinor: now.balance_minor - now.held_minor, currency: card.currency };
    }
    if (request.amountMinor <= 0n || request.amountMinor > CARD_AMOUNT_MINOR_MAX) return answer(decline('invalid-amount'));
    if (request.kind === 'pre-auth') {
      if (!(await takeAtc())) return replayed;
      return placeHold(trx, { cardId: card.id, preauthKey: request.idempotencyKey, amountMinor: request.amountMinor, currency: card.currency, nowMs, rules: this.holdRules });
    }
    const debit = await debitCard(trx, card.id, request.amountMinor, today, nowMs, atcToTake);
    atcToTake = undefined;
    if (!debit.ok) return debit.reason === 'atc-replayed' ? replayed : decline(debit.reason);
    return { reason: 'approved', cardId: card.id, authorizationCode: newAuthorizationCode() };
  }
}
