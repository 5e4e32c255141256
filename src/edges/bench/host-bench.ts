import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BastionError } from '../../lib/errors/index.js';
import type { CliIo } from '../cli/io.js';
import { prepareBenchFleet } from './bench-fleet.js';
import { benchMachine, benchRatios, measureBenchFloor, type BenchFloor, type BenchMachine } from './floor.js';
import { HostChild, benchHostEnvironment, sampleHost, type HostSample } from './host-child.js';
import { loopbackSourceAddress, LoadTerminal } from './load-terminal.js';
import { runLoad, type LoadProgress, type LoadResult } from './load-run.js';

export interface HostBenchOptions {
  readonly terminals: number;
  readonly durationSeconds: number;
  readonly warmupSeconds: number;
  readonly ratePerSecond?: number;
  /** PostgreSQL instead of a fresh embedded database (a fresh schema is made in it and dropped). */
  readonly databaseUrl?: string;
  /** Host processes sharing the database (PostgreSQL only): terminals are spread over them. */
  readonly nodes: number;
  /** Measure the machine's floor (durable commits, crypto) before the load (default true). */
  readonly floor?: boolean;
  readonly onProgress?: (progress: LoadProgress) => void;
  readonly io: CliIo;
}

export interface HostBenchResult extends LoadResult {
  readonly store: 'sqlite' | 'postgres';
  readonly nodes: number;
  readonly terminals: number;
  readonly offeredPerSecond: number | null;
  /** Host CPU over the measured run, in cores (1.0 = one core busy), summed over nodes. */
  readonly hostCpuCores: number;
  /** The largest resident memory any node reported during the run. */
  readonly hostResidentBytesMax: number;
  /** The bench's own process (the load terminals and their crypto) over the measured run, in cores. */
  readonly loadCpuCores: number;
  /**
   * SQLite's group commit over the measured run: units (a sale is two: the issuer's decision and
   * the host's record) per database transaction, and the WAL fsync's average time (off the event
   * loop). Null on PostgreSQL, which commits each unit alone.
   */
  readonly groupCommit: { readonly unitsPerCommit: number; readonly fsyncMsAverage: number | null } | null;
  /** What the machine does at best for the same work, measured before the load (null with --no-floor). */
  readonly floor: BenchFloor | null;
  readonly ratioToCommitFloor: number | null;
  readonly ratioToGroupedFloor: number | null;
  readonly ratioToCryptoFloor: number | null;
  readonly machine: BenchMachine;
}

/**
 * One bench run: a fresh store, the fleet, the host process(es), every terminal signed in over
 * its own connection, a warm-up, then the measured run. Everything made for it is removed after.
 */
export async function runHostBench(options: HostBenchOptions): Promise<HostBenchResult> {
  if (options.nodes > 1 && options.databaseUrl === undefined) throw new BastionError('BENCH_ERR_ARGUMENT', 'more than one host node needs PostgreSQL (DATABASE_URL): SQLite is one process', { argument: 'nodes' });
  const dataDir = mkdtempSync(join(tmpdir(), 'bastion-bench-'));
  const database = options.databaseUrl === undefined ? undefined : await freshPostgresSchema(options.databaseUrl);
  const environment = benchHostEnvironment({ BASTION_DATA_DIR: dataDir, ...(database === undefined ? {} : { DATABASE_URL: database.url }) });
  const hosts: HostChild[] = [];
  try {
    // Before anything else runs, on the same disk or database as the host's store.
    const floor = options.floor === false ? null : await measureBenchFloor(database === undefined ? { kind: 'sqlite', directory: dataDir } : { kind: 'postgres', url: database.url });
    const fleet = await prepareBenchFleet(options.io, environment, dataDir, options.terminals);
    // Every node that did start is stopped below, even when another one failed to.
    const starts = await Promise.allSettled(Array.from({ length: options.nodes }, () => HostChild.start(environment)));
    const started = starts.flatMap((start) => (start.status === 'fulfilled' ? [start.value] : []));
    hosts.push(...started.map((entry) => entry.host));
    const failed = starts.find((start) => start.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    const terminals = fleet.terminals.map((spec, index) => new LoadTerminal(spec, started[index % started.length]?.addresses.channel ?? { host: '127.0.0.1', port: 0 }, { localAddress: loopbackSourceAddress(index) }));
    for (const terminal of terminals) {
      let code: string;
      try {
        await terminal.connect();
        code = await terminal.signIn();
      } catch (error) {
        // Its connection refused or closed (a limit of the host's channel, say): a coded error, not an internal one.
        throw new BastionError('BENCH_ERR_HOST', `load terminal ${terminal.spec.terminalId} could not sign in: ${error instanceof Error ? error.message : 'no answer'}`, { terminalId: terminal.spec.terminalId });
      }
      if (code !== '00') throw new BastionError('BENCH_ERR_HOST', `load terminal ${terminal.spec.terminalId} was refused sign-in (${code})`, { responseCode: code });
    }
    const rate = options.ratePerSecond === undefined ? {} : { ratePerSecond: options.ratePerSecond };
    if (options.warmupSeconds > 0) await runLoad(terminals, { durationMs: options.warmupSeconds * 1000, ...rate });
    const metricsUrls = started.map((entry) => entry.addresses.metricsUrl);
    const before = await sampleAll(metricsUrls);
    const loadCpuBefore = process.cpuUsage();
    let residentMax = 0;
    const result = await runLoad(terminals, {
      durationMs: options.durationSeconds * 1000,
      ...rate,
      onProgress: (progress) => {
        options.onProgress?.(progress);
        void sampleAll(metricsUrls).then((samples) => { residentMax = Math.max(residentMax, ...samples.map((sample) => sample?.residentBytes ?? 0)); });
      },
    });
    const loadCpu = process.cpuUsage(loadCpuBefore);
    const after = await sampleAll(metricsUrls);
    for (const terminal of terminals) terminal.close();
    let cpuSeconds = 0;
    const commits = { groups: 0, units: 0, fsyncs: 0, fsyncSeconds: 0 };
    let commitsSeen = false;
    for (const [index, sample] of after.entries()) {
      residentMax = Math.max(residentMax, sample?.residentBytes ?? 0);
      // A node that did not answer one of the two samples adds nothing (rather than minus its total).
      const first = before[index];
      if (sample !== undefined && first !== undefined) cpuSeconds += sample.cpuSeconds - first.cpuSeconds;
      if (sample?.commits !== undefined && first?.commits !== undefined) {
        commitsSeen = true;
        commits.groups += sample.commits.groups - first.commits.groups;
        commits.units += sample.commits.units - first.commits.units;
        commits.fsyncs += sample.commits.fsyncs - first.commits.fsyncs;
        commits.fsyncSeconds += sample.commits.fsyncSeconds - first.commits.fsyncSeconds;
      }
    }
    return {
      ...result,
      store: database === undefined ? 'sqlite' : 'postgres',
      nodes: options.nodes,
      terminals: options.terminals,
      offeredPerSecond: options.ratePerSecond ?? null,
      hostCpuCores: cpuSeconds / result.elapsedSeconds,
      hostResidentBytesMax: residentMax,
      loadCpuCores: (loadCpu.user + loadCpu.system) / 1e6 / result.elapsedSeconds,
      groupCommit: commitsSeen && commits.groups > 0 ? { unitsPerCommit: commits.units / commits.groups, fsyncMsAverage: commits.fsyncs === 0 ? null : (commits.fsyncSeconds * 1000) / commits.fsyncs } : null,
      floor,
      ...(floor === null ? { ratioToCommitFloor: null, ratioToGroupedFloor: null, ratioToCryptoFloor: null } : benchRatios(result.approvedPerSecond, floor)),
      machine: benchMachine(),
    };
  } finally {
    await Promise.all(hosts.map((host) => host.stop()));
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function sampleAll(urls: readonly string[]): Promise<(HostSample | undefined)[]> {
  return Promise.all(urls.map((url) => sampleHost(url)));
}

/** A new schema in the database at `url`, and the URL that puts it first on the search path. */
export async function freshPostgresSchema(url: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const { default: pg } = await import('pg');
  const schema = `bench_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e9).toString(36)}`;
  const admin = new pg.Client({ connectionString: url });
  try {
    await admin.connect();
    await admin.query(`create schema ${schema}`);
  } catch (error) {
    await admin.end().catch(() => undefined);
    throw new BastionError('BENCH_ERR_HOST', `PostgreSQL at DATABASE_URL is not usable for the bench: ${(error as { code?: string }).code ?? 'unreachable'}`, {});
  }
  await admin.end();
  const withSchema = new URL(url);
  withSchema.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: withSchema.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`drop schema if exists ${schema} cascade`);
      } finally {
        await client.end();
      }
    },
  };
}
