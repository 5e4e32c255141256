import type { Kysely } from 'kysely';
import { PinBlockCipher, generateKey, splitKey } from '../../../lib/crypto/index.js';
import { BastionError } from '../../../lib/errors/index.js';
import type { HsmPort, KeyUnderLmk } from '../../../ports/hsm.js';
import type { Store } from '../../../ports/store.js';
import { assertCardDefinition, maskPan } from './card-definition.js';
import { newCardId } from './ids.js';
import { ensureIssuerKeys, type CreatedIssuerKey, type IssuerKeys } from './issuer-keys.js';
import { testCards, type TestCardDefinition } from './seed-cards.js';
import type { IssuerCardsTable, IssuerTables } from './tables.js';

/** Cards one seed run takes at most: the documented set is a dozen; this bounds a caller's own list. */
export const SEED_CARDS_MAX = 1000;
const shownDigitsLeft = 6;
const shownDigitsRight = 4;
/** Format 0 binds the PAN, as the PIN blocks the issuer will later verify do. */
const seedPinBlockFormat = 0;

export interface SeedOptions {
  readonly store: Store;
  readonly hsm: HsmPort;
  /** Epoch milliseconds. */
  readonly clock?: () => bigint;
  /** Defaults to the documented `testCards`. */
  readonly cards?: readonly TestCardDefinition[];
  /**
   * Put cards that exist back as their definition says: balance, limits, status, PIN tries,
   * today's spend and the ATC high-water mark. Without it, existing cards are left alone.
   */
  readonly reset?: boolean;
}

export interface SeededCard {
  readonly profile: string;
  readonly maskedPan: string;
  readonly outcome: 'created' | 'existing' | 'reset';
}

export interface SeedResult {
  /** Keys this run created (none when the simulator was seeded before). */
  readonly keysCreated: readonly CreatedIssuerKey[];
  /** The zone PIN key the acquirer must share, by its check value. */
  readonly zpkKcv: Buffer;
  readonly cards: readonly SeededCard[];
}

/**
 * Seeds the issuer simulator: its keys (the published test IMK-AC, PVK and CVK, a fresh ZPK,
 * ZEK, DEK and HASH key) and the test cards. Idempotent: a PAN is one account (unique look-up hash),
 * so seeding twice, or two seeders at once, adds nothing. The PIN becomes a PVV the way a real
 * issuer's PIN mailer flow does it: the seed enciphers the test PIN under a one-off PIN key only
 * it has seen in clear, and the HSM derives the PVV from that block.
 */
export async function seedIssuerSimulator(options: SeedOptions): Promise<SeedResult> {
  const cards = options.cards ?? testCards;
  if (cards.length > SEED_CARDS_MAX) throw new BastionError('ISSUER_ERR_CARD', `a seed takes at most ${SEED_CARDS_MAX} cards`, { argument: 'cards' });
  cards.forEach(assertCardDefinition);
  const profiles = new Set(cards.map((card) => card.profile));
  if (profiles.size !== cards.length) throw new BastionError('ISSUER_ERR_CARD', 'two card definitions share a profile name', { argument: 'profile' });

  const clock = options.clock ?? (() => BigInt(Date.now()));
  const db = options.store.db<IssuerTables>();
  const { keys, created } = await ensureIssuerKeys(db, options.hsm, clock);
  const pinKey = await OneOffPinKey.create(options.hsm);
  try {
    const seeded: SeededCard[] = [];
    for (const card of cards) seeded.push(await seedCard(db, options.hsm, keys, pinKey, card, clock(), options.reset === true));
    return { keysCreated: created, zpkKcv: keys.zpk.kcv, cards: seeded };
  } finally {
    pinKey.destroy();
  }
}

/** The columns a definition sets, for a new card and for a reset one. */
function definedColumns(card: TestCardDefinition, pvv: string, nowMs: bigint): Omit<IssuerCardsTable, 'id' | 'held_minor' | 'pan_hash' | 'pan_ciphertext' | 'pan_iv' | 'pan_tag' | 'bin6' | 'last4' | 'pan_length' | 'created_at_ms'> {
  return {
    profile: card.profile,
    expiry: card.expiry,
    service_code: card.serviceCode,
    currency: card.currency,
    status: card.status,
    pvki: card.pvki,
    pvv,
    pin_tries_used: 0n,
    balance_minor: card.balanceMinor,
    daily_limit_minor: card.dailyLimitMinor,
    spent_today_minor: 0n,
    spend_day: '',
    emv_psn: card.emv?.psn ?? null,
    emv_master_key_option: card.emv?.masterKeyOption ?? null,
    emv_session_key: card.emv?.sessionKey ?? null,
    emv_padding: card.emv === undefined ? null : BigInt(card.emv.padding),
    atc_high_water: 0n,
    updated_at_ms: nowMs,
  };
}

async function seedCard(
  db: Kysely<IssuerTables>,
  hsm: HsmPort,
  keys: IssuerKeys,
  pinKey: OneOffPinKey,
  card: TestCardDefinition,
  nowMs: bigint,
  reset: boolean,
): Promise<SeededCard> {
  const panHash = await hsm.panLookupHash(keys.panLookup, card.pan);
  const maskedPan = maskPan(card.pan.slice(0, shownDigitsLeft), card.pan.slice(-shownDigitsRight), card.pan.length);
  const existing = await db.selectFrom('issuer_cards').select('id').where('pan_hash', '=', panHash).executeTakeFirst();
  if (existing !== undefined && !reset) return { profile: card.profile, maskedPan, outcome: 'existing' };
  const pvv = await hsm.generatePvvFromPinBlock({ pinKey: pinKey.underLmk, pvk: keys.pvk, format: seedPinBlockFormat, pan: card.pan, pinBlock: pinKey.pinBlock(card), pvki: card.pvki });
  if (existing !== undefined) {
    await db.updateTable('issuer_cards').set(definedColumns(card, pvv, nowMs)).where('id', '=', existing.id).execute();
    return { profile: card.profile, maskedPan, outcome: 'reset' };
  }
  const sealed = await hsm.encryptPan(keys.panEncryption, card.pan);
  const inserted = await db
    .insertInto('issuer_cards')
    .values({
      id: newCardId(),
      pan_hash: panHash,
      pan_ciphertext: sealed.ciphertext,
      pan_iv: sealed.iv,
      pan_tag: sealed.tag,
      bin6: card.pan.slice(0, shownDigitsLeft),
      last4: card.pan.slice(-shownDigitsRight),
      pan_length: BigInt(card.pan.length),
      created_at_ms: nowMs,
      ...definedColumns(card, pvv, nowMs),
    })
    .onConflict((conflict) => conflict.column('pan_hash').doNothing())
    .returning('id')
    .executeTakeFirst();
  // Another seeder inserted the same PAN between the look-up and the insert: it is there.
  return { profile: card.profile, maskedPan, outcome: inserted === undefined ? 'existing' : 'created' };
}

/**
 * A PIN key made for one seed run: its clear value exists only in this object (to build the
 * test PINs' blocks, as the cardholder's side would) and in the HSM, which received it as two
 * components. Wiped when the run ends; never stored.
 */
class OneOffPinKey {
  private constructor(
    readonly underLmk: KeyUnderLmk,
    private readonly clear: Buffer,
    private readonly cipher: PinBlockCipher,
  ) {}

  static async create(hsm: HsmPort): Promise<OneOffPinKey> {
    const { key } = generateKey('tdes', 16);
    const components = splitKey('tdes', key, 2).map((component) => component.key);
    const underLmk = await hsm.importKeyFromComponents({ type: 'PIK', algorithm: 'tdes-2key', components });
    components.forEach((component) => component.fill(0));
    return new OneOffPinKey(underLmk, key, new PinBlockCipher(seedPinBlockFormat, key));
  }

  pinBlock(card: TestCardDefinition): Buffer {
    return this.cipher.encrypt(card.testPin, card.pan);
  }

  destroy(): void {
    this.clear.fill(0);
  }
}
