import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BastionError } from '../../lib/errors/index.js';
import { decodeFrameBody, FrameSplitter } from '../../lib/iso8583/framing/index.js';
import type { CliIo } from '../cli/io.js';
import { openConfiguredStore } from '../cli/store/configured-store.js';
import { simulatorCodec } from '../terminal-simulator/messages.js';
import { prepareBenchFleet } from './bench-fleet.js';
import { FrameMutator, fuzzFrameKinds, SeededRandom, type FuzzFrame, type FuzzFrameKind } from './frame-mutator.js';
import { freshPostgresSchema } from './host-bench.js';
import { HostChild, benchHostEnvironment, sampleHost } from './host-child.js';
import { runLoad, type LoadResult } from './load-run.js';
import { LoadTerminal } from './load-terminal.js';

export interface ChannelFuzzOptions {
  /** Fuzz frames to send in all (each fuzz connection sends its share). */
  readonly frames: number;
  /** Fuzz connections, each sending one frame at a time and reconnecting when the host closes it. */
  readonly fuzzers: number;
  /** Honest load terminals, signed in before and transacting throughout. */
  readonly honestTerminals: number;
  /** Offered sales per second over the honest terminals. */
  readonly honestRatePerSecond: number;
  /** Seconds of honest load alone, before any fuzzing: the latency baseline. */
  readonly baselineSeconds: number;
  /** The PRNG seed: the same seed sends the same frames. */
  readonly seed: number;
  /** PostgreSQL instead of a fresh embedded database (a fresh schema is made in it and dropped). */
  readonly databaseUrl?: string;
  /** Told once a second during the fuzzing. */
  readonly onProgress?: (progress: ChannelFuzzProgress) => void;
  readonly io: CliIo;
}

export interface ChannelFuzzProgress {
  readonly elapsedSeconds: number;
  readonly framesSent: number;
  readonly framesLastSecond: number;
  readonly honestApproved: number;
  readonly hostResidentBytes: number | undefined;
}

export interface ChannelFuzzResult {
  readonly seed: number;
  readonly store: 'sqlite' | 'postgres';
  readonly fuzzers: number;
  readonly honestTerminals: number;
  readonly honestRatePerSecond: number;
  /** Fuzz frames written, by kind (frame-mutator.ts). */
  readonly framesSent: number;
  readonly framesByKind: Readonly<Record<FuzzFrameKind, number>>;
  readonly fuzzSeconds: number;
  readonly framesPerSecond: number;
  /**
   * What each fuzz frame came to: `reply:<field 39>` (the first reply after it), `closed` (the
   * host closed the connection without a reply), `no-reply` (neither within the wait; the fuzzer
   * then drops the connection itself), `reply-unreadable`.
   */
  readonly outcomes: Readonly<Record<string, number>>;
  /** Fuzz connections opened, and connection attempts that failed. */
  readonly fuzzConnections: number;
  readonly fuzzConnectFailures: number;
  /** The host process exited during the run (a crash), with its code or signal. */
  readonly hostCrashed: boolean;
  readonly hostExit: { readonly code: number | null; readonly signal: string | null } | null;
  readonly honest: { readonly baseline: LoadResult; readonly underFuzz: LoadResult };
  /** The host's resident memory: before the fuzzing, the largest seen during it, after it; and a sample every 10 s. */
  readonly hostResidentBytes: { readonly start: number; readonly max: number; readonly end: number; readonly samples: readonly number[] };
  /** The host's own counters, from /metrics at the end. */
  readonly hostCounters: Readonly<Record<string, number>>;
  /** Audit rows after the run: malformed-frame rows (single events and summaries) and the frames the summaries count. */
  readonly audit: { readonly malformedFrameRows: number; readonly summaryRows: number; readonly framesInSummaries: number; readonly terminalRefusedRows: number; readonly totalRows: number };
  /** The size of the host's log file at the end. */
  readonly hostLogBytes: number;
  /** No crash, and every honest sale approved. */
  readonly ok: boolean;
}

/** After a frame, how long a fuzzer waits for a reply or a close before dropping the connection itself. */
const OUTCOME_WAIT_MS = 5_000;
/** After a frame that put the stream out of step, how long it waits for the host to close. */
const CLOSE_WAIT_MS = 5_000;
/**
 * Sent after a frame whose length lied: whatever frame the host was in the middle of (at most
 * its default bound, 8 KiB), these bytes finish it and then read as a length prefix of 0xFFFF,
 * over the bound, so the host closes the connection.
 */
const RESYNC_BYTES = Buffer.alloc(8 * 1024 + 2, 0xff);
const REPLY_FRAME_BYTES_MAX = 8 * 1024;
const SAMPLE_EVERY_SECONDS = 10;
/** A second loopback address for the fuzzers, so the host sees them apart from the honest terminals. */
const FUZZ_LOCAL_ADDRESS = '127.0.0.2';

type Outcome = { readonly type: 'reply'; readonly body: Buffer } | { readonly type: 'closed' } | { readonly type: 'timeout' };

/** One fuzz connection: writes one frame, waits for what the host does, reconnects when closed. */
class FuzzConnection {
  #socket: Socket | undefined;
  #waiting: ((outcome: Outcome) => void) | undefined;
  #closed: Promise<void> = Promise.resolve();
  connections = 0;
  connectFailures = 0;

  constructor(
    private readonly address: { readonly host: string; readonly port: number },
    private readonly localAddress: string | undefined,
  ) {}

  get open(): boolean {
    return this.#socket !== undefined;
  }

  async connect(): Promise<boolean> {
    const socket = connect({ host: this.address.host, port: this.address.port, noDelay: true, ...(this.localAddress === undefined ? {} : { localAddress: this.localAddress }) });
    const splitter = new FrameSplitter({ frameBytesMax: REPLY_FRAME_BYTES_MAX });
    const connected = await new Promise<boolean>((resolve) => {
      socket.once('connect', () => { resolve(true); });
      socket.once('error', () => { resolve(false); });
    });
    if (!connected) {
      socket.destroy();
      this.connectFailures++;
      return false;
    }
    this.connections++;
    this.#socket = socket;
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      let bodies: Buffer[];
      try {
        bodies = splitter.push(chunk);
      } catch {
        socket.destroy();
        return;
      }
      for (const body of bodies) this.#deliver({ type: 'reply', body });
    });
    this.#closed = new Promise((resolve) => {
      socket.once('close', () => {
        if (this.#socket === socket) this.#socket = undefined;
        this.#deliver({ type: 'closed' });
        resolve();
      });
    });
    return true;
  }

  /** Writes `frame` and tells what came of it. */
  async send(frame: FuzzFrame): Promise<Outcome> {
    const socket = this.#socket;
    if (socket === undefined) return { type: 'closed' };
    const outcome = this.#next(OUTCOME_WAIT_MS);
    socket.write(frame.bytes);
    if (frame.desync) socket.write(RESYNC_BYTES);
    const result = await outcome;
    if (frame.desync && result.type !== 'closed') await this.#awaitClose();
    if (result.type === 'timeout') this.drop();
    return result;
  }

  /** Ends the connection at once, with a reset: no TIME_WAIT left on the fuzzer's side. */
  drop(): void {
    const socket = this.#socket;
    if (socket === undefined) return;
    this.#socket = undefined;
    socket.resetAndDestroy();
  }

  async #awaitClose(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.#closed, new Promise<void>((resolve) => { timer = setTimeout(resolve, CLOSE_WAIT_MS); })]);
    clearTimeout(timer);
    this.drop();
  }

  #next(timeoutMs: number): Promise<Outcome> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiting = undefined;
        resolve({ type: 'timeout' });
      }, timeoutMs);
      this.#waiting = (outcome) => {
        clearTimeout(timer);
        resolve(outcome);
      };
    });
  }

  #deliver(outcome: Outcome): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.(outcome);
  }
}

/** `reply:<39>` for a reply frame; `reply-unreadable` when it does not decode. */
function replyLabel(body: Buffer): string {
  try {
    const message = simulatorCodec.unpack(decodeFrameBody(body).message);
    return `reply:${message.get(39) ?? 'none'}`;
  } catch {
    return 'reply-unreadable';
  }
}

/**
 * The channel fuzz bench (issue 6 part 5): a host on a fresh store, honest load terminals
 * transacting at a fixed rate, a baseline of their latency alone, then `frames` fuzz frames from
 * `fuzzers` connections while they go on. Reports the frames and what came of them, whether the
 * host survived, the honest terminals' outcomes and latency against the baseline, the host's
 * memory over the run and the audit rows the fuzzing left. Everything made for it is removed.
 */
export async function runChannelFuzz(options: ChannelFuzzOptions): Promise<ChannelFuzzResult> {
  if (!Number.isInteger(options.seed) || options.seed < 0 || options.seed > 0xffff_ffff) throw new BastionError('BENCH_ERR_ARGUMENT', 'the seed must be a whole number from 0 to 4294967295', { argument: 'seed' });
  const dataDir = mkdtempSync(join(tmpdir(), 'bastion-fuzz-'));
  const database = options.databaseUrl === undefined ? undefined : await freshPostgresSchema(options.databaseUrl);
  const environment = benchHostEnvironment({ BASTION_DATA_DIR: dataDir, ...(database === undefined ? {} : { DATABASE_URL: database.url }) });
  let host: HostChild | undefined;
  try {
    const fleet = await prepareBenchFleet(options.io, environment, dataDir, options.honestTerminals);
    const started = await HostChild.start(environment);
    host = started.host;
    const { channel, metricsUrl } = started.addresses;
    const crash: { exit: { code: number | null; signal: string | null } | null } = { exit: null };
    const hostGone = host.exited.then((exit) => {
      crash.exit = exit;
    });

    const terminals = fleet.terminals.map((spec) => new LoadTerminal(spec, channel));
    for (const terminal of terminals) {
      await terminal.connect();
      const code = await terminal.signIn();
      if (code !== '00') throw new BastionError('BENCH_ERR_HOST', `honest terminal ${terminal.spec.terminalId} was refused sign-in (${code})`, { responseCode: code });
    }
    const rate = { ratePerSecond: options.honestRatePerSecond };
    const baseline = await runLoad(terminals, { durationMs: options.baselineSeconds * 1000, ...rate });

    const startSample = await sampleHost(metricsUrl);
    const memory = { start: startSample?.residentBytes ?? 0, max: startSample?.residentBytes ?? 0, samples: [startSample?.residentBytes ?? 0] };
    let stopHonest: () => void = () => undefined;
    const honestStop = new Promise<void>((resolve) => { stopHonest = resolve; });
    void hostGone.then(() => { stopHonest(); });
    let honestApproved = 0;
    const honestRun = runLoad(terminals, {
      durationMs: Number.MAX_SAFE_INTEGER / 2,
      ...rate,
      stop: honestStop,
      onOutcome: (_terminal, outcome) => {
        if (outcome.responseCode === '00') honestApproved++;
      },
    });

    const random = new SeededRandom(options.seed);
    const mutator = new FrameMutator(random);
    const framesByKind = Object.fromEntries(fuzzFrameKinds.map((kind) => [kind, 0])) as Record<FuzzFrameKind, number>;
    const outcomes: Record<string, number> = {};
    const count = (label: string): void => {
      outcomes[label] = (outcomes[label] ?? 0) + 1;
    };
    const localAddress = await fuzzLocalAddress(channel);
    const connections = Array.from({ length: options.fuzzers }, () => new FuzzConnection(channel, localAddress));
    let sent = 0;
    let sentAtLastTick = 0;
    const fuzzStarted = performance.now();
    let seconds = 0;
    const ticker = setInterval(() => {
      seconds++;
      void sampleHost(metricsUrl).then((sample) => {
        const resident = sample?.residentBytes;
        if (resident !== undefined) {
          memory.max = Math.max(memory.max, resident);
          if (seconds % SAMPLE_EVERY_SECONDS === 0) memory.samples.push(resident);
        }
        options.onProgress?.({ elapsedSeconds: (performance.now() - fuzzStarted) / 1000, framesSent: sent, framesLastSecond: sent - sentAtLastTick, honestApproved, hostResidentBytes: resident });
        sentAtLastTick = sent;
      });
    }, 1000);

    // Frames are drawn from one generator in the order the fuzzers ask: the set of frames is the
    // seed's; which connection carries which may differ from run to run.
    const fuzz = async (connection: FuzzConnection): Promise<void> => {
      while (sent < options.frames && crash.exit === null) {
        if (!connection.open && !(await connection.connect())) {
          // Refused: the host may be gone; otherwise try again shortly.
          await new Promise((resolve) => setTimeout(resolve, 50));
          continue;
        }
        // Other connections sent while this one connected: the budget is checked again here, or
        // a run could send a few frames more than it was asked for.
        if (sent >= options.frames) break;
        const frame = mutator.next();
        sent++;
        framesByKind[frame.kind]++;
        const outcome = await connection.send(frame);
        count(outcome.type === 'reply' ? replyLabel(outcome.body) : outcome.type === 'timeout' ? 'no-reply' : 'closed');
      }
      connection.drop();
    };
    try {
      await Promise.all(connections.map((connection) => fuzz(connection)));
    } finally {
      clearInterval(ticker);
    }
    const fuzzSeconds = (performance.now() - fuzzStarted) / 1000;
    stopHonest();
    const underFuzz = await honestRun;
    for (const terminal of terminals) terminal.close();
    const endSample = await sampleHost(metricsUrl);
    const end = endSample?.residentBytes ?? 0;
    memory.max = Math.max(memory.max, end);
    memory.samples.push(end);
    const hostCounters = crash.exit === null ? await readHostCounters(metricsUrl) : {};
    // Read before the orderly stop below, whose exit is not a crash.
    const hostExit = crash.exit;
    const hostCrashed = hostExit !== null;
    await host.stop();
    host = undefined;
    const audit = await countAuditRows(environment);
    const honestOk = Object.keys(baseline.errors).length === 0 && Object.keys(underFuzz.errors).length === 0 && underFuzz.sent > 0;
    return {
      seed: options.seed,
      store: database === undefined ? 'sqlite' : 'postgres',
      fuzzers: options.fuzzers,
      honestTerminals: options.honestTerminals,
      honestRatePerSecond: options.honestRatePerSecond,
      framesSent: sent,
      framesByKind,
      fuzzSeconds,
      framesPerSecond: sent / fuzzSeconds,
      outcomes,
      fuzzConnections: connections.reduce((sum, connection) => sum + connection.connections, 0),
      fuzzConnectFailures: connections.reduce((sum, connection) => sum + connection.connectFailures, 0),
      hostCrashed,
      hostExit,
      honest: { baseline, underFuzz },
      hostResidentBytes: { start: memory.start, max: memory.max, end, samples: memory.samples },
      hostCounters,
      audit,
      hostLogBytes: fileBytes(join(dataDir, 'logs', 'bastion.log')),
      ok: !hostCrashed && honestOk,
    };
  } finally {
    await host?.stop();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** 127.0.0.2 when the host is on loopback and the system lets us bind it (Linux does; macOS does not by default). */
async function fuzzLocalAddress(channel: { readonly host: string; readonly port: number }): Promise<string | undefined> {
  if (channel.host !== '127.0.0.1') return undefined;
  const probe = new FuzzConnection(channel, FUZZ_LOCAL_ADDRESS);
  const ok = await probe.connect();
  probe.drop();
  return ok ? FUZZ_LOCAL_ADDRESS : undefined;
}

const counterNames = {
  framesIn: 'bastion_channel_frames_received_total',
  framesMalformed: 'bastion_channel_frames_malformed_total',
  formatErrorReplies: 'bastion_channel_format_error_replies_total',
  framesOut: 'bastion_channel_frames_sent_total',
  connectionsAccepted: 'bastion_channel_connections_accepted_total',
  connectionsRefused: 'bastion_channel_connections_refused_total',
  connectionsOpen: 'bastion_channel_connections_open',
  frameTimeouts: 'bastion_channel_frame_timeouts_total',
  overloadCloses: 'bastion_channel_overload_closes_total',
  handlerErrors: 'bastion_channel_handler_errors_total',
  handlerTimeouts: 'bastion_channel_handler_timeouts_total',
} as const;

async function readHostCounters(metricsUrl: string): Promise<Record<string, number>> {
  const counters: Record<string, number> = {};
  try {
    const text = await (await fetch(metricsUrl, { signal: AbortSignal.timeout(5_000) })).text();
    for (const [name, metric] of Object.entries(counterNames)) {
      const value = new RegExp(`^${metric} (\\S+)$`, 'm').exec(text)?.[1];
      if (value !== undefined) counters[name] = Number(value);
    }
    // Summed over their labels: requests the pipeline chose not to answer (a fuzz frame's
    // `no-reply`), and replies with 39 = 96 (the host failed on a request).
    counters['requestsUnanswered'] = sumOf(text, /^bastion_host_requests_unanswered_total\{[^}]*\} (\S+)$/gm);
    counters['replies96'] = sumOf(text, /^bastion_host_replies_total\{[^}]*response_code="96"[^}]*\} (\S+)$/gm);
  } catch {
    // No figures: the report shows none.
  }
  return counters;
}

function sumOf(text: string, pattern: RegExp): number {
  let sum = 0;
  for (const match of text.matchAll(pattern)) sum += Number(match[1]);
  return sum;
}

interface AuditRowsTable {
  audit_log: { action: string; details: string };
}

/** Audit rows by action after the run, read from the store the host used. */
async function countAuditRows(environment: NodeJS.ProcessEnv): Promise<ChannelFuzzResult['audit']> {
  const { store } = await openConfiguredStore(environment);
  try {
    const db = store.db<AuditRowsTable>();
    const malformed = await db.selectFrom('audit_log').select('details').where('action', '=', 'security.malformed-frame').execute();
    let summaryRows = 0;
    let framesInSummaries = 0;
    for (const row of malformed) {
      const details = JSON.parse(row.details) as { kind?: unknown; count?: unknown };
      if (details.kind !== 'malformed-frames-summary') continue;
      summaryRows++;
      framesInSummaries += typeof details.count === 'number' ? details.count : 0;
    }
    const refused = await db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number | string | bigint>().as('n')).where('action', '=', 'terminal.refused').executeTakeFirst();
    const total = await db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number | string | bigint>().as('n')).executeTakeFirst();
    return { malformedFrameRows: malformed.length, summaryRows, framesInSummaries, terminalRefusedRows: Number(refused?.n ?? 0), totalRows: Number(total?.n ?? 0) };
  } finally {
    await store.close();
  }
}

function fileBytes(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
