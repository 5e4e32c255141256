import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalMasterKey } from '../../adapters/hsm/local-master-key.js';
import { SoftwareHsm } from '../../adapters/hsm/software-hsm.js';
import { createLogger } from '../../adapters/log/index.js';
import { SharedWriteTurn } from '../../adapters/store/write-turn.js';
import type { Store } from '../../ports/store.js';
import { prepareBenchFleet, type BenchFleet } from '../bench/bench-fleet.js';
import { HostChild, hostEnvironment, sampleHost, type HostAddresses } from '../bench/host-child.js';
import { LoadTerminal } from '../bench/load-terminal.js';
import { auditKeyFilePath, readOrCreateAuditChainKey } from '../cli/audit/chain-key-file.js';
import { configuredStoreLocation, openConfiguredStore } from '../cli/store/configured-store.js';
import { memoryIo } from '../cli/test-io.js';
import type { ChannelServer } from '../channel/channel-server.js';
import { assembleHost } from './assemble-host.js';
import { HostThreads, hostThreadsFromEnvironment } from './host-threads.js';

/**
 * The pipeline in host threads (BASTION_HOST_THREADS): the main thread keeps the channel, the
 * threads answer. Real processes and threads (`npm run build` first: the threads run dist/),
 * real TCP, real SQLite, real crypto on both sides.
 */
const hostThreadUrl = new URL('../../../dist/edges/host-runtime/host-thread.js', import.meta.url);
const TERMINALS = 6;
const SALES_PER_TERMINAL = 12;

async function signedIn(fleet: BenchFleet, address: { host: string; port: number }): Promise<LoadTerminal[]> {
  const terminals = fleet.terminals.map((spec) => new LoadTerminal(spec, address, { timeoutMs: 30_000 }));
  for (const terminal of terminals) {
    await terminal.connect();
    expect(await terminal.signIn()).toBe('00');
  }
  return terminals;
}

/** Every terminal selling at once, one sale at a time each: the response codes, in order. */
async function sellConcurrently(terminals: readonly LoadTerminal[], sales: number, firstAmountMinor: bigint): Promise<string[]> {
  const codes = await Promise.all(terminals.map(async (terminal, index) => {
    const answered: string[] = [];
    for (let sale = 0; sale < sales; sale++) answered.push((await terminal.sale(firstAmountMinor + BigInt(index * 100 + sale))).responseCode);
    return answered;
  }));
  return codes.flat();
}

function readTotals(file: string): { hostRows: number; ledgerEntries: number; issuerAuthorizations: number; unbalanced: number } {
  const db = new Database(file, { readonly: true });
  try {
    const count = (sql: string): number => (db.prepare(sql).pluck().get() as number);
    return {
      hostRows: count("select count(*) from host_transactions where kind = 'sale' and response_code = '00'"),
      ledgerEntries: count("select count(*) from ledger_entries where kind = 'sale'"),
      issuerAuthorizations: count("select count(*) from issuer_authorizations where kind = 'sale' and outcome = 'approved'"),
      unbalanced: count('select count(*) from (select entry_id from ledger_postings group by entry_id having sum(amount_minor) <> 0)'),
    };
  } finally {
    db.close();
  }
}

describe('BASTION_HOST_THREADS', () => {
  it('is 0 by default, a whole number up to 64, and refused otherwise with the variable named', () => {
    expect(hostThreadsFromEnvironment({})).toBe(0);
    expect(hostThreadsFromEnvironment({ BASTION_HOST_THREADS: ' 2 ' })).toBe(2);
    for (const value of ['-1', '65', 'two', '1.5']) {
      expect(() => hostThreadsFromEnvironment({ BASTION_HOST_THREADS: value })).toThrow(expect.objectContaining({ code: 'SERVE_ERR_CONFIG', details: { argument: 'BASTION_HOST_THREADS' } }));
    }
  });
});

describe('HostThreads.start', () => {
  it('fails with HOST_ERR_THREAD when a thread cannot start', async () => {
    const lmk = LocalMasterKey.development();
    try {
      const starting = HostThreads.start({
        threads: 2,
        lmk,
        auditChainKey: new Uint8Array(32),
        location: { sqliteFile: ':memory:' },
        storeOptions: {},
        settings: {},
        logger: { error: () => undefined },
        workerUrl: new URL('./no-such-host-thread.js', hostThreadUrl),
      });
      await expect(starting).rejects.toMatchObject({ code: 'HOST_ERR_THREAD', message: expect.stringContaining('before it was ready') });
    } finally {
      lmk.destroy();
    }
  });
});

describe('bastion serve with two host threads (SQLite)', () => {
  let dataDir = '';
  let host: HostChild | undefined;
  let addresses: HostAddresses | undefined;
  let fleet: BenchFleet;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'bastion-host-threads-'));
    const environment = hostEnvironment({ BASTION_DATA_DIR: dataDir, BASTION_HOST_THREADS: '2' });
    fleet = await prepareBenchFleet(memoryIo(), environment, dataDir, TERMINALS);
    const started = await HostChild.start(environment);
    host = started.host;
    addresses = started.addresses;
  }, 180_000);

  afterAll(async () => {
    await host?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('approves concurrent chip + PIN sales of several terminals, each recorded, posted and authorised once, the ledger balanced', async () => {
    if (addresses === undefined) throw new Error('the host did not start');
    const terminals = await signedIn(fleet, addresses.channel);
    try {
      const codes = await sellConcurrently(terminals, SALES_PER_TERMINAL, 1000n);
      expect(codes).toEqual(Array.from({ length: TERMINALS * SALES_PER_TERMINAL }, () => '00'));
    } finally {
      for (const terminal of terminals) terminal.close();
    }
    const sales = TERMINALS * SALES_PER_TERMINAL;
    expect(readTotals(join(dataDir, 'bastion.sqlite'))).toEqual({ hostRows: sales, ledgerEntries: sales, issuerAuthorizations: sales, unbalanced: 0 });
    // /metrics adds up the threads' group commits (each reports every second): a sale is two units.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const sample = await sampleHost(addresses.metricsUrl);
    expect(sample?.commits?.units).toBeGreaterThanOrEqual(2 * sales);
    const health = await fetch(addresses.metricsUrl.replace(/\/metrics$/, '/healthz'));
    expect({ status: health.status, body: await health.json() }).toEqual({ status: 200, body: { status: 'ok', store: 'reachable', channel: 'listening', hostThreads: '2 of 2 running' } });
  }, 120_000);

  it('stops on SIGTERM with exit code 0, its threads closed', async () => {
    const stopping = host;
    host = undefined;
    expect(await stopping?.stop()).toEqual({ code: 0, signal: null });
  }, 60_000);
});

describe('a host thread that dies', () => {
  let dataDir = '';
  let store: Store | undefined;
  let threads: HostThreads | undefined;
  let channel: ChannelServer | undefined;
  let lmk: LocalMasterKey | undefined;
  let fleet: BenchFleet;
  const errors: Record<string, unknown>[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'bastion-host-thread-dies-'));
    const environment = hostEnvironment({ BASTION_DATA_DIR: dataDir });
    fleet = await prepareBenchFleet(memoryIo(), environment, dataDir, 4);
    const turn = SharedWriteTurn.create();
    store = (await openConfiguredStore(environment, { sqliteWriteTurn: turn.buffer })).store;
    lmk = LocalMasterKey.development();
    const auditChainKey = readOrCreateAuditChainKey(auditKeyFilePath(environment, dataDir));
    threads = await HostThreads.start({
      threads: 2,
      lmk,
      auditChainKey,
      location: configuredStoreLocation(environment),
      storeOptions: { sqliteWriteTurn: turn.buffer },
      settings: {},
      logger: { error: (fields) => { errors.push(fields); } },
      onThreadExit: (threadId) => { turn.releaseIfHolder(threadId); },
      workerUrl: hostThreadUrl,
    });
    const host = await assembleHost({ store, hsm: new SoftwareHsm(lmk), logger: createLogger({ level: 'silent' }), auditChainKey, responder: threads });
    channel = host.channel;
    await channel.start({ host: '127.0.0.1', port: 0 });
  }, 180_000);

  afterAll(async () => {
    await channel?.stop();
    await threads?.close();
    await store?.close();
    lmk?.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('is replaced: the terminals go on selling, and the thread count is back to two', async () => {
    const address = channel?.address;
    if (address === undefined || threads === undefined) throw new Error('the host did not start');
    const terminals = await signedIn(fleet, address);
    try {
      expect(await sellConcurrently(terminals, 2, 500n)).toEqual(Array.from({ length: 8 }, () => '00'));
      const [victim] = threads.workers;
      await victim?.terminate();
      // Whatever was in flight on it got no reply; from now on every sale is answered, by the other thread or the replacement.
      expect(await sellConcurrently(terminals, 3, 700n)).toEqual(Array.from({ length: 12 }, () => '00'));
      await expect.poll(() => threads?.readiness, { timeout: 10_000 }).toEqual({ ready: 2, of: 2 });
      expect(await sellConcurrently(terminals, 2, 900n)).toEqual(Array.from({ length: 8 }, () => '00'));
    } finally {
      for (const terminal of terminals) terminal.close();
    }
  }, 120_000);
});
