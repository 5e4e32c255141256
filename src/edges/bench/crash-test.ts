import { randomInt } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BastionError } from '../../lib/errors/index.js';
import type { Store } from '../../ports/store.js';
import { auditKeyFilePath, readAuditChainKey } from '../cli/audit/chain-key-file.js';
import type { CliIo } from '../cli/io.js';
import { openConfiguredStore } from '../cli/store/configured-store.js';
import { benchCard, prepareBenchFleet } from './bench-fleet.js';
import { CrashBook } from './crash-book.js';
import { checkCrashRun, readBenchCardBalances, type CrashCheck } from './crash-check.js';
import { planRound, SEED_MAX, type RoundPlan } from './crash-seed.js';
import { freshPostgresSchema } from './host-bench.js';
import { HostChild, benchHostEnvironment, type HostAddresses } from './host-child.js';
import { runLoad } from './load-run.js';
import { LoadTerminal } from './load-terminal.js';

export interface CrashTestOptions {
  readonly rounds: number;
  /** Replays a run's choices; a fresh one is drawn (and reported) when absent. */
  readonly seed?: number;
  readonly terminals: number;
  /** Host processes on one PostgreSQL (databaseUrl); 1 on SQLite. */
  readonly nodes: number;
  readonly databaseUrl?: string;
  readonly io: CliIo;
  /** Told as each round ends (the command prints it, so a failing run shows its seeds as it goes). */
  readonly onRound?: (round: CrashRoundReport) => void;
  /** Keep the data directory and schema, and hand them back (tests tamper with them). */
  readonly keep?: boolean;
}

export interface CrashRoundReport {
  readonly round: number;
  readonly seed: number;
  readonly killAfterMs: number;
  /** 1-based node numbers killed with SIGKILL. */
  readonly killed: readonly number[];
  readonly sent: number;
  readonly approved: number;
  readonly declined: number;
  readonly unanswered: number;
  /** Reversals of earlier rounds' unanswered sales answered 00 in this round (before or during its load). */
  readonly reversals: number;
  /** Terminals that sent their reversals during the load, into the kill (crash-seed.ts). */
  readonly lateTerminals: number;
  /** Their reversals the kill cut off (unanswered: sent again next round). */
  readonly lateCutOff: number;
  /** Reversals still owed when the round ended (this round's unanswered sales, and late ones the kill cut off). */
  readonly reversalsOwed: number;
}

export interface CrashTestResult {
  readonly seed: number;
  readonly store: 'sqlite' | 'postgres';
  readonly nodes: number;
  readonly terminals: number;
  readonly rounds: readonly CrashRoundReport[];
  readonly sent: number;
  readonly approved: number;
  readonly declined: number;
  readonly unanswered: number;
  readonly reversals: number;
  /** Sign-ins after the first (a 77 or A0 answer: the business day turned, or keys went astray). */
  readonly signIns: number;
  readonly check: CrashCheck;
  /**
   * Error-level lines of the hosts' logs (what is left of them: a killed host loses its unwritten
   * buffer), counted by message. Not an invariant; where to look when one fails.
   */
  readonly hostLogErrors: Readonly<Record<string, number>>;
  /** Node starts that failed and were tried again (each with the host's last line of output). */
  readonly hostStartFailures: readonly string[];
  /** With `keep`: where the run's data is, what the terminals saw, and how to remove it. */
  readonly kept?: KeptRun;
}

export interface KeptRun {
  readonly environment: NodeJS.ProcessEnv;
  readonly book: CrashBook;
  readonly chainKey: Buffer;
  dispose(): Promise<void>;
}

export const CRASH_ROUNDS_MAX = 10_000;
/** Attempts at one reversal before the round moves on (it is tried again at the next start). */
const REVERSAL_ATTEMPTS_MAX = 20;
const REVERSAL_RETRY_WAIT_MS = 100;
/** Attempts at starting a node before the run gives up (BENCH_ERR_HOST). */
const HOST_START_ATTEMPTS_MAX = 3;
/** A sale's answer must come within this, or the terminal reverses it. */
const EXCHANGE_TIMEOUT_MS = 10_000;
/** The load never ends by itself: the kill ends it. */
const LOAD_DURATION_MS_MAX = 3_600_000;

/**
 * The crash test (docs/performance.md): rounds of load against `bastion serve` child processes,
 * each ended by SIGKILL of one node or all at a moment drawn from the round's seed; killed nodes
 * are restarted, every terminal reconnects (to another node each round, when there are several)
 * and first reverses every sale it got no answer for. After the last round the hosts are
 * restarted once, the last reversals sent, the hosts stopped cleanly, and the store checked
 * against what the terminals saw (crash-check.ts).
 */
export async function runCrashTest(options: CrashTestOptions): Promise<CrashTestResult> {
  if (options.nodes > 1 && options.databaseUrl === undefined) throw new BastionError('BENCH_ERR_ARGUMENT', 'more than one host node needs PostgreSQL (DATABASE_URL): SQLite is one process', { argument: 'nodes' });
  if (!Number.isInteger(options.rounds) || options.rounds < 1 || options.rounds > CRASH_ROUNDS_MAX) throw new BastionError('BENCH_ERR_ARGUMENT', `the crash test runs 1 to ${CRASH_ROUNDS_MAX} rounds`, { argument: 'rounds' });
  if (options.seed !== undefined && (!Number.isInteger(options.seed) || options.seed < 0 || options.seed > SEED_MAX)) throw new BastionError('BENCH_ERR_ARGUMENT', `a seed is a whole number from 0 to ${SEED_MAX}`, { argument: 'seed' });
  const seed = options.seed ?? randomInt(0, SEED_MAX);
  const dataDir = mkdtempSync(join(tmpdir(), 'bastion-crash-'));
  const database = options.databaseUrl === undefined ? undefined : await freshPostgresSchema(options.databaseUrl);
  // The host tuning variables set here (host threads, pool size, …) reach the hosts: the crash test proves the configuration in use.
  const environment = benchHostEnvironment({ BASTION_DATA_DIR: dataDir, ...(database === undefined ? {} : { DATABASE_URL: database.url }) });
  const dispose = async (): Promise<void> => {
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  const cluster = new Cluster(environment, options.nodes);
  let kept = false;
  try {
    const fleet = await prepareBenchFleet(options.io, environment, dataDir, options.terminals);
    const book = new CrashBook();
    fleet.terminals.forEach((spec, index) => book.cardOf.set(spec.terminalId, benchCard(index).profile));
    await withStore(environment, async (store) => {
      for (const [card, balance] of await readBenchCardBalances(store)) book.initialBalances.set(card, balance);
    });
    const terminals = fleet.terminals.map((spec) => new LoadTerminal(spec, { host: '127.0.0.1', port: 0 }, { timeoutMs: EXCHANGE_TIMEOUT_MS }));
    const rounds: CrashRoundReport[] = [];
    let roundSeed = seed;
    for (let round = 1; round <= options.rounds; round++) {
      const plan = planRound(round, roundSeed, options.nodes);
      const report = await runRound(cluster, terminals, book, plan);
      rounds.push(report);
      options.onRound?.(report);
      roundSeed = plan.nextSeed;
    }
    // The end: every node up once more, the last reversals, an orderly stop, then the check.
    await cluster.startMissing();
    await reconnect(cluster, terminals, book, options.rounds + 1);
    await sendOwedReversals(terminals, book);
    for (const terminal of terminals) terminal.close();
    await cluster.stopAll();
    const chainKey = readAuditChainKey(auditKeyFilePath(environment, dataDir));
    if (chainKey === undefined) throw new BastionError('BENCH_ERR_HOST', 'the crash test host left no audit chain key', {});
    const check = await withStore(environment, (store) => checkCrashRun(store, book, { chainKey }));
    kept = options.keep === true;
    return {
      seed,
      store: database === undefined ? 'sqlite' : 'postgres',
      nodes: options.nodes,
      terminals: options.terminals,
      rounds,
      sent: book.salesSent,
      approved: book.approvals.length,
      declined: book.declines.length,
      unanswered: book.unanswered.length,
      reversals: book.reversalsAnswered,
      signIns: book.signIns,
      check,
      hostLogErrors: hostLogErrors(join(dataDir, 'logs')),
      hostStartFailures: [...cluster.startFailures],
      ...(kept ? { kept: { environment, book, chainKey, dispose } } : {}),
    };
  } finally {
    cluster.killAll();
    await cluster.stopAll();
    if (!kept) await dispose();
  }
}

async function runRound(cluster: Cluster, terminals: readonly LoadTerminal[], book: CrashBook, plan: RoundPlan): Promise<CrashRoundReport> {
  await cluster.startMissing();
  await reconnect(cluster, terminals, book, plan.round);
  const reversalsBefore = book.reversalsAnswered;
  const late = terminals.filter((terminal, index) => plan.lateReverser(index) && book.owedReversals(terminal.spec.terminalId).length > 0);
  const onTime = terminals.filter((terminal) => !late.includes(terminal));
  const lateOwed = late.flatMap((terminal) => book.owedReversals(terminal.spec.terminalId));
  await sendOwedReversals(onTime, book);
  const lateReversals = Promise.all(
    late.map(async (terminal) => {
      await new Promise((resolve) => setTimeout(resolve, plan.lateDelayMs(terminals.indexOf(terminal))));
      await sendOwedReversals([terminal], book, { attemptsMax: 1 });
    }),
  );
  const counts = { sent: 0, approved: 0, declined: 0, unanswered: 0 };
  let stop = (): void => undefined;
  const stopped = new Promise<void>((resolve) => { stop = resolve; });
  const load = runLoad(onTime, {
    durationMs: LOAD_DURATION_MS_MAX,
    stop: stopped,
    amountOf: plan.amountOf,
    onOutcome: (terminal, outcome) => {
      counts.sent++;
      book.salesSent++;
      const { terminalId } = terminal.spec;
      if (outcome.pendingReversal !== undefined) {
        counts.unanswered++;
        book.unanswered.push({ terminalId, trace: outcome.trace, amountMinor: outcome.amountMinor, round: plan.round, pending: outcome.pendingReversal, reversed: false });
      } else if (outcome.responseCode === '00') {
        counts.approved++;
        book.approvals.push({ terminalId, trace: outcome.trace, amountMinor: outcome.amountMinor, rrn: outcome.rrn ?? '', authCode: outcome.authCode ?? '', round: plan.round });
      } else {
        counts.declined++;
        book.declines.push({ terminalId, trace: outcome.trace, amountMinor: outcome.amountMinor, responseCode: outcome.responseCode, round: plan.round });
      }
    },
    // After 77 or A0 the load loop signs the terminal in again, once, through the book.
    signInAgain: (terminal) => signInAgain(terminal, book),
  });
  await new Promise((resolve) => setTimeout(resolve, plan.killAfterMs));
  // Kill first, then stop the loops in the same turn: sales in flight on a killed node go unanswered.
  let crashedByItself: Error | undefined;
  try {
    cluster.kill(plan.victims);
  } catch (error) {
    crashedByItself = error instanceof Error ? error : new Error('kill');
  }
  stop();
  await load;
  await lateReversals;
  await cluster.waitForKilled();
  if (crashedByItself !== undefined) throw crashedByItself;
  for (const terminal of terminals) terminal.close();
  const owedAfter = terminals.reduce((owed, terminal) => owed + book.owedReversals(terminal.spec.terminalId).length, 0);
  return { round: plan.round, seed: plan.seed, killAfterMs: plan.killAfterMs, killed: plan.victims.map((index) => index + 1), ...counts, reversals: book.reversalsAnswered - reversalsBefore, lateTerminals: late.length, lateCutOff: lateOwed.filter((sale) => !sale.reversed).length, reversalsOwed: owedAfter };
}

/** Terminal i goes to node (i + round) mod nodes: each round moves the fleet, so reversals reach other nodes than their sales. */
async function reconnect(cluster: Cluster, terminals: readonly LoadTerminal[], book: CrashBook, round: number): Promise<void> {
  await Promise.all(
    terminals.map(async (terminal, index) => {
      await terminal.connect(cluster.address((index + round) % cluster.size));
      if (round === 1) {
        const code = await terminal.signIn();
        if (code !== '00') throw new BastionError('BENCH_ERR_HOST', `load terminal ${terminal.spec.terminalId} was refused sign-in (${code})`, { responseCode: code });
      } else if (book.signInOwed.has(terminal.spec.terminalId)) {
        await signInAgain(terminal, book);
      }
    }),
  );
}

/**
 * Every reversal a terminal owes, each retried (reconnecting) until the host answers 00, within
 * bounds. With one attempt (a late reverser meeting the kill) the first failure ends the terminal's
 * turn: what is left stays owed for the next round.
 */
async function sendOwedReversals(terminals: readonly LoadTerminal[], book: CrashBook, options: { readonly attemptsMax?: number } = {}): Promise<void> {
  const attemptsMax = options.attemptsMax ?? REVERSAL_ATTEMPTS_MAX;
  await Promise.all(
    terminals.map(async (terminal) => {
      for (const sale of book.owedReversals(terminal.spec.terminalId)) {
        for (let attempt = 1; !sale.reversed; attempt++) {
          book.reversalsSent++;
          const code = await terminal.reverse(sale.pending);
          sale.reversalAttempts = (sale.reversalAttempts ?? 0) + 1;
          sale.lastReversalAnswer = code;
          if (code === '00') {
            sale.reversed = true;
            book.reversalsAnswered++;
            continue;
          }
          if (attempt >= attemptsMax) {
            if (attemptsMax === 1) return;
            break;
          }
          await new Promise((resolve) => setTimeout(resolve, REVERSAL_RETRY_WAIT_MS));
          await terminal.connect().catch(() => undefined);
          if (SIGN_IN_AGAIN_CODES.has(code) || book.signInOwed.has(terminal.spec.terminalId)) await signInAgain(terminal, book);
        }
      }
    }),
  );
}

/**
 * Answers after which a terminal signs in again before anything else: 77 (not signed in today,
 * as after the business day turns at midnight in the host's zone; or a batch mismatch) and A0
 * (the host's working keys are not the terminal's: a sign-in whose reply a kill cut off).
 */
const SIGN_IN_AGAIN_CODES: ReadonlySet<string> = new Set(['77', 'A0']);

/** Signs in once more; if the host does not answer 00 (it may be down), the terminal still owes it. */
async function signInAgain(terminal: LoadTerminal, book: CrashBook): Promise<void> {
  book.signInOwed.add(terminal.spec.terminalId);
  let code: string;
  try {
    code = await terminal.signIn();
  } catch {
    return;
  }
  book.signIns++;
  if (code === '00') book.signInOwed.delete(terminal.spec.terminalId);
}

/** A running node, and whether it has exited (by our kill or by itself). */
interface Node {
  readonly host: HostChild;
  readonly addresses: HostAddresses;
  exited: boolean;
}

/** The host nodes: started, killed and restarted on the same store; each restart listens on new ports. */
class Cluster {
  readonly #nodes: (Node | undefined)[];
  #killed: HostChild[] = [];

  constructor(
    private readonly environment: NodeJS.ProcessEnv,
    readonly size: number,
  ) {
    this.#nodes = Array.from({ length: size }, () => undefined);
  }

  async startMissing(): Promise<void> {
    await Promise.all(
      this.#nodes.map(async (running, index) => {
        if (running !== undefined) return;
        const { host, addresses } = await this.#start(index);
        const node: Node = { host, addresses, exited: false };
        void host.exited.then(() => { node.exited = true; });
        this.#nodes[index] = node;
      }),
    );
  }

  /** Starts that did not come up (the host exited, or did not listen in time), by node: a finding, though not a violated invariant. */
  readonly startFailures: string[] = [];

  /** A node that fails to start after a crash is tried again, up to HOST_START_ATTEMPTS_MAX times. */
  async #start(index: number): Promise<{ host: HostChild; addresses: HostAddresses }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await HostChild.start(this.environment);
      } catch (error) {
        if (!(error instanceof BastionError) || error.code !== 'BENCH_ERR_HOST' || attempt >= HOST_START_ATTEMPTS_MAX) throw error;
        this.startFailures.push(`node ${index + 1}: ${error.message}`);
      }
    }
  }

  address(index: number): { readonly host: string; readonly port: number } {
    const node = this.#nodes[index];
    if (node === undefined) throw new BastionError('BENCH_ERR_HOST', `crash test node ${index + 1} is not running`, {});
    return node.addresses.channel;
  }

  /**
   * SIGKILL, at once and without waiting. A node that exited before it was killed crashed by
   * itself, which is a finding: BENCH_ERR_HOST (after the kill, so nothing is left running).
   */
  kill(indexes: readonly number[]): void {
    const died = this.#nodes.findIndex((node) => node?.exited === true);
    for (const index of indexes) {
      const node = this.#nodes[index];
      if (node === undefined) continue;
      node.host.kill();
      this.#killed.push(node.host);
      this.#nodes[index] = undefined;
    }
    if (died >= 0) throw new BastionError('BENCH_ERR_HOST', `crash test node ${died + 1} exited before it was killed`, { node: died + 1 });
  }

  async waitForKilled(): Promise<void> {
    await Promise.all(this.#killed.map((host) => host.exited));
    this.#killed = [];
  }

  killAll(): void {
    for (const node of this.#nodes) node?.host.kill();
    this.#killed.push(...this.#nodes.flatMap((node) => (node === undefined ? [] : [node.host])));
    this.#nodes.fill(undefined);
  }

  /** SIGTERM to every running node and the wait for their orderly exits. */
  async stopAll(): Promise<void> {
    await Promise.all(this.#nodes.flatMap((node) => (node === undefined ? [] : [node.host.stop()])));
    this.#nodes.fill(undefined);
    await this.waitForKilled();
  }
}

/** Pino's error level and above. */
const LOG_LEVEL_ERROR = 50;

function hostLogErrors(logDir: string): Record<string, number> {
  const counts: Record<string, number> = {};
  if (!existsSync(logDir)) return counts;
  for (const file of readdirSync(logDir)) {
    for (const line of readFileSync(join(logDir, file), 'utf8').split('\n')) {
      let entry: unknown;
      try {
        entry = JSON.parse(line);
      } catch {
        continue;
      }
      if (typeof entry !== 'object' || entry === null) continue;
      const { level, msg } = entry as { level?: unknown; msg?: unknown };
      if (typeof level !== 'number' || level < LOG_LEVEL_ERROR) continue;
      const message = typeof msg === 'string' ? msg : '(no message)';
      counts[message] = (counts[message] ?? 0) + 1;
    }
  }
  return counts;
}

async function withStore<T>(environment: NodeJS.ProcessEnv, work: (store: Store) => Promise<T>): Promise<T> {
  const { store } = await openConfiguredStore(environment);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}
