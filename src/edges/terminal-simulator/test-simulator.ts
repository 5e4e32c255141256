import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import type { TestDatabase } from '../../adapters/store/test-databases.js';
import { MERCHANT_ID, openHost, TERMINAL_ID, type HostFixture } from '../../domain/host/test-host.js';
import { loadSimulatorState, provisionSimulatedTerminal, saveSimulatorState, type SimulatorState } from './state.js';
import { signInTerminal } from './terminal.js';

/**
 * Test support (left out of the build): a real host (openHost: ChannelServer, pipeline, seeded
 * issuer simulator) and a temporary data directory holding the simulator's key file for the
 * host's terminal, provisioned with the terminal's TMK (tracks enciphered, the key file's default).
 */
export interface SimulatorFixture {
  readonly host: HostFixture;
  readonly dataDir: string;
  readonly context: { readonly dataDir: string; readonly terminalId: string; readonly timeoutMs: number };
  state(terminalId?: string): SimulatorState;
  edit(change: (state: SimulatorState) => SimulatorState, terminalId?: string): void;
  close(): Promise<void>;
}

/** Exchanges here end almost at once on a healthy machine; the bound only keeps a broken run from hanging. */
export const TEST_TIMEOUT_MS = 10_000;

export interface SimulatorFixtureOptions {
  readonly macFailuresLockAfter?: number;
  readonly encryptTracks?: boolean;
}

export async function openSimulatorFixture(database: TestDatabase, options: SimulatorFixtureOptions = {}): Promise<SimulatorFixture> {
  const host = await openHost(database, { macFailuresLockAfter: options.macFailuresLockAfter ?? 3 });
  const dataDir = mkdtempSync(join(tmpdir(), 'bastion-simulator-'));
  provisionSimulatedTerminal({ dataDir, terminalId: TERMINAL_ID, merchantId: MERCHANT_ID, hostAddress: { host: host.address.host, port: host.address.port }, tmk: host.tmk, ...(options.encryptTracks === undefined ? {} : { encryptTracks: options.encryptTracks }) });
  return {
    host,
    dataDir,
    context: { dataDir, terminalId: TERMINAL_ID, timeoutMs: TEST_TIMEOUT_MS },
    state: (terminalId = TERMINAL_ID) => loadSimulatorState(dataDir, terminalId),
    edit(change, terminalId = TERMINAL_ID) {
      saveSimulatorState(dataDir, change(loadSimulatorState(dataDir, terminalId)));
    },
    async close() {
      await host.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** What a test sees of its fixture through `useSignedInSimulator`: the fixture without close. */
export type SimulatorUnderTest = Omit<SimulatorFixture, 'close'>;

/**
 * Registers, in the enclosing describe, a fresh fixture for each test with the terminal signed
 * in (beforeEach) and its closing (afterEach). The returned view reads the running test's
 * fixture; outside a test it throws.
 */
export function useSignedInSimulator(database: TestDatabase, options: SimulatorFixtureOptions = {}): SimulatorUnderTest {
  let current: SimulatorFixture | undefined;
  const running = (): SimulatorFixture => {
    if (current === undefined) throw new Error('the simulator fixture is open only while a test runs');
    return current;
  };
  beforeEach(async () => {
    current = await openSimulatorFixture(database, options);
    await signInTerminal(current.context);
  });
  afterEach(async () => {
    const closing = current;
    current = undefined;
    await closing?.close();
  });
  return {
    get host() {
      return running().host;
    },
    get dataDir() {
      return running().dataDir;
    },
    get context() {
      return running().context;
    },
    state: (terminalId) => running().state(terminalId),
    edit: (change, terminalId) => {
      running().edit(change, terminalId);
    },
  };
}
