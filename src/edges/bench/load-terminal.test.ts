import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryIo } from '../cli/test-io.js';
import { prepareBenchFleet } from './bench-fleet.js';
import { HostChild, hostEnvironment, type HostAddresses } from './host-child.js';
import { LoadTerminal, loopbackSourceAddress, type LoadTerminalSpec } from './load-terminal.js';

/**
 * The load terminal against a real `bastion serve` child (bin/bastion.js runs dist/, so
 * `npm run build` first). The crash test reconnects a terminal between its tries at a reversal
 * and signs in again on the new connection; the replaced connection's late 'close' must not be
 * taken for the sign-in's answer. It was: the host committed new keys, the terminal kept its old
 * ones, and the host locked it after five MAC failures (the crash test across midnight).
 */
const HOST_TIMEOUT_MS = 60_000;
const RECONNECTS = 5;

describe('LoadTerminal reconnecting', () => {
  let dataDir: string;
  let host: HostChild | undefined;
  let address: HostAddresses['channel'];
  let terminal: LoadTerminal;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'bastion-load-terminal-'));
    const environment = hostEnvironment({ BASTION_DATA_DIR: dataDir });
    const fleet = await prepareBenchFleet(memoryIo(), environment, dataDir, 1);
    const started = await HostChild.start(environment);
    host = started.host;
    address = started.addresses.channel;
    const [spec] = fleet.terminals;
    if (spec === undefined) throw new Error('no bench terminal');
    terminal = new LoadTerminal(spec, address);
  }, HOST_TIMEOUT_MS);

  afterAll(async () => {
    terminal.close();
    await host?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }, HOST_TIMEOUT_MS);

  it('a sign-in on a new connection gets its own answer, and the sale after it verifies', async () => {
    await terminal.connect();
    expect(await terminal.signIn()).toBe('00');
    for (let round = 0; round < RECONNECTS; round++) {
      // As the crash test does between tries: a timer, then a new connection, then at once a sign-in.
      await new Promise((resolve) => setTimeout(resolve, 1));
      await terminal.connect();
      expect(await terminal.signIn()).toBe('00');
      expect((await terminal.sale(100n + BigInt(round))).responseCode).toBe('00');
    }
  }, HOST_TIMEOUT_MS);

  it('a request waiting when the terminal drops the connection is answered closed, and the next connection works', async () => {
    await terminal.connect(address);
    const pending = terminal.sale(500n);
    terminal.close();
    const outcome = await pending;
    expect(['closed', '00']).toContain(outcome.responseCode);
    if (outcome.pendingReversal !== undefined) {
      await terminal.connect();
      expect(await terminal.reverse(outcome.pendingReversal)).toBe('00');
    }
    await terminal.connect();
    expect((await terminal.sale(600n)).responseCode).toBe('00');
  }, HOST_TIMEOUT_MS);
});

describe('loopbackSourceAddress', () => {
  it('gives each run of 64 terminals (the channel\'s connections per address) a loopback address of its own', () => {
    expect([0, 63, 64, 127, 128, 4095].map(loopbackSourceAddress)).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.2', '127.0.0.2', '127.0.0.3', '127.0.0.64']);
  });

  it('is where a load terminal connects from', async () => {
    const seen: (string | undefined)[] = [];
    const server = createServer((socket) => {
      seen.push(socket.remoteAddress);
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const spec = { terminalId: '90000001', merchantId: '898310099990001', tmk: Buffer.alloc(16), pin: '2580' } as unknown as LoadTerminalSpec;
      const terminal = new LoadTerminal(spec, { host: '127.0.0.1', port }, { localAddress: loopbackSourceAddress(64) });
      await terminal.connect();
      await expect.poll(() => seen.length).toBe(1);
      terminal.close();
      expect(seen).toEqual(['127.0.0.2']);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
