import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPostgresAvailable, testPostgresUrl } from '../../adapters/store/test-databases.js';
import type { IsoMessage, UnionPayPosSpec } from '../../lib/iso8583/index.js';
import { memoryIo } from '../cli/test-io.js';
import { readTrack2 } from '../terminal-simulator/card-reader.js';
import { chipRequest, verifyIssuerAuthentication, type ChipRequestData } from '../terminal-simulator/chip.js';
import { exchangeWithHost } from '../terminal-simulator/client.js';
import { financialRequest, packPlain, packWithMac, signInRequest } from '../terminal-simulator/messages.js';
import { checkReply } from '../terminal-simulator/reply-check.js';
import { headerFor } from '../terminal-simulator/terminal.js';
import { terminalLocalTime } from '../terminal-simulator/terminal-clock.js';
import { openWorkingKeys, type ClearWorkingKeys } from '../terminal-simulator/working-keys.js';
import { prepareBenchFleet } from './bench-fleet.js';
import { freshPostgresSchema } from './host-bench.js';
import { HostChild, hostEnvironment, type HostAddresses } from './host-child.js';
import type { LoadTerminalSpec } from './load-terminal.js';

/**
 * Two `bastion serve` processes on one PostgreSQL schema (issue 6, part 6): a terminal's request
 * may reach either node, and a retransmission may reach the other one than its original did, or
 * both at once. Whichever node answers, the transaction is recorded, posted and debited once, and
 * both answers say the same. Real processes (`npm run build` first), real TCP, real crypto.
 */
const postgres = await isPostgresAvailable();
const MAC_BYTES = 8;
const EXCHANGE_TIMEOUT_MS = 30_000;

type Address = HostAddresses['channel'];

/** One terminal with its keys in memory, building each request once and sending it where it is told. */
class TwoNodeTerminal {
  #trace = 0;
  #atc = 0;
  #batchNumber = '000001';
  #keys: ClearWorkingKeys | undefined;

  constructor(readonly spec: LoadTerminalSpec) {}

  get identity(): { terminalId: string; merchantId: string; batchNumber: string } {
    return { terminalId: this.spec.terminalId, merchantId: this.spec.merchantId, batchNumber: this.#batchNumber };
  }

  async signIn(address: Address): Promise<string> {
    this.#trace += 1;
    const request = signInRequest(this.identity, this.#trace);
    const reply = checkReply(request, await exchangeWithHost(address, packPlain(request), { header: headerFor(false), timeoutMs: EXCHANGE_TIMEOUT_MS }), { macVariant: 'des-left', macRequiredForApproval: false });
    const code = reply.get(39) ?? '';
    if (code === '00') {
      this.#keys = openWorkingKeys(this.spec.tmk, reply.get(62));
      this.#batchNumber = reply.get(60)?.batchNumber ?? this.#batchNumber;
    }
    return code;
  }

  /** A chip + PIN sale, MAC'd: the one frame that is then sent to one node or several. */
  sale(amountMinor: bigint): { request: IsoMessage<UnionPayPosSpec>; chip: ChipRequestData; message: Buffer; trace: string } {
    const keys = this.#keys;
    if (keys === undefined) throw new Error('sign in first');
    this.#trace += 1;
    this.#atc += 1;
    const { card } = this.spec;
    const chip = chipRequest(card, { amountMinor, atc: this.#atc, date: terminalLocalTime(Date.now()).yymmdd, type: 'sale' });
    const request = financialRequest({
      identity: this.identity,
      kind: 'sale',
      trace: this.#trace,
      amountMinor,
      card: { pan: card.pan, expiry: card.expiry, track2: readTrack2(card), entry: 'chip', ...(card.emv === undefined ? {} : { panSequenceNumber: card.emv.psn }), field55: chip.field55 },
      pin: { digits: this.spec.pin, pik: keys.pik },
    });
    return { request, chip, message: packWithMac(request, keys.mak, 'des-left'), trace: request.get(11) ?? '' };
  }

  /** Sends `message` to `address` on a connection of its own and checks the reply as a terminal does (MAC, and the card's ARPC check). */
  async send(address: Address, sale: { request: IsoMessage<UnionPayPosSpec>; chip: ChipRequestData; message: Buffer }): Promise<{ replyBytes: Buffer; code: string; rrn?: string; authCode?: string }> {
    const keys = this.#keys;
    if (keys === undefined) throw new Error('sign in first');
    const replyBytes = await exchangeWithHost(address, sale.message, { header: headerFor(true), timeoutMs: EXCHANGE_TIMEOUT_MS });
    const reply = checkReply(sale.request, replyBytes, { mak: keys.mak, macVariant: 'des-left', macRequiredForApproval: true });
    const code = reply.get(39) ?? '';
    if (code === '00') expect(verifyIssuerAuthentication(this.spec.card, sale.chip, reply.get(55), code)).toBe(true);
    const rrn = reply.get(37);
    const authCode = reply.get(38);
    return { replyBytes, code, ...(rrn === undefined ? {} : { rrn }), ...(authCode === undefined ? {} : { authCode }) };
  }
}

describe.skipIf(!postgres)(`two host nodes on one PostgreSQL${postgres ? '' : ' (SKIPPED: PostgreSQL not reachable)'}`, () => {
  let dataDir = '';
  let database: { url: string; drop: () => Promise<void> } | undefined;
  let client: pg.Client | undefined;
  const hosts: HostChild[] = [];
  const nodes: Address[] = [];
  let terminal: TwoNodeTerminal;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'bastion-two-nodes-'));
    database = await freshPostgresSchema(testPostgresUrl);
    const environment = hostEnvironment({ BASTION_DATA_DIR: dataDir, DATABASE_URL: database.url });
    const fleet = await prepareBenchFleet(memoryIo(), environment, dataDir, 1);
    const started = await Promise.all([HostChild.start(environment), HostChild.start(environment)]);
    for (const entry of started) {
      hosts.push(entry.host);
      nodes.push(entry.addresses.channel);
    }
    const spec = fleet.terminals[0];
    if (spec === undefined) throw new Error('the fleet has no terminal');
    terminal = new TwoNodeTerminal(spec);
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
  }, 180_000);

  afterAll(async () => {
    await client?.end();
    await Promise.all(hosts.map((host) => host.stop()));
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }, 120_000);

  function node(index: 0 | 1): Address {
    const address = nodes[index];
    if (address === undefined) throw new Error(`node ${index} did not start`);
    return address;
  }

  async function count(sql: string, values: readonly unknown[]): Promise<number> {
    if (client === undefined) throw new Error('no database client');
    const result = await client.query<{ n: number }>(sql, [...values]);
    return result.rows[0]?.n ?? -1;
  }

  async function cardBalance(): Promise<bigint> {
    if (client === undefined) throw new Error('no database client');
    const result = await client.query<{ balance: string }>('select balance_minor::text as balance from issuer_cards where profile = $1', [terminal.spec.card.profile]);
    return BigInt(result.rows[0]?.balance ?? '-1');
  }

  /** What the store holds for the sale of `trace`: host records, ledger entries, issuer authorizations. */
  async function recorded(trace: string): Promise<{ hostRows: number; ledgerEntries: number; issuerAuthorizations: number }> {
    const { terminalId } = terminal.spec;
    const { batchNumber } = terminal.identity;
    return {
      hostRows: await count('select count(*)::int as n from host_transactions where terminal_id = $1 and trace = $2', [terminalId, trace]),
      ledgerEntries: await count('select count(*)::int as n from ledger_entries where idempotency_key = $1', [`host.sale.${terminalId}.${batchNumber}.${trace}`]),
      issuerAuthorizations: await count('select count(*)::int as n from issuer_authorizations where idempotency_key = $1', [`host:${terminalId}:${batchNumber}:${trace}`]),
    };
  }

  /** Both answers are one answer: the same 39, 37 and 38, MTI..63 byte for byte (field 64 is made per reply). */
  function expectSameAnswer(first: { replyBytes: Buffer; code: string; rrn?: string; authCode?: string }, second: typeof first): void {
    expect(first.code).toBe('00');
    expect({ code: second.code, rrn: second.rrn, authCode: second.authCode }).toEqual({ code: first.code, rrn: first.rrn, authCode: first.authCode });
    expect(second.rrn).toMatch(/^\d{12}$/);
    expect(second.replyBytes.subarray(0, -MAC_BYTES).equals(first.replyBytes.subarray(0, -MAC_BYTES))).toBe(true);
  }

  it('signs a terminal in through node A and approves a sale there', async () => {
    expect(await terminal.signIn(node(0))).toBe('00');
    const sale = terminal.sale(1500n);
    expect((await terminal.send(node(0), sale)).code).toBe('00');
    expect(await recorded(sale.trace)).toEqual({ hostRows: 1, ledgerEntries: 1, issuerAuthorizations: 1 });
  });

  it('answers a retransmission that reaches node B with node A\'s answer, and records, posts and debits once', async () => {
    const before = await cardBalance();
    const sale = terminal.sale(2345n);
    const first = await terminal.send(node(0), sale);
    const again = await terminal.send(node(1), sale);
    expectSameAnswer(first, again);
    expect(await recorded(sale.trace)).toEqual({ hostRows: 1, ledgerEntries: 1, issuerAuthorizations: 1 });
    expect(before - (await cardBalance())).toBe(2345n);
  });

  it('answers the same frame sent to both nodes at once once: one approval, the same on both, one record, one debit', async () => {
    // Several rounds: which node wins the race differs from one to the next.
    for (const amountMinor of [3456n, 4567n, 5678n, 1111n, 2222n, 3333n, 4444n, 5555n]) {
      const before = await cardBalance();
      const sale = terminal.sale(amountMinor);
      const [onA, onB] = await Promise.all([terminal.send(node(0), sale), terminal.send(node(1), sale)]);
      expectSameAnswer(onA, onB);
      expect(await recorded(sale.trace)).toEqual({ hostRows: 1, ledgerEntries: 1, issuerAuthorizations: 1 });
      expect(before - (await cardBalance())).toBe(amountMinor);
    }
  });

  it('approves a sale on node A after the terminal signed in again through node B (the new keys come from the shared store)', async () => {
    expect(await terminal.signIn(node(1))).toBe('00');
    const sale = terminal.sale(6789n);
    expect((await terminal.send(node(0), sale)).code).toBe('00');
    expect(await recorded(sale.trace)).toEqual({ hostRows: 1, ledgerEntries: 1, issuerAuthorizations: 1 });
    // And the other way round.
    expect(await terminal.signIn(node(0))).toBe('00');
    const back = terminal.sale(7890n);
    expect((await terminal.send(node(1), back)).code).toBe('00');
  });
}, 300_000);
