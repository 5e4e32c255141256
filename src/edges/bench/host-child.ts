import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BastionError } from '../../lib/errors/index.js';

/** bin/bastion.js, from src/edges/bench (tests) and dist/edges/bench (the build) alike. */
export const bastionBinPath = fileURLToPath(new URL('../../../bin/bastion.js', import.meta.url));
const HOST_START_WAIT_MS = 120_000;
const HOST_STOP_WAIT_MS = 60_000;
const OUTPUT_KEPT_CHARS_MAX = 64 * 1024;

export interface HostAddresses {
  readonly channel: { readonly host: string; readonly port: number };
  readonly metricsUrl: string;
}

/** The host's own figures, from its /metrics: CPU seconds so far and resident memory. */
export interface HostSample {
  readonly cpuSeconds: number;
  readonly residentBytes: number;
  /** The store's group commit counters (SQLite), absent where the host has none (PostgreSQL). */
  readonly commits?: { readonly groups: number; readonly units: number; readonly fsyncs: number; readonly fsyncSeconds: number };
}

/**
 * `bastion serve --dev` as a child process of its own, on ports it picks: the host a bench (or a
 * crash test) drives from outside, exactly as an operator starts it. Only the variables the host
 * needs are passed on, so a developer's own settings cannot leak in.
 */
export class HostChild {
  #stdout = '';
  #stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly #child: ChildProcess;

  private constructor(environment: NodeJS.ProcessEnv, args: readonly string[]) {
    // BASTION_BENCH_HOST_NODE_ARGS: flags for the host's node (e.g. --cpu-prof) when profiling it.
    const nodeArgs = (process.env['BASTION_BENCH_HOST_NODE_ARGS'] ?? '').split(' ').filter((arg) => arg !== '');
    this.#child = spawn(process.execPath, [...nodeArgs, bastionBinPath, 'serve', '--dev', '--channel-port', '0', '--http-port', '0', ...args], { env: environment, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child.stdout?.setEncoding('utf8').on('data', (chunk: string) => { this.#stdout = keepTail(this.#stdout + chunk); });
    this.#child.stderr?.setEncoding('utf8').on('data', (chunk: string) => { this.#stderr = keepTail(this.#stderr + chunk); });
    this.exited = new Promise((resolve) => {
      this.#child.once('exit', (code, signal) => { resolve({ code, signal }); });
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Starts the host and waits until it prints where it listens (BENCH_ERR_HOST when it does not). */
  static async start(environment: NodeJS.ProcessEnv, args: readonly string[] = []): Promise<{ host: HostChild; addresses: HostAddresses }> {
    const host = new HostChild(environment, args);
    const deadline = Date.now() + HOST_START_WAIT_MS;
    const state = { exited: false };
    void host.exited.then(() => (state.exited = true));
    for (;;) {
      const channel = /terminal channel: (\S+):(\d+) /.exec(host.#stdout);
      const metrics = /metrics: (http:\/\/\S+)/.exec(host.#stdout);
      if (channel?.[1] !== undefined && channel[2] !== undefined && metrics?.[1] !== undefined) {
        const listen = channel[1].replace(/^\[|\]$/g, '');
        return { host, addresses: { channel: { host: listen === '0.0.0.0' || listen === '::' ? '127.0.0.1' : listen, port: Number(channel[2]) }, metricsUrl: metrics[1] } };
      }
      if (state.exited || Date.now() > deadline) {
        host.kill();
        throw new BastionError('BENCH_ERR_HOST', `the bench host did not start: ${lastLine(host.#stderr) ?? 'no output'}`, { exited: state.exited });
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  get output(): { readonly stdout: string; readonly stderr: string } {
    return { stdout: this.#stdout, stderr: this.#stderr };
  }

  /** SIGTERM and the wait for an orderly exit (SIGKILL after the bound). */
  async stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGTERM');
    const timer = setTimeout(() => { this.kill(); }, HOST_STOP_WAIT_MS);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGKILL: the host gets no chance to finish anything (the crash test's crash). */
  kill(): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
  }
}

/** Reads the host's CPU seconds, resident memory and group commit counters from /metrics (undefined when it does not answer). */
export async function sampleHost(metricsUrl: string): Promise<HostSample | undefined> {
  try {
    const response = await fetch(metricsUrl, { signal: AbortSignal.timeout(5_000) });
    const text = await response.text();
    const value = (name: string): number | undefined => {
      const found = new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1];
      return found === undefined ? undefined : Number(found);
    };
    const cpu = value('process_cpu_seconds_total');
    const rss = value('process_resident_memory_bytes');
    if (cpu === undefined || rss === undefined) return undefined;
    const groups = value('bastion_store_group_commits_total');
    const units = value('bastion_store_group_commit_units_total');
    const fsyncs = value('bastion_store_wal_fsyncs_total');
    const fsyncSeconds = value('bastion_store_wal_fsync_seconds_total');
    const commits = groups === undefined || units === undefined || fsyncs === undefined || fsyncSeconds === undefined ? undefined : { groups, units, fsyncs, fsyncSeconds };
    return { cpuSeconds: cpu, residentBytes: rss, ...(commits === undefined ? {} : { commits }) };
  } catch {
    return undefined;
  }
}

/**
 * What a host child inherits from this process's environment: what any process needs to run
 * (`SYSTEMROOT`: on Windows a child without it can fail to load system libraries) and
 * `BASTION_TIME_ZONE`, so that the host's business day is the one of the terminals this process
 * simulates. Nothing else — a developer's `DATABASE_URL` or other `BASTION_*` settings can't leak in.
 */
const inheritedVariables = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'SYSTEMROOT', 'BASTION_TIME_ZONE'] as const;

/**
 * A clean environment for a `bastion` child process: only `inheritedVariables`, plus `extra`.
 * The benches and the serve / demo tests (`src/edges/cli/serve/test-host-process.ts`) share it.
 */
export function hostEnvironment(extra: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const kept: NodeJS.ProcessEnv = {};
  for (const name of inheritedVariables) if (process.env[name] !== undefined) kept[name] = process.env[name];
  return { ...kept, ...extra };
}

/**
 * The host's tuning variables (docs/operations.md): a bench passes the operator's choice through to
 * the hosts it starts, so `BASTION_PG_POOL_SIZE=20 bastion bench host` measures a host with that
 * pool. Tests use `hostEnvironment` alone, so a developer's settings can't change what they test.
 */
export const hostTuningVariables = ['BASTION_SQLITE_SYNCHRONOUS', 'BASTION_PG_POOL_SIZE', 'BASTION_HSM_THREADS', 'BASTION_HOST_THREADS'] as const;

/** `hostEnvironment` plus the host tuning variables set in this process's environment. */
export function benchHostEnvironment(extra: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const tuning: Record<string, string> = {};
  for (const name of hostTuningVariables) {
    const value = process.env[name];
    if (value !== undefined) tuning[name] = value;
  }
  return hostEnvironment({ ...tuning, ...extra });
}

function keepTail(text: string): string {
  return text.length > OUTPUT_KEPT_CHARS_MAX ? text.slice(-OUTPUT_KEPT_CHARS_MAX) : text;
}

function lastLine(text: string): string | undefined {
  return text.trim().split('\n').at(-1);
}
