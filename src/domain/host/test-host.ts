import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach } from 'vitest';
import { loadKey, testHsm } from '../../adapters/hsm/test-hsm.js';
import { IssuerSimulator, seedIssuerSimulator, testCardTrack2, testOnlyArqc, type TestCardDefinition } from '../../adapters/network/issuer-simulator/index.js';
import { cdolData, nextAtc, testClock, type TestClock } from '../../adapters/network/issuer-simulator/test-issuer.js';
import { storeModules } from '../../adapters/store/modules.js';
import type { TestDatabase } from '../../adapters/store/test-databases.js';
import { ChannelServer, type ChannelAddress } from '../../edges/channel/channel-server.js';
import { hostChannelHandler } from '../../edges/channel/host-handler.js';
import { frameOf, TestClient } from '../../edges/channel/test-channel.js';
import { decryptEcb, encryptEcb, PinBlockCipher, unionPayEcbMac } from '../../lib/crypto/index.js';
import { IsoMessage, MessageCodec, unionPayPosSpec, type UnionPayPosSpec } from '../../lib/iso8583/index.js';
import { buildTlv } from '../../lib/tlv/index.js';
import type { HsmPort } from '../../ports/hsm.js';
import type { Store } from '../../ports/store.js';
import { AuditLog, verifyAuditLog } from '../audit/index.js';
import { testChainKey } from '../audit/test-audit.js';
import { PanVault } from '../card-data/index.js';
import { EmvParamService } from '../emv-params/index.js';
import { LedgerService } from '../ledger/index.js';
import { MerchantService } from '../merchants/index.js';
import { SettlementService } from '../settlement/index.js';
import { TerminalService } from '../terminals/index.js';
import type { HostLogger } from './deps.js';
import { HostPipeline } from './pipeline.js';

/**
 * Test support (left out of the build): a whole host on a fresh store — seeded issuer simulator,
 * software HSM, merchant and terminal with a TMK known in clear — behind a real ChannelServer on
 * 127.0.0.1, and a small terminal that builds frames with the libraries.
 */
export const codec = new MessageCodec<UnionPayPosSpec>(unionPayPosSpec);
export const MERCHANT_ID = '102581054110001';
export const TERMINAL_ID = '10000001';

export interface HostFixture {
  readonly store: Store;
  readonly hsm: HsmPort;
  readonly clock: TestClock;
  readonly terminals: TerminalService;
  readonly merchants: MerchantService;
  readonly ledger: LedgerService;
  readonly audit: AuditLog;
  /** Empty until a test imports a parameter set: until then no reply asks for a download. */
  readonly emvParams: EmvParamService;
  readonly settlement: SettlementService;
  readonly server: ChannelServer;
  readonly address: ChannelAddress;
  readonly tmk: Buffer;
  /**
   * Stops the host and closes the store, after checking what must hold after every test: the
   * ledger balances and (unless a test broke the audit log on purpose, `auditIntact: false`) the
   * audit chain verifies. A failed check fails the test that closed the fixture.
   */
  close(options?: { readonly auditIntact?: boolean }): Promise<void>;
}

export interface HostOptions {
  readonly saleAmountMaxMinor?: bigint;
  readonly macFailuresLockAfter?: number;
  readonly logger?: HostLogger;
  readonly paramPageBytesMax?: number;
  /** The store as the pipeline sees it (a test wraps it to hold its `whenDurable`). */
  readonly pipelineStore?: (store: Store) => Store;
}

export async function openHost(database: TestDatabase, options: HostOptions = {}): Promise<HostFixture> {
  const store = await database.open(storeModules);
  const hsm = testHsm();
  const clock = testClock();
  await seedIssuerSimulator({ store, hsm, clock: clock.now });
  const simulator = await IssuerSimulator.open({ store, hsm, clock: clock.now });
  const merchants = new MerchantService(store, { clock: clock.now });
  await merchants.add({ merchantId: MERCHANT_ID, legalName: 'Test Shop', fee: { rateBasisPoints: 38, fixedMinor: 0n } });
  const terminals = new TerminalService(store, merchants, { clock: clock.now });
  await terminals.add({ terminalId: TERMINAL_ID, merchantId: MERCHANT_ID, serialNumber: 'SN-1', model: 'Test POS' });
  await terminals.add({ terminalId: '10000002', merchantId: MERCHANT_ID, serialNumber: 'SN-2', model: 'Test POS' });
  const tmk = randomBytes(16);
  await terminals.setTmk({ terminalId: TERMINAL_ID }, await loadKey(hsm, 'TMK', 'tdes-2key', tmk));
  await terminals.setTmk({ terminalId: '10000002' }, await loadKey(hsm, 'TMK', 'tdes-2key', tmk));
  const ledger = new LedgerService(store, clock.now);
  const audit = new AuditLog({ store, clock: clock.now, chainKey: testChainKey });
  const panVault = await PanVault.open({ store, hsm, clock: clock.now });
  const emvParams = new EmvParamService(store, { clock: clock.now, ...(options.paramPageBytesMax === undefined ? {} : { pageBytesMax: options.paramPageBytesMax }) });
  const settlement = new SettlementService(store);
  const { pipelineStore, ...pipelineOptions } = options;
  const pipeline = new HostPipeline({
    store: pipelineStore?.(store) ?? store, hsm, network: simulator, zonePinKey: simulator.zonePinKey(), zoneDataKey: simulator.zoneDataKey(), terminals, merchants, ledger, panVault, audit, settlement, clock: clock.now, emvParams, ...pipelineOptions,
  });
  const server = new ChannelServer({ handler: hostChannelHandler(pipeline) });
  const address = await server.start({ host: '127.0.0.1', port: 0 });
  return {
    store, hsm, clock, terminals, merchants, ledger, audit, emvParams, settlement, server, address, tmk,
    async close(closeOptions = {}) {
      try {
        await server.stop();
        const ledgerCheck = await ledger.verifyLedger();
        if (!ledgerCheck.ok) throw new Error(`the ledger does not balance after this test: ${String(ledgerCheck.problems.length)} problem(s)`);
        if (closeOptions.auditIntact !== false) {
          const auditCheck = await verifyAuditLog(store, { chainKey: testChainKey });
          if (!auditCheck.intact) throw new Error(`the audit chain does not verify after this test: ${auditCheck.problems.map((problem) => problem.kind).join(', ')}`);
        }
      } finally {
        await store.close();
      }
    },
  };
}

/** The host and its signed-in terminal of the test that is running; see `useHost`. */
export interface HostUnderTest {
  readonly fixture: HostFixture;
  readonly terminal: TestTerminal;
}

/**
 * Registers, in the enclosing describe, a fresh host and a connected terminal for each test
 * (beforeEach; signed in unless `signIn: false`) and their closing (afterEach). The getters read
 * the running test's host and terminal; outside a test they throw.
 */
export function useHost(database: TestDatabase, options: HostOptions & { readonly signIn?: boolean } = {}): HostUnderTest {
  const { signIn = true, ...hostOptions } = options;
  let current: HostUnderTest | undefined;
  const running = (): HostUnderTest => {
    if (current === undefined) throw new Error('the host is open only while a test runs');
    return current;
  };
  beforeEach(async () => {
    const fixture = await openHost(database, hostOptions);
    const terminal = await TestTerminal.connect(fixture).catch(async (error: unknown) => {
      await fixture.close();
      throw error;
    });
    current = { fixture, terminal };
    if (signIn) await terminal.signIn();
  });
  afterEach(async () => {
    const closing = current;
    current = undefined;
    closing?.terminal.close();
    await closing?.fixture.close();
  });
  return {
    get fixture() {
      return running().fixture;
    },
    get terminal() {
      return running().terminal;
    },
  };
}

/** The terminal side: keys in clear as a real terminal holds them after sign-in. */
export class TestTerminal {
  pik: Buffer | undefined;
  mak: Buffer | undefined;
  tdk: Buffer | undefined;
  batch = '000001';
  private traceCounter = 0;

  private constructor(
    readonly client: TestClient,
    readonly tmk: Buffer,
    readonly terminalId: string,
  ) {}

  static async connect(fixture: HostFixture, terminalId = TERMINAL_ID): Promise<TestTerminal> {
    return new TestTerminal(await TestClient.connect(fixture.address), fixture.tmk, terminalId);
  }

  nextTrace(): string {
    this.traceCounter += 1;
    return String(this.traceCounter).padStart(6, '0');
  }

  /** Sends `message` without waiting for a reply (the next `exchange` reads the next reply). */
  send(message: Buffer): void {
    this.client.send(frameOf(message));
  }

  async exchange(message: Buffer): Promise<IsoMessage<UnionPayPosSpec>> {
    this.client.send(frameOf(message));
    return (await this.client.nextReply()).message;
  }

  async exchangeRaw(message: Buffer): Promise<Buffer> {
    this.client.send(frameOf(message));
    return (await this.client.nextReply()).frame.message;
  }

  signInMessage(): Buffer {
    return codec.pack(new IsoMessage(unionPayPosSpec, '0800', { 11: this.nextTrace(), 41: this.terminalId, 42: MERCHANT_ID, 60: { typeCode: '00', batchNumber: this.batch, networkCode: '004' } }));
  }

  signOutMessage(): Buffer {
    return codec.pack(new IsoMessage(unionPayPosSpec, '0820', { 11: this.nextTrace(), 41: this.terminalId, 42: MERCHANT_ID, 60: { typeCode: '00', batchNumber: this.batch, networkCode: '002' } }));
  }

  /** Signs in and returns field 62 split into its keys, each checked against its KCV. */
  async signIn(): Promise<IsoMessage<UnionPayPosSpec>> {
    const reply = await this.exchange(this.signInMessage());
    const field62 = reply.get(62);
    if (reply.get(39) !== '00' || field62 === undefined) return reply;
    const keys = Buffer.from(field62);
    this.pik = decryptEcb('tdes', this.tmk, keys.subarray(0, 16));
    this.mak = decryptEcb('tdes', this.tmk, keys.subarray(20, 28));
    this.tdk = decryptEcb('tdes', this.tmk, keys.subarray(40, 56));
    const kcvOk =
      encryptEcb('tdes', this.pik, Buffer.alloc(8)).subarray(0, 4).equals(keys.subarray(16, 20)) &&
      encryptEcb('des', this.mak, Buffer.alloc(8)).subarray(0, 4).equals(keys.subarray(36, 40)) &&
      keys.subarray(28, 36).equals(Buffer.alloc(8)) &&
      encryptEcb('tdes', this.tdk, Buffer.alloc(8)).subarray(0, 4).equals(keys.subarray(56, 60));
    if (!kcvOk) throw new Error('a working key does not match its KCV');
    return reply;
  }

  /** Packs `message` with field 64 = the POS ECB MAC under the MAK (or `badMac`). */
  withMac(message: IsoMessage<UnionPayPosSpec>, badMac = false): Buffer {
    if (this.mak === undefined) throw new Error('sign in first');
    message.set(64, Buffer.alloc(8));
    const packed = codec.pack(message);
    const mac = unionPayEcbMac(this.mak, packed.subarray(0, packed.length - 8), 'des-left');
    mac.copy(packed, packed.length - 8);
    if (badMac) packed[packed.length - 1] = (packed[packed.length - 1] as number) ^ 0x01;
    return packed;
  }

  /**
   * A 0200 for `card`: chip (real ARQC) when the card has a chip, else the stripe; PIN when given.
   * `encryptTrack`: track 2 enciphered under the TDK from sign-in (or `trackKey`), with 2, 14 and
   * 53 = 2610000000000000, as terminals that encipher tracks send them. `contactless`: 22 = 07x.
   */
  sale(card: TestCardDefinition, options: SaleOptions = {}): Buffer {
    const amountMinor = options.balance === true ? 0n : (options.amountMinor ?? 12_345n);
    const chip = card.emv !== undefined && options.stripe !== true;
    const withPin = options.pin !== undefined;
    const entry = chip ? (options.contactless === true ? '07' : '05') : '02';
    const message = new IsoMessage(unionPayPosSpec, '0200', {
      3: options.balance === true ? '310000' : '000000',
      11: options.trace ?? this.nextTrace(),
      22: `${entry}${withPin ? '1' : '2'}`,
      25: '00',
      35: testCardTrack2(card),
      41: this.terminalId,
      42: MERCHANT_ID,
      49: '156',
      60: { typeCode: options.balance === true ? '01' : '22', batchNumber: this.batch },
    });
    if (options.balance !== true) message.set(4, amountMinor.toString().padStart(12, '0'));
    if (options.encryptTrack === true) {
      const tdk = options.trackKey ?? this.tdk;
      if (tdk === undefined) throw new Error('sign in first');
      message.set(2, card.pan);
      message.set(14, card.expiry);
      message.set(35, encipheredTrack(tdk, testCardTrack2(card)));
      message.set(53, '2610000000000000');
    }
    if (withPin) {
      if (this.pik === undefined) throw new Error('sign in first');
      message.set(52, new PinBlockCipher(0, this.pik).encrypt(options.pin ?? '', card.pan));
    }
    if (chip) message.set(55, field55(card, amountMinor));
    return this.withMac(message, options.badMac);
  }

  close(): void {
    this.client.close();
  }
}

export interface SaleOptions {
  readonly amountMinor?: bigint;
  readonly pin?: string;
  readonly trace?: string;
  readonly balance?: boolean;
  readonly badMac?: boolean;
  readonly stripe?: boolean;
  readonly contactless?: boolean;
  readonly encryptTrack?: boolean;
  /** The key to encipher the track under instead of the TDK from sign-in. */
  readonly trackKey?: Buffer;
}

/** The codec's characters for the nibbles 0 to F of a track: D is the separator '='. */
const trackNibbles = '0123456789ABC=EF';

/**
 * Track 2 enciphered as a terminal does it (the software HSM's track-data.ts layout): packed BCD,
 * TDES-ECB over bytes [length − 9, length − 1) under `tdk`; returned as the characters field 35
 * decodes it to, so that the codec packs exactly those bytes.
 */
export function encipheredTrack(tdk: Buffer, track2: string): string {
  const nibbles = track2.replace('=', 'D');
  const packed = Buffer.from(nibbles.length % 2 === 0 ? nibbles : `${nibbles}0`, 'hex');
  const start = packed.length - 9;
  packed.set(encryptEcb('tdes', tdk, packed.subarray(start, start + 8)), start);
  const text = Array.from(packed, (byte) => (trackNibbles[byte >> 4] as string) + (trackNibbles[byte & 0x0f] as string)).join('');
  return text.slice(0, nibbles.length);
}

/** Field 55 as a chip card and terminal build it, with a real ARQC over the CDOL1 data. */
function field55(card: TestCardDefinition, amountMinor: bigint): Buffer {
  const atc = nextAtc(card);
  const unpredictableNumber = randomBytes(4);
  const data = cdolData(amountMinor, unpredictableNumber, atc);
  const arqc = testOnlyArqc(card, { atc, cdolData: data, unpredictableNumber });
  const take = (from: number, length: number): Buffer => data.subarray(from, from + length);
  return buildTlv([
    { tag: 0x9f26, value: arqc },
    { tag: 0x9f02, value: take(0, 6) },
    { tag: 0x9f03, value: take(6, 6) },
    { tag: 0x9f1a, value: take(12, 2) },
    { tag: 0x95, value: take(14, 5) },
    { tag: 0x5f2a, value: take(19, 2) },
    { tag: 0x9a, value: take(21, 3) },
    { tag: 0x9c, value: take(24, 1) },
    { tag: 0x9f37, value: take(25, 4) },
    { tag: 0x82, value: take(29, 2) },
    { tag: 0x9f36, value: take(31, 2) },
    { tag: 0x5f34, value: Buffer.from(card.emv?.psn ?? '00', 'hex') },
  ]);
}
