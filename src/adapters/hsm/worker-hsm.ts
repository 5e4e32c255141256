import { inspect } from 'node:util';
import { Worker } from 'node:worker_threads';
import { equalBytes, toHex } from '../../lib/crypto/index.js';
import { BastionError } from '../../lib/errors/index.js';
import { liveWorkers, startEverySlot } from '../workers/worker-slots.js';
import type {
  ClearKeyComponent,
  CvvRequest,
  DecryptTrackDataRequest,
  ExportedKey,
  GenerateArpcRequest,
  HsmPort,
  HsmStatus,
  ImportComponentsRequest,
  KeyAlgorithm,
  KeyExportFormat,
  KeyType,
  KeyUnderLmk,
  MacOptions,
  PvvRequest,
  SealedPan,
  TranslatePinBlockRequest,
  TranslateTrackDataRequest,
  VerifyArqcRequest,
  VerifyCvvRequest,
  VerifyPvvRequest,
  WorkingKeyOptions,
  WorkingKeySet,
} from '../../ports/hsm.js';
import type { LocalMasterKey } from './local-master-key.js';
import { sealLmkForWorker, wipeSentLmk } from './lmk-handoff.js';
import {
  decodeError,
  fromWire,
  hsmWorkerProtocol,
  toWire,
  type HsmMethod,
  type HsmParentMessage,
  type HsmRequest,
  type HsmWorkerData,
  type HsmWorkerMessage,
} from './worker-protocol.js';

/** The most worker threads one WorkerHsm runs. */
export const workerHsmThreadsMax = 64;
/** How long `close()` lets a worker wipe its keys and end before it is terminated. */
const closeWaitMs = 5000;
/** A worker that dies before it is ready is replaced after this delay, doubled at each failure in a row… */
const respawnDelayMinMs = 50;
/** …up to this. */
const respawnDelayMaxMs = 5000;

export interface WorkerHsmOptions {
  /** Worker threads, each with its own SoftwareHsm over the same LMK (default 1). */
  readonly threads?: number;
  /** Unwrapped keys each worker keeps in memory (SoftwareHsm's default when absent; 0 turns the cache off). */
  readonly cacheEntriesMax?: number;
  /**
   * The worker's entry module (default: `hsm-worker.js` next to this module, as the build lays
   * it out). Tests, which run the TypeScript sources, point it at the built file in dist/.
   */
  readonly workerUrl?: URL;
}

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

interface Slot {
  readonly index: number;
  worker: Worker | undefined;
  /** The worker has opened the LMK and answered `ready`. */
  ready: boolean;
  readonly pending: Map<number, Pending>;
  /** Requests made in this turn of the event loop, sent together at its end. */
  outbox: HsmRequest[];
  /** Copies made for the outbox's requests, wiped once they are sent. */
  temporaries: Uint8Array[];
  /** Deaths before `ready`, in a row: they slow the replacement down. */
  failures: number;
  respawnTimer: NodeJS.Timeout | undefined;
  /** Settles once the slot's first worker is ready (or has failed): what `start` waits for. */
  started: Promise<void>;
}

function unavailable(message: string, details: Readonly<Record<string, string | number | boolean>> = {}): BastionError {
  return new BastionError('HSM_ERR_UNAVAILABLE', message, details);
}

/**
 * The HSM port over a pool of worker threads, each running a SoftwareHsm over its own copy of
 * the LMK: the cryptography leaves the host's event loop, the way a network HSM takes it off the
 * host, and runs on the machine's other cores. Through the port it answers exactly what a
 * SoftwareHsm with the same LMK answers — Buffers as Buffers, and errors as BastionErrors with the
 * same code, message and details.
 *
 * Each call goes to the worker with the fewest calls in flight; the calls of one turn of the
 * event loop travel to a worker in one message at the end of the turn, and come back in one
 * message per batch, so that a message's fixed cost is shared by the calls of a turn. It is still
 * the price of this adapter: when a turn makes only a few calls, sending them and receiving the
 * answer costs the calling thread about what cheap operations (a DES MAC, a PAN hash) cost in
 * process, which is why the host's default is the in-process SoftwareHsm
 * (BASTION_HSM_THREADS, `hsm-threads.ts`). A worker that dies (a crash, or
 * terminated) takes its calls in flight with it: they are rejected with HSM_ERR_UNAVAILABLE, not
 * retried (a retried PIN translation or key generation is the caller's decision), and a
 * replacement starts at once. `close()` wipes the workers' keys and ends them. Idle workers do
 * not keep the process alive; a worker with calls in flight does.
 *
 * The LMK reaches each worker sealed (AES-GCM) under a random key made for that worker alone,
 * which is transferred to it, not copied, and wiped once the LMK is open.
 */
export class WorkerHsm implements HsmPort {
  readonly #lmk: LocalMasterKey;
  readonly #slots: Slot[];
  readonly #workerUrl: URL;
  readonly #cacheEntriesMax: number | undefined;
  #nextId = 1;
  #nextSlot = 0;
  #flushScheduled = false;
  #closed: Promise<void> | undefined;

  private constructor(lmk: LocalMasterKey, options: WorkerHsmOptions) {
    const threads = options.threads ?? 1;
    if (!Number.isInteger(threads) || threads < 1 || threads > workerHsmThreadsMax) {
      throw new BastionError('CRYPTO_ERR_ARGUMENT', `a worker HSM needs 1 to ${workerHsmThreadsMax} threads`, { argument: 'threads' });
    }
    this.#lmk = lmk;
    this.#workerUrl = options.workerUrl ?? new URL('./hsm-worker.js', import.meta.url);
    this.#cacheEntriesMax = options.cacheEntriesMax;
    this.#slots = Array.from({ length: threads }, (_, index) => ({
      index,
      worker: undefined,
      ready: false,
      pending: new Map<number, Pending>(),
      outbox: [],
      temporaries: [],
      failures: 0,
      respawnTimer: undefined,
      started: Promise.resolve(),
    }));
  }

  /**
   * Starts `threads` workers and waits until each holds the LMK: a worker that cannot start (its
   * module missing, the LMK not opening) fails here, not at the first sale. The caller keeps
   * `lmk` alive until `close()` has settled (replacement workers are sent it).
   */
  static async start(lmk: LocalMasterKey, options: WorkerHsmOptions = {}): Promise<WorkerHsm> {
    const hsm = new WorkerHsm(lmk, options);
    return startEverySlot(hsm, hsm.#slots, (slot) => { hsm.#spawn(slot); });
  }

  /** The live worker threads (to watch them, or for a test to terminate one). */
  get threads(): readonly Worker[] {
    return liveWorkers(this.#slots);
  }

  /** Calls sent to a worker and not answered yet. */
  get callsInFlight(): number {
    return this.#slots.reduce((sum, slot) => sum + slot.pending.size, 0);
  }

  #spawn(slot: Slot): void {
    slot.respawnTimer = undefined;
    const transfer: ArrayBuffer[] = [];
    const lmk = sealLmkForWorker(this.#lmk, transfer);
    const data: HsmWorkerData = { protocol: hsmWorkerProtocol, lmk, ...(this.#cacheEntriesMax === undefined ? {} : { cacheEntriesMax: this.#cacheEntriesMax }) };
    let worker: Worker;
    try {
      // The worker needs no environment (this process's may hold the LMK passphrase), nor this
      // process's node flags (a loader, --input-type or a profiler's flags are not for it).
      worker = new Worker(this.#workerUrl, { workerData: data, transferList: transfer, env: {}, execArgv: [] });
    } catch (error) {
      const failure = unavailable(`an HSM worker could not be started: ${error instanceof Error ? error.message : 'unknown failure'}`, { slot: slot.index });
      slot.started = Promise.reject(failure);
      slot.started.catch(() => undefined);
      this.#respawnLater(slot);
      return;
    } finally {
      // workerData was cloned (and the wrapping key moved) by the constructor: what is left here goes.
      wipeSentLmk(lmk, transfer);
    }
    slot.worker = worker;
    slot.ready = false;
    let settleStart: (error?: Error) => void = () => undefined;
    slot.started = new Promise<void>((resolve, reject) => {
      settleStart = (error) => {
        if (error === undefined) resolve();
        else reject(error);
      };
    });
    // Only the first start of a slot is awaited (by `start`); a replacement's failure is handled on exit.
    slot.started.catch(() => undefined);
    let startError: Error | undefined;

    worker.on('message', (message: HsmWorkerMessage) => {
      if (!('kind' in message)) {
        for (const reply of message) {
          const pending = slot.pending.get(reply.id);
          if (pending === undefined) continue;
          slot.pending.delete(reply.id);
          if ('error' in reply) pending.reject(decodeError(reply.error));
          else pending.resolve(fromWire(reply.value));
        }
        if (slot.pending.size === 0 && slot.ready) worker.unref();
        return;
      }
      switch (message.kind) {
        case 'ready':
          if (!equalBytes(message.lmkKcv, this.#lmk.kcv)) {
            startError = unavailable('an HSM worker opened an LMK with another check value', { slot: slot.index });
            void worker.terminate();
            return;
          }
          slot.ready = true;
          slot.failures = 0;
          if (slot.pending.size === 0) worker.unref();
          settleStart();
          return;
        case 'failed':
          startError = decodeError(message.error);
          return;
      }
    });
    worker.on('error', (error: unknown) => {
      // An uncaught exception in the worker (or its module failing to load): it exits next.
      startError ??= unavailable(`an HSM worker stopped on an uncaught error: ${error instanceof Error ? error.message : 'not an Error'}`, { slot: slot.index });
    });
    worker.on('messageerror', () => {
      // A message that could not be deserialized: its caller can't be told apart, so the worker is replaced.
      void worker.terminate();
    });
    worker.once('exit', (exitCode) => {
      const wasReady = slot.ready;
      slot.worker = undefined;
      slot.ready = false;
      const reason = this.#closed === undefined ? 'the HSM worker running it stopped' : 'the HSM was closed';
      for (const [, pending] of slot.pending) pending.reject(unavailable(`the HSM operation was not answered: ${reason}`, { slot: slot.index, exitCode }));
      slot.pending.clear();
      slot.outbox = [];
      for (const copy of slot.temporaries) copy.fill(0);
      slot.temporaries = [];
      settleStart(startError ?? unavailable('an HSM worker stopped before it was ready', { slot: slot.index, exitCode }));
      if (this.#closed !== undefined) return;
      if (wasReady) this.#spawn(slot);
      else this.#respawnLater(slot);
    });
  }

  /** A worker failed to start: the next one starts after a delay that doubles with each failure in a row. */
  #respawnLater(slot: Slot): void {
    if (this.#closed !== undefined) return;
    slot.failures++;
    const delay = Math.min(respawnDelayMinMs * 2 ** (slot.failures - 1), respawnDelayMaxMs);
    slot.respawnTimer = setTimeout(() => {
      if (this.#closed === undefined) this.#spawn(slot);
    }, delay);
    slot.respawnTimer.unref();
  }

  /** The slot with the fewest calls in flight among those with a worker; ties go round-robin. */
  #pickSlot(): Slot | undefined {
    const count = this.#slots.length;
    let best: Slot | undefined;
    for (let step = 0; step < count; step++) {
      const slot = this.#slots[(this.#nextSlot + step) % count] as Slot;
      if (slot.worker === undefined) continue;
      if (best === undefined || slot.pending.size < best.pending.size) best = slot;
      if (best.pending.size === 0) break;
    }
    this.#nextSlot = (this.#nextSlot + 1) % count;
    return best;
  }

  #call<M extends HsmMethod>(method: M, args: Parameters<HsmPort[M]>): ReturnType<HsmPort[M]> {
    return new Promise<unknown>((resolve, reject) => {
      if (this.#closed !== undefined) throw unavailable('the HSM was closed');
      const slot = this.#pickSlot();
      const worker = slot?.worker;
      if (slot === undefined || worker === undefined) throw unavailable('no HSM worker is running: each stopped and is being restarted');
      const id = this.#nextId++;
      slot.outbox.push({ id, method, args: toWire(args, slot.temporaries) as unknown[] });
      if (slot.pending.size === 0) worker.ref();
      slot.pending.set(id, { resolve, reject });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(this.#flush);
      }
    }) as ReturnType<HsmPort[M]>;
  }

  /**
   * Sends each worker the requests made since the last flush, in one message: at the end of the
   * event loop's turn, so that a busy host pays a message's fixed cost (on both sides) once for
   * all the calls of a turn instead of once per call.
   */
  readonly #flush = (): void => {
    this.#flushScheduled = false;
    for (const slot of this.#slots) {
      if (slot.outbox.length === 0 || slot.worker === undefined) continue;
      const batch = slot.outbox;
      const temporaries = slot.temporaries;
      slot.outbox = [];
      slot.temporaries = [];
      try {
        this.#post(slot, slot.worker, batch);
      } finally {
        // Cloned into the message by postMessage: the copies made for it go (they may be clear components).
        for (const copy of temporaries) copy.fill(0);
      }
    }
  };

  #post(slot: Slot, worker: Worker, batch: HsmRequest[]): void {
    try {
      const message: HsmParentMessage = batch;
      worker.postMessage(message);
    } catch (error) {
      // Something in a request can't be cloned: send the others one by one, and fail only those that throw.
      if (batch.length === 1) {
        const [request] = batch as [HsmRequest];
        const pending = slot.pending.get(request.id);
        slot.pending.delete(request.id);
        if (slot.pending.size === 0 && slot.ready) worker.unref();
        pending?.reject(error instanceof Error ? error : new Error('an HSM request could not be sent'));
        return;
      }
      for (const request of batch) this.#post(slot, worker, [request]);
    }
  }

  /**
   * Ends every worker: each answers the calls it was sent before, wipes its cached keys and its
   * LMK, and stops (it is terminated if it has not within a short wait; calls it left unanswered
   * are rejected with HSM_ERR_UNAVAILABLE). Calls made after `close()` are rejected with it too.
   * Idempotent.
   */
  close(): Promise<void> {
    // Calls made before close() go to their workers first.
    if (this.#closed === undefined) this.#flush();
    this.#closed ??= Promise.all(
      this.#slots.map(async (slot) => {
        if (slot.respawnTimer !== undefined) clearTimeout(slot.respawnTimer);
        slot.respawnTimer = undefined;
        const worker = slot.worker;
        if (worker === undefined) return;
        const exited = new Promise<void>((resolve) => worker.once('exit', () => { resolve(); }));
        worker.ref();
        const closeRequest: HsmParentMessage = { close: true };
        worker.postMessage(closeRequest);
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<'late'>((resolve) => {
          timer = setTimeout(() => { resolve('late'); }, closeWaitMs);
        });
        try {
          if ((await Promise.race([exited, late])) === 'late') await worker.terminate();
        } finally {
          clearTimeout(timer);
        }
        await exited;
      }),
    ).then(() => undefined);
    return this.#closed;
  }

  status(): Promise<HsmStatus> {
    return this.#call('status', []);
  }

  generateKey(type: KeyType, algorithm?: KeyAlgorithm): Promise<KeyUnderLmk> {
    return this.#call('generateKey', algorithm === undefined ? [type] : [type, algorithm]);
  }

  importKeyFromComponents(request: ImportComponentsRequest): Promise<KeyUnderLmk> {
    return this.#call('importKeyFromComponents', [request]);
  }

  exportKeyUnderKek(key: KeyUnderLmk, kek: KeyUnderLmk, format?: KeyExportFormat): Promise<ExportedKey> {
    return this.#call('exportKeyUnderKek', format === undefined ? [key, kek] : [key, kek, format]);
  }

  exportKeyAsComponents(key: KeyUnderLmk, count: number): Promise<readonly ClearKeyComponent[]> {
    return this.#call('exportKeyAsComponents', [key, count]);
  }

  generateWorkingKeys(tmk: KeyUnderLmk, options?: WorkingKeyOptions): Promise<WorkingKeySet> {
    return this.#call('generateWorkingKeys', options === undefined ? [tmk] : [tmk, options]);
  }

  generateMac(mak: KeyUnderLmk, options: MacOptions, data: Buffer): Promise<Buffer> {
    return this.#call('generateMac', [mak, options, data]);
  }

  verifyMac(mak: KeyUnderLmk, options: MacOptions, data: Buffer, mac: Buffer): Promise<boolean> {
    return this.#call('verifyMac', [mak, options, data, mac]);
  }

  translatePinBlock(request: TranslatePinBlockRequest): Promise<Buffer> {
    return this.#call('translatePinBlock', [request]);
  }

  verifyPinPvv(request: VerifyPvvRequest): Promise<boolean> {
    return this.#call('verifyPinPvv', [request]);
  }

  generatePvvFromPinBlock(request: PvvRequest): Promise<string> {
    return this.#call('generatePvvFromPinBlock', [request]);
  }

  translateTrackData(request: TranslateTrackDataRequest): Promise<Buffer> {
    return this.#call('translateTrackData', [request]);
  }

  decryptTrackData(request: DecryptTrackDataRequest): Promise<Buffer> {
    return this.#call('decryptTrackData', [request]);
  }

  verifyCvv(request: VerifyCvvRequest): Promise<boolean> {
    return this.#call('verifyCvv', [request]);
  }

  generateCvv(request: CvvRequest): Promise<string> {
    return this.#call('generateCvv', [request]);
  }

  /**
   * With `arpcFollows`, the worker that verified keeps the cryptogram key for the ARPC; with more
   * than one thread the ARPC may go to another worker, which derives the key again (same ARPC).
   */
  verifyArqc(request: VerifyArqcRequest): Promise<boolean> {
    return this.#call('verifyArqc', [request]);
  }

  generateArpc(request: GenerateArpcRequest): Promise<Buffer> {
    return this.#call('generateArpc', [request]);
  }

  generateDataKey(): Promise<KeyUnderLmk> {
    return this.#call('generateDataKey', []);
  }

  encryptPan(dek: KeyUnderLmk, pan: string): Promise<SealedPan> {
    return this.#call('encryptPan', [dek, pan]);
  }

  decryptPan(dek: KeyUnderLmk, sealed: SealedPan): Promise<string> {
    return this.#call('decryptPan', [dek, sealed]);
  }

  panLookupHash(hashKey: KeyUnderLmk, pan: string): Promise<Buffer> {
    return this.#call('panLookupHash', [hashKey, pan]);
  }

  toJSON(): { implementation: 'software'; threads: number; lmkKcv: string } {
    return { implementation: 'software', threads: this.#slots.length, lmkKcv: toHex(this.#lmk.kcv) };
  }

  [inspect.custom](): string {
    return `WorkerHsm(${this.#slots.length} thread${this.#slots.length === 1 ? '' : 's'}, LMK KCV ${toHex(this.#lmk.kcv)})`;
  }
}
