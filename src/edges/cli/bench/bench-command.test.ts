import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isPostgresAvailable, testPostgresUrl } from '../../../adapters/store/test-databases.js';
import { bastionBinPath, hostEnvironment } from '../../bench/host-child.js';
import type { HostBenchResult } from '../../bench/host-bench.js';
import { memoryIo } from '../test-io.js';
import { benchCommand, formatHostBench } from './bench-command.js';

/**
 * `bastion bench host` as a user runs it: a real child process of bin/bastion.js (so `npm run
 * build` must have run, as `npm test` does), which starts its own `bastion serve` child(ren).
 * Only the shape and the sense of the figures are checked, never how fast anything was.
 */
const BENCH_RUN_WAIT_MS = 240_000;
const postgres = await isPostgresAvailable();

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function bastion(args: readonly string[], extraEnvironment: Readonly<Record<string, string>> = {}): Promise<Run> {
  const child = spawn(process.execPath, [bastionBinPath, ...args], { env: hostEnvironment(extraEnvironment), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => {
    // A bound on the wait, so a hung bench fails the test instead of hanging it (its hosts go with it on SIGTERM).
    const timer = setTimeout(() => child.kill('SIGTERM'), BENCH_RUN_WAIT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function expectSaneResult(result: HostBenchResult, expected: { store: 'sqlite' | 'postgres'; nodes: number; terminals: number }): void {
  expect(result).toMatchObject({ store: expected.store, nodes: expected.nodes, terminals: expected.terminals, offeredPerSecond: null, errors: {} });
  expect(result.approved).toBeGreaterThan(0);
  expect(result.sent).toBeGreaterThanOrEqual(result.approved);
  expect(result.approvedPerSecond).toBeGreaterThan(0);
  for (const figure of [result.elapsedSeconds, result.p50Ms, result.p95Ms, result.p99Ms, result.maxMs, result.hostCpuCores, result.hostResidentBytesMax, result.loadCpuCores]) {
    expect(Number.isFinite(figure)).toBe(true);
    expect(figure).toBeGreaterThan(0);
  }
  expect(result.p50Ms).toBeLessThanOrEqual(result.p95Ms);
  expect(result.p95Ms).toBeLessThanOrEqual(result.p99Ms);
  expect(result.p99Ms).toBeLessThanOrEqual(result.maxMs);
  expect(result).toMatchObject({ floor: null, ratioToCommitFloor: null, ratioToGroupedFloor: null, ratioToCryptoFloor: null });
  // The group commit, read from the host's /metrics: every sale is two units. Only SQLite's
  // fsyncs run off the event loop (PostgreSQL's COMMIT flushes its WAL itself).
  expect(result.groupCommit?.unitsPerCommit).toBeGreaterThanOrEqual(1);
  if (expected.store === 'sqlite') expect(result.groupCommit?.fsyncMsAverage).toBeGreaterThan(0);
  else expect(result.groupCommit?.fsyncMsAverage).toBeNull();
  expect(result.machine.cpus).toBeGreaterThan(0);
  expect(result.machine.memoryBytes).toBeGreaterThan(0);
  expect(result.machine.node).toBe(process.version);
  expect(typeof result.machine.cpuModel).toBe('string');
  expect(result.machine.platform).toContain(process.platform);
}

describe('bastion bench host (a real process)', () => {
  it('runs chip + PIN sales against a host on a fresh SQLite database and prints one JSON object', async () => {
    const run = await bastion(['bench', 'host', '--duration', '1', '--warmup', '0', '--terminals', '4', '--json', '--no-floor']);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expectSaneResult(JSON.parse(lines[0] ?? '') as HostBenchResult, { store: 'sqlite', nodes: 1, terminals: 4 });
    // The progress lines go to stderr, never into the JSON.
    expect(run.stderr).toMatch(/approved\/s/);
  });

  it.skipIf(!postgres)(`runs two host nodes on one PostgreSQL schema, terminals spread over them${postgres ? '' : ' (SKIPPED: PostgreSQL not reachable)'}`, async () => {
    const run = await bastion(['bench', 'host', '--duration', '1', '--warmup', '0', '--terminals', '4', '--nodes', '2', '--json', '--no-floor'], { DATABASE_URL: testPostgresUrl });
    expect(run.code, run.stderr).toBe(0);
    expectSaneResult(JSON.parse(run.stdout) as HostBenchResult, { store: 'postgres', nodes: 2, terminals: 4 });
  });
}, BENCH_RUN_WAIT_MS + 30_000);

describe('bastion bench host arguments', () => {
  async function benchHost(args: readonly string[], environment: NodeJS.ProcessEnv = {}): Promise<{ exit: number | undefined; stdout: string; stderr: string }> {
    const io = memoryIo();
    let exit: number | undefined;
    await benchCommand(io, (code) => (exit = code), environment).parseAsync(['host', ...args], { from: 'user' });
    return { exit, stdout: io.out(), stderr: io.err() };
  }

  it('refuses --terminals 0 with BENCH_ERR_ARGUMENT before starting anything', async () => {
    expect(await benchHost(['--terminals', '0'])).toEqual({ exit: 2, stdout: '', stderr: 'error BENCH_ERR_ARGUMENT: --terminals must be a whole number from 1 to 4096\n' });
  });

  it.each([['--duration', '0'], ['--nodes', '17'], ['--warmup', '-1'], ['--rate', '1.5']])('refuses %s %s', async (option, value) => {
    const result = await benchHost([option, value]);
    expect(result.exit).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`^error BENCH_ERR_ARGUMENT: ${option} must be a whole number`));
  });

  it('refuses --nodes 2 without DATABASE_URL: SQLite is one process', async () => {
    const result = await benchHost(['--nodes', '2']);
    expect(result.exit).toBe(2);
    expect(result.stderr).toBe('error BENCH_ERR_ARGUMENT: more than one host node needs PostgreSQL (DATABASE_URL): SQLite is one process\n');
    expect(result.stdout).toBe('');
  });
});

describe('the bench text output', () => {
  const floor = { durableCommitsPerSecond: 1000, groupedRowsPerSecond: 10_000, cryptoSalesPerSecondHost: 400, cryptoSalesPerSecondTerminal: 500, cryptoSalesPerSecondBoth: 200, groupedBy: { rowsPerTransaction: 64 } };
  const result: HostBenchResult = {
    elapsedSeconds: 10,
    sent: 1001,
    approved: 1000,
    approvedPerSecond: 100,
    p50Ms: 1,
    p95Ms: 2,
    p99Ms: 3,
    maxMs: 4,
    errors: { '96': 1 },
    store: 'sqlite',
    nodes: 1,
    terminals: 4,
    offeredPerSecond: null,
    hostCpuCores: 0.5,
    hostResidentBytesMax: 100 * 1048576,
    loadCpuCores: 0.75,
    groupCommit: { unitsPerCommit: 24.5, fsyncMsAverage: 1.234 },
    floor,
    ratioToCommitFloor: 0.1,
    ratioToGroupedFloor: 0.01,
    ratioToCryptoFloor: 0.25,
    machine: { cpus: 2, cpuModel: 'Test CPU', memoryBytes: 2 * 1073741824, node: 'v20.0.0', platform: 'linux test x64' },
  };

  it('prints the floor and the bench as a share of it', () => {
    const text = formatHostBench(result);
    expect(text).toContain('approved:   100/s (1000 of 1001 sales)');
    expect(text).toContain('errors:     96 × 1');
    expect(text).toContain('terminals:  75% of a core');
    expect(text).toContain('commits:    24.5 units per group commit (a sale is 2), WAL fsync 1.23 ms on average');
    expect(text).toContain('floor:      durable commits 1000/s (one row each), grouped 10000 rows/s (64 rows per commit)');
    expect(text).toContain('host side 400 sales/s, terminal side 500, both 200');
    expect(text).toContain('vs floor:   10.0% of the commit floor, 1.0% of the grouped floor, 25.0% of the host-side crypto floor');
    expect(text).toContain('machine:    2 CPUs (Test CPU), 2.0 GiB, Node.js v20.0.0, linux test x64');
  });

  it('says when the floor was not measured', () => {
    const text = formatHostBench({ ...result, floor: null, ratioToCommitFloor: null, ratioToGroupedFloor: null, ratioToCryptoFloor: null });
    expect(text).toContain('floor:      not measured (--no-floor)');
    expect(text).not.toContain('vs floor');
  });

  it('names PostgreSQL\'s grouping and its synchronous_commit', () => {
    const text = formatHostBench({ ...result, store: 'postgres', floor: { ...floor, groupedBy: { clients: 16 }, postgresSynchronousCommit: 'on' } });
    expect(text).toContain('(16 clients at once), synchronous_commit on');
    expect(formatHostBench({ ...result, store: 'postgres', groupCommit: null })).not.toContain('commits:');
  });
});
