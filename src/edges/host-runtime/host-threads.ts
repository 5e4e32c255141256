import { Worker } from 'node:worker_threads';
import type { LocalMasterKey } from '../../adapters/hsm/local-master-key.js';
import { sealLmkForWorker, wipeSentLmk } from '../../adapters/hsm/lmk-handoff.js';
import { decodeError } from '../../adapters/hsm/worker-protocol.js';
import type { StoreLocation, StoreOptions } from '../../adapters/store/open-store.js';
import { hostLogCodeOf, type HostAnswer, type HostRequest } from '../../domain/host/index.js';
import type { TerminalRefusalEvent } from '../../domain/host/refusal-event.js';
import { BastionError } from '../../lib/errors/index.js';
import { liveWorkers, startEverySlot } from '../../adapters/workers/worker-slots.js';
import { wholeNumberSetting } from '../../lib/settings/whole-number.js';
import type { ProcessingRequirement } from '../../lib/iso8583/framing/index.js';
import type { CommitStats } from '../../ports/store.js';
import type { HostResponder } from '../channel/host-handler.js';
import {
  hostThreadProtocol,
  type HostThreadData,
  type HostThreadMessage,
  type HostThreadParentMessage,
  type HostThreadRequest,
  type HostThreadSettings,
} from './host-thread-protocol.js';

/** The most host threads one host runs. */
export const HOST_THREADS_MAX = 64;
export const hostThreadsVariable = 'BASTION_HOST_THREADS';
/** In the main event loop, as before host threads existed, until measurements say otherwise. */
export const hostThreadsDefault = 0;

/**
 * How many host threads BASTION_HOST_THREADS asks for: `0` runs the pipeline in the main event
 * loop beside the channel; `n` ≥ 1 in n worker threads (`HostThreads`), the channel staying on the
 * main thread. SERVE_ERR_CONFIG when it is not a whole number from 0 to HOST_THREADS_MAX.
 */
export function hostThreadsFromEnvironment(environment: NodeJS.ProcessEnv = process.env): number {
  const invalid = (): BastionError => new BastionError(
    'SERVE_ERR_CONFIG',
    `${hostThreadsVariable} must be a whole number from 0 to ${HOST_THREADS_MAX}: 0 runs the pipeline in the main event loop, n ≥ 1 in n host threads`,
    { argument: hostThreadsVariable },
  );
  return wholeNumberSetting(environment[hostThreadsVariable], 0, HOST_THREADS_MAX, invalid) ?? hostThreadsDefault;
}
/** How often each thread reports its group commits for `/metrics`. */
const STATS_INTERVAL_MS = 1000;
/** A thread that dies before it is ready is replaced after this delay, doubled at each failure in a row… */
const RESPAWN_DELAY_MIN_MS = 50;
/** …up to this. */
const RESPAWN_DELAY_MAX_MS = 5000;
/** How long `close()` waits for a thread to close its store before it is terminated. */
const CLOSE_WAIT_MS = 10_000;

/** Where a host thread's log lines go (the host's logger, `area: host`). */
export interface HostThreadLogger {
  error(fields: Record<string, string | number>, message: string): void;
}

export interface HostThreadsOptions {
  readonly threads: number;
  /** The LMK; kept alive by the caller until `close()` has settled (a replacement thread is sent it). */
  readonly lmk: LocalMasterKey;
  readonly auditChainKey: Uint8Array;
  /** The store the caller opened and migrated. */
  readonly location: StoreLocation;
  /** Each thread's store options; on SQLite with the write turn every connection of the process shares. */
  readonly storeOptions: StoreOptions;
  readonly settings: HostThreadSettings;
  readonly logger: HostThreadLogger;
  /** Called when a thread has exited (to free what it may have held, such as the write turn). */
  readonly onThreadExit?: (threadId: number) => void;
  /** The thread's entry module (default `host-thread.js` next to this one, as built); tests point it at dist/. */
  readonly workerUrl?: URL;
}

interface Pending {
  readonly resolve: (answer: HostAnswer | undefined) => void;
  readonly refusals: ((event: TerminalRefusalEvent) => void) | undefined;
}

interface Slot {
  readonly index: number;
  worker: Worker | undefined;
  ready: boolean;
  readonly pending: Map<number, Pending>;
  outbox: HostThreadRequest[];
  failures: number;
  stats: CommitStats | undefined;
  /** Group commits of this slot's earlier (dead) threads: the metric's totals only grow. */
  statsBefore: CommitStats;
  started: Promise<void>;
  closed: (() => void) | undefined;
}

/** The slot's thread has opened its pipeline and takes requests. */
function isRunning(slot: Slot): boolean {
  return slot.worker !== undefined && slot.ready;
}

const noCommits: CommitStats = { groups: 0, units: 0, fsyncs: 0, fsyncSeconds: 0, groupsRerun: 0 };

/** Two stores' group commits together (`undefined` counts as none). */
export function addStats(a: CommitStats, b: CommitStats | undefined): CommitStats {
  if (b === undefined) return a;
  return { groups: a.groups + b.groups, units: a.units + b.units, fsyncs: a.fsyncs + b.fsyncs, fsyncSeconds: a.fsyncSeconds + b.fsyncSeconds, groupsRerun: a.groupsRerun + b.groupsRerun };
}

/** FNV-1a of a terminal id: the same terminal always goes to the same thread. */
function terminalHash(terminalId: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < terminalId.length; index++) {
    hash ^= terminalId.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * The host's pipeline run in worker threads — the host's second (third, …) event loop. The main
 * thread keeps the channel (sockets, TLS, frames, limits, the reply log line and metrics) and
 * sends each well-formed request's bytes to a host thread, which answers it through a pipeline of
 * its own: its own store connection, software HSM, caches and group committer. Threads share
 * nothing in memory but the write turn on SQLite (`write-turn.ts`); they agree through the
 * database, as several `serve` nodes on one PostgreSQL do, so a duplicate or a reversal answered
 * by another thread is still answered once. A terminal's requests all go to one thread (by its
 * id), which keeps its rows in that thread's caches.
 *
 * The requests for a thread read in one turn of the main event loop travel in one message, and
 * the answers a thread settles in one turn come back in one, so that a message's cost is shared.
 * A thread that dies takes its requests in flight with it: they get no reply (the terminal
 * reverses them, as after a timeout), the error is logged, and a replacement starts at once.
 */
export class HostThreads implements HostResponder {
  readonly #options: HostThreadsOptions;
  readonly #slots: Slot[];
  readonly #workerUrl: URL;
  #nextId = 1;
  #nextSlot = 0;
  #flushScheduled = false;
  #closing = false;

  private constructor(options: HostThreadsOptions) {
    if (!Number.isInteger(options.threads) || options.threads < 1 || options.threads > HOST_THREADS_MAX) {
      throw new BastionError('SERVE_ERR_CONFIG', `the host runs 1 to ${HOST_THREADS_MAX} host threads`, { argument: 'threads' });
    }
    this.#options = options;
    this.#workerUrl = options.workerUrl ?? new URL('./host-thread.js', import.meta.url);
    this.#slots = Array.from({ length: options.threads }, (_, index) => ({
      index,
      worker: undefined,
      ready: false,
      pending: new Map<number, Pending>(),
      outbox: [],
      failures: 0,
      stats: undefined,
      statsBefore: noCommits,
      started: Promise.resolve(),
      closed: undefined,
    }));
  }

  /** Starts the threads and waits until each has opened its store and pipeline: one that cannot fails here. */
  static async start(options: HostThreadsOptions): Promise<HostThreads> {
    const threads = new HostThreads(options);
    return startEverySlot(threads, threads.#slots, (slot) => { threads.#spawn(slot); });
  }

  /** The live threads (a test may terminate one). */
  get workers(): readonly Worker[] {
    return liveWorkers(this.#slots);
  }

  /** How many threads have opened their pipeline and take requests, of how many the host runs. */
  get readiness(): { readonly ready: number; readonly of: number } {
    return { ready: this.#slots.filter(isRunning).length, of: this.#slots.length };
  }

  /** The threads' group commits so far, summed (each reports every second). */
  commitStats(): CommitStats {
    return this.#slots.reduce((sum, slot) => addStats(addStats(sum, slot.statsBefore), slot.stats), noCommits);
  }

  respond(request: HostRequest): Promise<HostAnswer | undefined> {
    return new Promise((resolve) => {
      const slot = this.#pickSlot(request.unpacked.get(41));
      if (slot === undefined || this.#closing) {
        this.#options.logger.error({ code: 'HOST_ERR_THREAD' }, 'no host thread is running: the request gets no reply');
        resolve(undefined);
        return;
      }
      const id = this.#nextId++;
      slot.pending.set(id, { resolve, refusals: request.unknownTerminalRefusals });
      // A copy of its own: a Buffer is often a view into a larger pool, which postMessage would clone whole.
      slot.outbox.push({ id, message: new Uint8Array(request.message) });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(this.#flush);
      }
    });
  }

  /** The terminal's thread when it runs; else (being replaced) the next one that does. */
  #pickSlot(terminalId: string | undefined): Slot | undefined {
    const count = this.#slots.length;
    const first = terminalId === undefined ? this.#nextSlot++ % count : terminalHash(terminalId) % count;
    for (let step = 0; step < count; step++) {
      const slot = this.#slots[(first + step) % count] as Slot;
      if (isRunning(slot)) return slot;
    }
    return undefined;
  }

  readonly #flush = (): void => {
    this.#flushScheduled = false;
    for (const slot of this.#slots) {
      if (slot.outbox.length === 0) continue;
      const batch = slot.outbox;
      slot.outbox = [];
      const worker = slot.worker;
      try {
        if (worker === undefined) throw new Error('the thread stopped');
        worker.postMessage(batch satisfies HostThreadParentMessage);
        if (slot.pending.size > 0) worker.ref();
      } catch {
        for (const { id } of batch) this.#settle(slot, id, undefined);
      } finally {
        // The copies hold card data (a PAN in field 2, enciphered PIN and track): cloned into the message, they go.
        for (const request of batch) request.message.fill(0);
      }
    }
  };

  #settle(slot: Slot, id: number, answer: HostAnswer | undefined): void {
    const pending = slot.pending.get(id);
    if (pending === undefined) return;
    slot.pending.delete(id);
    pending.resolve(answer);
  }

  #onMessage(slot: Slot, worker: Worker, message: HostThreadMessage, settleStart: (error?: Error) => void): void {
    switch (message.kind) {
      case 'answers':
        for (const refusal of message.refusals) slot.pending.get(refusal.id)?.refusals?.(refusal.event);
        for (const reply of message.replies) {
          this.#settle(slot, reply.id, reply.reply === undefined ? undefined : {
            reply: Buffer.from(reply.reply.buffer, reply.reply.byteOffset, reply.reply.byteLength),
            processingRequirement: reply.processingRequirement as ProcessingRequirement,
          });
        }
        if (slot.pending.size === 0) worker.unref();
        return;
      case 'ready':
        slot.ready = true;
        slot.failures = 0;
        worker.unref();
        settleStart();
        return;
      case 'failed':
        settleStart(decodeError(message.error));
        return;
      case 'log':
        this.#options.logger.error({ ...message.fields, thread: slot.index }, message.message);
        return;
      case 'stats':
        slot.stats = message.stats;
        return;
      case 'closed':
        slot.closed?.();
        return;
    }
  }

  #spawn(slot: Slot): void {
    const options = this.#options;
    const transfer: ArrayBuffer[] = [];
    const lmk = sealLmkForWorker(options.lmk, transfer);
    const auditChainKey = new Uint8Array(options.auditChainKey);
    const data: HostThreadData = {
      protocol: hostThreadProtocol,
      index: slot.index,
      lmk,
      auditChainKey,
      location: options.location,
      storeOptions: options.storeOptions,
      settings: options.settings,
      statsIntervalMs: STATS_INTERVAL_MS,
    };
    let worker: Worker;
    let settleStart: (error?: Error) => void = () => undefined;
    slot.started = new Promise<void>((resolve, reject) => {
      settleStart = (error) => {
        if (error === undefined) resolve();
        else reject(error);
      };
    });
    slot.started.catch(() => undefined);
    try {
      // The thread needs no environment (this process's may hold the LMK passphrase), nor this
      // process's node flags (a profiler's flags are not for it).
      worker = new Worker(this.#workerUrl, { workerData: data, transferList: transfer, env: {}, execArgv: [] });
    } catch (error) {
      settleStart(new BastionError('HOST_ERR_THREAD', `a host thread could not be started: ${error instanceof Error ? error.message : 'unknown failure'}`, { thread: slot.index }));
      this.#respawnLater(slot);
      return;
    } finally {
      wipeSentLmk(lmk, transfer);
      auditChainKey.fill(0);
    }
    slot.worker = worker;
    slot.ready = false;
    worker.on('message', (message: HostThreadMessage) => { this.#onMessage(slot, worker, message, settleStart); });
    worker.on('error', (error: unknown) => {
      // An uncaught exception in the thread: it exits next.
      options.logger.error({ code: hostLogCodeOf(error), thread: slot.index }, 'a host thread stopped on an uncaught error');
    });
    worker.on('messageerror', () => { void worker.terminate(); });
    worker.once('exit', (exitCode) => { this.#onExit(slot, worker, exitCode, settleStart); });
  }

  #onExit(slot: Slot, worker: Worker, exitCode: number, settleStart: (error?: Error) => void): void {
    const wasReady = slot.ready;
    slot.worker = undefined;
    slot.ready = false;
    slot.statsBefore = addStats(slot.statsBefore, slot.stats);
    slot.stats = undefined;
    this.#options.onThreadExit?.(worker.threadId);
    if (slot.pending.size > 0) {
      this.#options.logger.error({ code: 'HOST_ERR_THREAD', thread: slot.index, exitCode, requests: slot.pending.size }, 'a host thread stopped: its requests in flight get no reply');
    }
    for (const [id] of slot.pending) this.#settle(slot, id, undefined);
    slot.outbox = [];
    slot.closed?.();
    settleStart(new BastionError('HOST_ERR_THREAD', 'a host thread stopped before it was ready', { thread: slot.index, exitCode }));
    if (this.#closing) return;
    if (wasReady) this.#spawn(slot);
    else this.#respawnLater(slot);
  }

  #respawnLater(slot: Slot): void {
    if (this.#closing) return;
    slot.failures += 1;
    const delayMs = Math.min(RESPAWN_DELAY_MIN_MS * 2 ** (slot.failures - 1), RESPAWN_DELAY_MAX_MS);
    setTimeout(() => { if (!this.#closing) this.#spawn(slot); }, delayMs).unref();
  }

  /**
   * Closes every thread: each finishes what it was sent, closes its store and wipes its keys.
   * Call it after the channel has stopped (no more requests). A thread that does not close in
   * time is terminated.
   */
  async close(): Promise<void> {
    this.#closing = true;
    this.#flush();
    await Promise.all(this.#slots.map(async (slot) => {
      const worker = slot.worker;
      if (worker === undefined) return;
      const closed = new Promise<void>((resolve) => { slot.closed = resolve; });
      worker.ref();
      worker.postMessage({ close: true } satisfies HostThreadParentMessage);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => { resolve('late'); }, CLOSE_WAIT_MS); });
      if ((await Promise.race([closed, late])) === 'late') await worker.terminate();
      clearTimeout(timer);
      await new Promise<void>((resolve) => {
        if (slot.worker === undefined) resolve();
        else worker.once('exit', () => { resolve(); });
      });
    }));
  }
}
