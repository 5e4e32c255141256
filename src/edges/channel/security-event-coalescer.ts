import type { Logger } from '../../adapters/log/index.js';
import { BastionError } from '../../lib/errors/index.js';
import type { ChannelSecurityEvent, ChannelSecurityEventSink } from './security-event.js';

/**
 * The malformed-frame events of one source address that were not passed on one by one, counted
 * over one interval. A peer sending garbage as fast as it can yields its first event at once and
 * then one of these per interval, instead of one audit row per frame. Never bytes of a frame.
 */
export interface ChannelSecuritySummary {
  readonly kind: 'malformed-frames-summary';
  /** The peer's address, or `*` for the addresses that did not fit the table (`addressesMax`). */
  readonly remoteAddress: string;
  /** Epoch milliseconds of the first and the last event counted. */
  readonly fromMs: number;
  readonly toMs: number;
  /** Events counted (not passed on one by one). */
  readonly count: number;
  /** Of those, how many closed their connection and how many got a format-error reply. */
  readonly connectionsClosed: number;
  readonly formatErrorReplies: number;
  /** The events counted, by decoding error code (a closed list, so this stays small). */
  readonly errorCodes: Readonly<Record<string, number>>;
}

/** Receives summaries. A throw or a rejection is logged and does not disturb the channel. */
export type ChannelSecuritySummarySink = (summary: ChannelSecuritySummary) => void | Promise<void>;

export interface SecurityEventCoalescing {
  /** Summaries are given once per interval; an address quiet for a whole interval starts afresh. */
  readonly intervalMs?: number;
  /** Addresses tracked one by one; events of further addresses are counted together under `*`. */
  readonly addressesMax?: number;
  readonly summaries: ChannelSecuritySummarySink;
}

export const securityEventCoalescingDefault = Object.freeze({ intervalMs: 10_000, addressesMax: 1024 });

const OVERFLOW_ADDRESS = '*';
const intervalMsRange = [1, 2_147_483_647] as const;
const addressesMaxRange = [1, 1_000_000] as const;

interface Tally {
  count: number;
  fromMs: number;
  toMs: number;
  connectionsClosed: number;
  formatErrorReplies: number;
  readonly errorCodes: Map<string, number>;
}

function emptyTally(): Tally {
  return { count: 0, fromMs: 0, toMs: 0, connectionsClosed: 0, formatErrorReplies: 0, errorCodes: new Map() };
}

/**
 * Coalesces malformed-frame events per source address: the first event of an address goes to
 * `events` at once, later ones are counted and given to `summaries` once per interval. An address
 * with nothing to report at a tick leaves the table, so its next event is again passed on at once.
 *
 * Bounds: the table holds at most `addressesMax` addresses (memory), and per interval at most
 * `addressesMax` events are passed on plus `addressesMax + 1` summaries (audit rows), whatever
 * the number of frames or addresses. `stop()` gives what is counted and waits for the sinks.
 */
export class SecurityEventCoalescer {
  readonly intervalMs: number;
  readonly addressesMax: number;
  readonly #events: ChannelSecurityEventSink;
  readonly #summaries: ChannelSecuritySummarySink;
  readonly #logger: Logger;
  readonly #tallies = new Map<string, Tally>();
  readonly #overflow: Tally = emptyTally();
  readonly #pending = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(events: ChannelSecurityEventSink, options: SecurityEventCoalescing, logger: Logger) {
    this.intervalMs = checked(options.intervalMs ?? securityEventCoalescingDefault.intervalMs, 'intervalMs', intervalMsRange);
    this.addressesMax = checked(options.addressesMax ?? securityEventCoalescingDefault.addressesMax, 'addressesMax', addressesMaxRange);
    if (typeof options.summaries !== 'function') throw new BastionError('CHANNEL_ERR_CONFIG', 'security-event coalescing needs a summaries sink', { argument: 'summaries' });
    this.#events = events;
    this.#summaries = options.summaries;
    this.#logger = logger;
  }

  /** The sink to give the connections (`take`). */
  readonly sink: ChannelSecurityEventSink = (event) => {
    this.take(event);
  };

  /** Addresses in the table now (for tests). */
  get addressesTracked(): number {
    return this.#tallies.size;
  }

  /** Gives one summary per address with events counted; forgets the addresses that had none. */
  tick(): void {
    for (const [address, tally] of this.#tallies) {
      if (tally.count === 0) this.#tallies.delete(address);
      else this.#summarise(address, tally);
    }
    if (this.#overflow.count > 0) this.#summarise(OVERFLOW_ADDRESS, this.#overflow);
    if (this.#tallies.size === 0 && this.#overflow.count === 0) this.#stopTimer();
  }

  /** Gives what is counted and waits for every sink call still running. Later events pass straight on. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#stopTimer();
    this.tick();
    this.#tallies.clear();
    await Promise.all([...this.#pending]);
  }

  /** One malformed-frame event: passed on (true), or counted for the address's next summary (false). */
  take(event: ChannelSecurityEvent): boolean {
    if (this.#stopped) {
      this.#deliver(() => this.#events(event));
      return true;
    }
    // The timer runs only while something is tracked: an idle host has none.
    this.#timer ??= setInterval(() => { this.tick(); }, this.intervalMs).unref();
    const address = event.connection.remoteAddress;
    const tally = this.#tallies.get(address);
    if (tally !== undefined) {
      count(tally, event);
      return false;
    }
    if (this.#tallies.size < this.addressesMax) {
      this.#tallies.set(address, emptyTally());
      this.#deliver(() => this.#events(event));
      return true;
    }
    count(this.#overflow, event);
    return false;
  }

  #summarise(address: string, tally: Tally): void {
    const summary: ChannelSecuritySummary = {
      kind: 'malformed-frames-summary',
      remoteAddress: address,
      fromMs: tally.fromMs,
      toMs: tally.toMs,
      count: tally.count,
      connectionsClosed: tally.connectionsClosed,
      formatErrorReplies: tally.formatErrorReplies,
      errorCodes: Object.fromEntries(tally.errorCodes),
    };
    // One line per summary, in place of the coalesced frames' own lines (at debug).
    this.#logger.warn({ remoteAddress: address, count: summary.count, connectionsClosed: summary.connectionsClosed, formatErrorReplies: summary.formatErrorReplies, errorCodes: summary.errorCodes }, 'malformed frames coalesced');
    tally.count = 0;
    tally.connectionsClosed = 0;
    tally.formatErrorReplies = 0;
    tally.errorCodes.clear();
    this.#deliver(() => this.#summaries(summary));
  }

  /** Calls a sink; a throw or a rejection is logged, and stop() can wait for the call. */
  #deliver(call: () => void | Promise<void>): void {
    const failed = (error: unknown): void => {
      this.#logger.error({ err: error }, 'the security event sink failed; the event is only in this log');
    };
    let result: void | Promise<void>;
    try {
      result = call();
    } catch (error) {
      failed(error);
      return;
    }
    if (!(result instanceof Promise)) return;
    const pending = result.catch(failed).finally(() => { this.#pending.delete(pending); });
    this.#pending.add(pending);
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

function count(tally: Tally, event: ChannelSecurityEvent): void {
  if (tally.count === 0) tally.fromMs = event.atMs;
  tally.count++;
  tally.toMs = event.atMs;
  if (event.reaction === 'connection-closed') tally.connectionsClosed++;
  else tally.formatErrorReplies++;
  tally.errorCodes.set(event.errorCode, (tally.errorCodes.get(event.errorCode) ?? 0) + 1);
}

function checked(value: number, name: string, [min, max]: readonly [number, number]): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new BastionError('CHANNEL_ERR_CONFIG', `security-event coalescing ${name} must be a whole number from ${min} to ${max}`, { argument: name });
  }
  return value;
}
