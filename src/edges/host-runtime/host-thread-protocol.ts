import type { WorkerLmk, WireError } from '../../adapters/hsm/worker-protocol.js';
import type { StoreLocation, StoreOptions } from '../../adapters/store/open-store.js';
import type { TerminalRefusalEvent } from '../../domain/host/refusal-event.js';
import type { CommitStats } from '../../ports/store.js';

/**
 * The messages between the host's main thread (the channel: sockets, frames, limits) and its host
 * threads (each a transaction pipeline over its own store connection and HSM): `host-threads.ts`
 * on the main side, `host-thread.ts` in each worker.
 */
export const hostThreadProtocol = 'bastion-host-thread/v1';

/** The settings a host thread's pipeline takes from `serve`. */
export interface HostThreadSettings {
  readonly timeZone?: string;
  readonly saleAmountMaxMinor?: bigint;
  readonly macFailuresLockAfter?: number;
}

/** A host thread's `workerData`. */
export interface HostThreadData {
  readonly protocol: typeof hostThreadProtocol;
  /** Which of the host's threads this is (for its log lines). */
  readonly index: number;
  readonly lmk: WorkerLmk;
  /** The audit chain's key (a copy, wiped by the parent once sent). */
  readonly auditChainKey: Uint8Array;
  /** The store the main thread opened and migrated: the thread opens its own connection to it. */
  readonly location: StoreLocation;
  readonly storeOptions: StoreOptions;
  readonly settings: HostThreadSettings;
  /** How often the thread reports its group commits (`CommitStats`), for `/metrics`. */
  readonly statsIntervalMs: number;
}

/** One terminal request: its ISO 8583 bytes, MTI onward, exactly as received. */
export interface HostThreadRequest {
  readonly id: number;
  readonly message: Uint8Array;
}

/**
 * What the main thread sends: the requests read in one turn of its event loop, in one message
 * (a message's fixed cost is paid once per turn, not once per request), or the request to close.
 */
export type HostThreadParentMessage = readonly HostThreadRequest[] | { readonly close: true };

/** A request's answer: the reply and the header's processing requirement, or no reply. */
export type HostThreadReply =
  | { readonly id: number; readonly reply: Uint8Array; readonly processingRequirement: number }
  | { readonly id: number; readonly reply: undefined };

/** A refused unknown terminal, reported for the channel to coalesce (before its request's reply). */
export interface HostThreadRefusal {
  readonly id: number;
  readonly event: TerminalRefusalEvent;
}

/** What a host thread sends its parent. */
export type HostThreadMessage =
  /** The answers settled in one turn of the thread's event loop, and the refusals reported meanwhile. */
  | { readonly kind: 'answers'; readonly replies: readonly HostThreadReply[]; readonly refusals: readonly HostThreadRefusal[] }
  /** The thread has opened its store, HSM and pipeline and takes requests. */
  | { readonly kind: 'ready' }
  /** The thread could not start; it exits next. */
  | { readonly kind: 'failed'; readonly error: WireError }
  /** A line for the host's log (the pipeline's error reports: codes only, no card data). */
  | { readonly kind: 'log'; readonly fields: Record<string, string>; readonly message: string }
  /** The thread's group commits so far. */
  | { readonly kind: 'stats'; readonly stats: CommitStats }
  /** Closed on request: its store is closed and its keys wiped. */
  | { readonly kind: 'closed' };
