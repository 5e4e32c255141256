import { randomBytes } from 'node:crypto';
import { encryptEcb, PinBlockCipher } from '../../../lib/crypto/index.js';
import type { HsmPort, KeyUnderLmk } from '../../../ports/hsm.js';
import type { AuthorizationKind, AuthorizationRequest, EntryMode, NetworkPinData } from '../../../ports/network.js';
import type { Store } from '../../../ports/store.js';
import { loadKey, testHsm } from '../../hsm/test-hsm.js';
import type { TestDatabase } from '../../store/test-databases.js';
import { testCardTrack2, testOnlyArqc } from './card-side.js';
import { IssuerSimulator } from './issuer-simulator.js';
import { issuerSimulatorMigrations } from './migrations.js';
import { seedIssuerSimulator } from './seed.js';
import type { TestCardDefinition } from './seed-cards.js';

/**
 * Test support (left out of the build): a seeded issuer simulator on a fresh store, a terminal
 * PIN key known in clear (the terminal side), and requests built the way the host will build
 * them — the PIN block enciphered under the PIK and translated to the issuer's ZPK inside the
 * HSM, the ARQC computed by the card side from the published test keys.
 */

/** 2026-05-15 12:00 in Shanghai: every test card but `expired` is valid. */
export const TEST_NOW_MS = BigInt(Date.UTC(2026, 4, 15, 4, 0, 0));

export interface TestClock {
  readonly now: () => bigint;
  set(ms: bigint): void;
  advance(ms: bigint): void;
}

export function testClock(startMs: bigint = TEST_NOW_MS): TestClock {
  let nowMs = startMs;
  return {
    now: () => nowMs,
    set: (ms) => {
      nowMs = ms;
    },
    advance: (ms) => {
      nowMs += ms;
    },
  };
}

export interface IssuerFixture {
  readonly store: Store;
  readonly hsm: HsmPort;
  readonly clock: TestClock;
  readonly simulator: IssuerSimulator;
  /** A terminal PIN key: clear for the terminal side, under the LMK for the host side. */
  readonly pik: { readonly clear: Buffer; readonly underLmk: KeyUnderLmk };
}

/** A fresh store on `database`, seeded with `cards` (the documented test cards by default). */
export async function openIssuer(database: TestDatabase, cards?: readonly TestCardDefinition[]): Promise<IssuerFixture> {
  const store = await database.open([issuerSimulatorMigrations]);
  const hsm = testHsm();
  const clock = testClock();
  await seedIssuerSimulator({ store, hsm, clock: clock.now, ...(cards === undefined ? {} : { cards }) });
  return issuerOn(store, hsm, clock);
}

/** The simulator over an already seeded store, with a new terminal PIN key. */
export async function issuerOn(store: Store, hsm: HsmPort, clock: TestClock): Promise<IssuerFixture> {
  const simulator = await IssuerSimulator.open({ store, hsm, clock: clock.now });
  const clear = randomBytes(16);
  const underLmk = await loadKey(hsm, 'PIK', 'tdes-2key', clear);
  return { store, hsm, clock, simulator, pik: { clear, underLmk } };
}

/** The PIN as the host hands it on: typed on the terminal under its PIK, translated to the ZPK by the HSM. */
export async function pinUnderZpk(fixture: IssuerFixture, card: TestCardDefinition, pin: string): Promise<NetworkPinData> {
  const underPik = new PinBlockCipher(0, fixture.pik.clear).encrypt(pin, card.pan);
  const pinBlock = await fixture.hsm.translatePinBlock({ sourceKey: fixture.pik.underLmk, targetKey: fixture.simulator.zonePinKey(), sourceFormat: 0, targetFormat: 0, pan: card.pan, pinBlock: underPik });
  return { pinBlock, format: 0 };
}

/** Track 2 as field 35 packs it: BCD, `=` as the nibble D, an odd count padded with a 0 nibble. */
export function packedTrack2(track2: string): Buffer {
  const nibbles = track2.replace('=', 'D');
  return Buffer.from(nibbles.length % 2 === 0 ? nibbles : `${nibbles}0`, 'hex');
}

/**
 * Track 2 as the host hands it on when the terminal enciphered it: packed, its block (bytes
 * [length − 9, length − 1)) enciphered under a terminal TDK known in clear (the terminal side,
 * with the crypto library), then re-enciphered TDK → the issuer's ZEK inside the HSM, as the
 * host does. `underAnotherTdk` enciphers under a different key than the one the HSM is given.
 */
export async function trackUnderZek(fixture: IssuerFixture, track2: string, options: { underAnotherTdk?: boolean } = {}): Promise<Buffer> {
  const tdkClear = randomBytes(16);
  const tdk = await loadKey(fixture.hsm, 'TDK', 'tdes-2key', tdkClear);
  const packed = packedTrack2(track2);
  const start = packed.length - 9;
  const terminalKey = options.underAnotherTdk === true ? randomBytes(16) : tdkClear;
  packed.set(encryptEcb('tdes', terminalKey, packed.subarray(start, start + 8)), start);
  return fixture.hsm.translateTrackData({ sourceKey: tdk, targetKey: fixture.simulator.zoneDataKey(), data: packed });
}

let traceCounter = 0;
const atcByPan = new Map<string, number>();

/** The card's next application transaction counter, as a card would count. */
export function nextAtc(card: TestCardDefinition): Buffer {
  const next = (atcByPan.get(card.pan) ?? 0) + 1;
  atcByPan.set(card.pan, next);
  const atc = Buffer.alloc(2);
  atc.writeUInt16BE(next);
  return atc;
}

/**
 * CDOL1 data in a common order: amount authorised (6, BCD), amount other (6), terminal country
 * (2), TVR (5), currency (2), date (3), type (1), unpredictable number (4), AIP (2), ATC (2).
 */
export function cdolData(amountMinor: bigint, unpredictableNumber: Buffer, atc: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(amountMinor.toString().padStart(12, '0'), 'hex'),
    Buffer.alloc(6),
    Buffer.from('0156', 'hex'),
    Buffer.alloc(5),
    Buffer.from('0156', 'hex'),
    Buffer.from('260515', 'hex'),
    Buffer.from('00', 'hex'),
    unpredictableNumber,
    Buffer.from('5C00', 'hex'),
    atc,
  ]);
}

export interface RequestOptions {
  readonly kind?: AuthorizationKind;
  readonly entryMode?: EntryMode;
  readonly amountMinor?: bigint;
  readonly currency?: string;
  readonly pinData?: NetworkPinData;
  readonly idempotencyKey?: string;
  /** Overrides the card's own expiry in the request. */
  readonly expiry?: string;
}

/**
 * A request for `card` as the host would send it: chip cards by chip (a fresh ATC and a real
 * ARQC), stripe-only cards by swipe (their real track 2), unless `entryMode` says otherwise.
 */
export function requestFor(card: TestCardDefinition, options: RequestOptions = {}): AuthorizationRequest {
  traceCounter += 1;
  const trace = traceCounter.toString().padStart(6, '0');
  const kind = options.kind ?? 'sale';
  const amountMinor = options.amountMinor ?? (kind === 'balance-inquiry' ? 0n : 12_345n);
  const entryMode = options.entryMode ?? (card.emv === undefined ? 'magstripe' : 'chip');
  const base = {
    kind,
    idempotencyKey: options.idempotencyKey ?? `test:${trace}:${randomBytes(4).toString('hex')}`,
    pan: card.pan,
    expiry: options.expiry ?? card.expiry,
    serviceCode: card.serviceCode,
    entryMode,
    amountMinor,
    currency: options.currency ?? card.currency,
    ...(options.pinData === undefined ? {} : { pinData: options.pinData }),
    acquirer: { retrievalReferenceNumber: `6051${trace}00`.slice(0, 12), systemTraceAuditNumber: trace, terminalId: '10000001', merchantId: '102581054110001' },
  };
  if (entryMode === 'magstripe' || entryMode === 'fallback') return { ...base, track2: testCardTrack2(card) };
  const atc = nextAtc(card);
  const unpredictableNumber = randomBytes(4);
  const data = cdolData(amountMinor, unpredictableNumber, atc);
  const emv = card.emv;
  if (emv === undefined) throw new Error(`test card ${card.profile} has no chip`);
  return {
    ...base,
    chip: { arqc: testOnlyArqc(card, { atc, cdolData: data, unpredictableNumber }), atc, panSequenceNumber: emv.psn, cdolData: data, unpredictableNumber },
  };
}
