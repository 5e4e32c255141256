import type { Logger } from '../../adapters/log/index.js';
import { BastionError } from '../../lib/errors/index.js';
import type { ChannelSecurityEvent, ChannelSecurityEventSink } from './security-event.js';

/**
 * The events of one kind from one source address that were not passed on one by one, counted
 * over one interval. A peer sending garbage (or inventing terminal ids) as fast as it can yields
 * its first event at once and then one of these per interval, instead of one audit row per frame.
 */
export type ChannelSecuritySummary = ChannelMalformedFramesSummary | ChannelUnknownTerminalsSummary;

interface SummaryOfAddress {
  /** The peer's address, or `*` for the addresses that did not fit the table (`addressesMax`). */
  readonly remoteAddress: string;
  /** Epoch milliseconds of the first and the last event counted. */
  readonly fromMs: number;
  readonly toMs: number;
  /** Events counted (not passed on one by one). */
  readonly count: number;
}

/** Malformed frames: never bytes of a frame. */
export interface ChannelMalformedFramesSummary extends SummaryOfAddress {
  readonly kind: 'malformed-frames-summary';
  /** Of those, how many closed their connection and how many got a format-error reply. */
  readonly connectionsClosed: number;
  readonly formatErrorReplies: number;
  /** The events counted, by decoding error code (a closed list, so this stays small). */
  readonly errorCodes: Readonly<Record<string, number>>;
}

/** Refusals of unknown terminals: which ids were tried (a few), and with which messages. */
export interface ChannelUnknownTerminalsSummary extends SummaryOfAddress {
  readonly kind: 'unknown-terminals-summary';
  /** The distinct field-41 values among them as received, in the order first seen, at most `unknownTerminalIdsListedMax`. */
  readonly terminalIds: readonly string[];
  /** Of the events counted, how many named an id that is not on the list (the list was full). */
  readonly unlistedTerminalIdRefusals: number;
  /** The events counted by MTI and by response code (the host's routes: a short list). */
  readonly mtis: Readonly<Record<string, number>>;
  readonly responseCodes: Readonly<Record<string, number>>;
}

/** Receives summaries. A throw or a rejection is logged and does not disturb the channel. */
export type ChannelSecuritySummarySink = (summary: ChannelSecuritySummary) => void | Promise<void>;

export interface SecurityEventCoalescing {
  /** Summaries are given once per interval; an address quiet for a whole interval starts afresh. */
  readonly intervalMs?: number;
  /** Addresses tracked one by one, per kind of event; events of further addresses are counted together under `*`. */
  readonly addressesMax?: number;
  readonly summaries: ChannelSecuritySummarySink;
}

export const securityEventCoalescingDefault = Object.freeze({ intervalMs: 10_000, addressesMax: 1024 });

/** Distinct terminal ids a summary of unknown-terminal refusals lists: enough to see what is tried, bounded per address. */
export const unknownTerminalIdsListedMax = 10;

const OVERFLOW_ADDRESS = '*';
const intervalMsRange = [1, 2_147_483_647] as const;
const addressesMaxRange = [1, 1_000_000] as const;

/** What is counted of one kind of event from one address until its next summary. */
abstract class Tally {
  count = 0;
  fromMs = 0;
  toMs = 0;

  add(event: ChannelSecurityEvent): void {
    if (this.count === 0) this.fromMs = event.atMs;
    this.count++;
    this.toMs = event.atMs;
    this.addDetails(event);
  }

  /** The summary of what is counted, and a fresh start. */
  take(remoteAddress: string): ChannelSecuritySummary {
    const summary = this.summary({ remoteAddress, fromMs: this.fromMs, toMs: this.toMs, count: this.count });
    this.count = 0;
    this.reset();
    return summary;
  }

  protected abstract addDetails(event: ChannelSecurityEvent): void;
  protected abstract summary(common: SummaryOfAddress): ChannelSecuritySummary;
  protected abstract reset(): void;
}

class MalformedFramesTally extends Tally {
  #connectionsClosed = 0;
  #formatErrorReplies = 0;
  readonly #errorCodes = new Map<string, number>();

  protected addDetails(event: ChannelSecurityEvent): void {
    if (event.kind !== 'malformed-frame') return;
    if (event.reaction === 'connection-closed') this.#connectionsClosed++;
    else this.#formatErrorReplies++;
    increment(this.#errorCodes, event.errorCode);
  }

  protected summary(common: SummaryOfAddress): ChannelMalformedFramesSummary {
    return { kind: 'malformed-frames-summary', ...common, connectionsClosed: this.#connectionsClosed, formatErrorReplies: this.#formatErrorReplies, errorCodes: Object.fromEntries(this.#errorCodes) };
  }

  protected reset(): void {
    this.#connectionsClosed = 0;
    this.#formatErrorReplies = 0;
    this.#errorCodes.clear();
  }
}

class UnknownTerminalsTally extends Tally {
  readonly #terminalIds = new Set<string>();
  #unlisted = 0;
  readonly #mtis = new Map<string, number>();
  readonly #responseCodes = new Map<string, number>();

  protected addDetails(event: ChannelSecurityEvent): void {
    if (event.kind !== 'unknown-terminal') return;
    if (this.#terminalIds.has(event.terminalId)) {
      // Listed already.
    } else if (this.#terminalIds.size < unknownTerminalIdsListedMax) this.#terminalIds.add(event.terminalId);
    else this.#unlisted++;
    increment(this.#mtis, event.mti);
    increment(this.#responseCodes, event.responseCode);
  }

  protected summary(common: SummaryOfAddress): ChannelUnknownTerminalsSummary {
    return {
      kind: 'unknown-terminals-summary',
      ...common,
      terminalIds: [...this.#terminalIds],
      unlistedTerminalIdRefusals: this.#unlisted,
      mtis: Object.fromEntries(this.#mtis),
      responseCodes: Object.fromEntries(this.#responseCodes),
    };
  }

  protected reset(): void {
    this.#terminalIds.clear();
    this.#unlisted = 0;
    this.#mtis.clear();
    this.#responseCodes.clear();
  }
}

/** The addresses tracked for one kind of event, and the tally of those that did not fit. */
class KindTable {
  readonly tallies = new Map<string, Tally>();
  readonly overflow: Tally;

  constructor(readonly newTally: () => Tally) {
    this.overflow = newTally();
  }
}

/**
 * Coalesces security events per source address and kind (malformed frames, refusals of unknown
 * terminals): the first event of an address goes to `events` at once, later ones of the same kind
 * are counted and given to `summaries` once per interval. An address with nothing of a kind to
 * report at a tick leaves that kind's table, so its next event of that kind is again passed on at
 * once.
 *
 * Bounds: per kind, the table holds at most `addressesMax` addresses (memory; an unknown-terminal
 * tally lists at most `unknownTerminalIdsListedMax` ids), and per interval at most `addressesMax`
 * events are passed on plus `addressesMax + 1` summaries (audit rows), whatever the number of
 * frames or addresses. `stop()` gives what is counted and waits for the sinks.
 */
export class SecurityEventCoalescer {
  readonly intervalMs: number;
  readonly addressesMax: number;
  readonly #events: ChannelSecurityEventSink;
  readonly #summaries: ChannelSecuritySummarySink;
  readonly #logger: Logger;
  readonly #tables: Readonly<Record<ChannelSecurityEvent['kind'], KindTable>> = {
    'malformed-frame': new KindTable(() => new MalformedFramesTally()),
    'unknown-terminal': new KindTable(() => new UnknownTerminalsTally()),
  };
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

  /** Addresses in the tables now, each counted once per kind it is tracked for (for tests). */
  get addressesTracked(): number {
    let tracked = 0;
    for (const table of Object.values(this.#tables)) tracked += table.tallies.size;
    return tracked;
  }

  /** Gives one summary per address and kind with events counted; forgets the addresses that had none. */
  tick(): void {
    let tracking = false;
    for (const table of Object.values(this.#tables)) {
      for (const [address, tally] of table.tallies) {
        if (tally.count === 0) table.tallies.delete(address);
        else this.#summarise(address, tally);
      }
      if (table.overflow.count > 0) this.#summarise(OVERFLOW_ADDRESS, table.overflow);
      if (table.tallies.size > 0) tracking = true;
    }
    if (!tracking) this.#stopTimer();
  }

  /** Gives what is counted and waits for every sink call still running. Later events pass straight on. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#stopTimer();
    this.tick();
    for (const table of Object.values(this.#tables)) table.tallies.clear();
    await Promise.all([...this.#pending]);
  }

  /** One security event: passed on (true), or counted for its address's next summary (false). */
  take(event: ChannelSecurityEvent): boolean {
    if (this.#stopped) {
      this.#deliver(() => this.#events(event));
      return true;
    }
    // The timer runs only while something is tracked: an idle host has none.
    this.#timer ??= setInterval(() => { this.tick(); }, this.intervalMs).unref();
    const table = this.#tables[event.kind];
    const address = event.connection.remoteAddress;
    const tally = table.tallies.get(address);
    if (tally !== undefined) {
      tally.add(event);
      return false;
    }
    if (table.tallies.size < this.addressesMax) {
      table.tallies.set(address, table.newTally());
      this.#deliver(() => this.#events(event));
      return true;
    }
    table.overflow.add(event);
    return false;
  }

  #summarise(address: string, tally: Tally): void {
    const summary = tally.take(address);
    // One line per summary, in place of the coalesced events' own lines (at debug, if any).
    if (summary.kind === 'malformed-frames-summary') {
      this.#logger.warn({ remoteAddress: address, count: summary.count, connectionsClosed: summary.connectionsClosed, formatErrorReplies: summary.formatErrorReplies, errorCodes: summary.errorCodes }, 'malformed frames coalesced');
    } else {
      this.#logger.warn({ remoteAddress: address, count: summary.count, terminalIdsListed: summary.terminalIds.length, unlistedTerminalIdRefusals: summary.unlistedTerminalIdRefusals, mtis: summary.mtis }, 'unknown-terminal refusals coalesced');
    }
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

function increment(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

function checked(value: number, name: string, [min, max]: readonly [number, number]): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new BastionError('CHANNEL_ERR_CONFIG', `security-event coalescing ${name} must be a whole number from ${min} to ${max}`, { argument: name });
  }
  return value;
}
