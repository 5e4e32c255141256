import { readFileSync } from 'node:fs';
import { MessageCodec, unionPayPosSpec, type UnionPayPosSpec } from '../../lib/iso8583/index.js';
import type { CommitStats } from '../../ports/store.js';
import type { ChannelCounters } from '../channel/counters.js';
import type { HostExchange } from '../channel/host-handler.js';
import { formatExposition, type HistogramFamily, type MetricFamily } from './prometheus-text.js';

/** Latency buckets in seconds: a sale takes milliseconds on SQLite; a slow store or HSM shows in the upper ones. */
export const requestDurationBucketsSeconds = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/**
 * Distinct (request MTI, reply MTI, response code) series kept; beyond it, replies are counted
 * under `other`. The host's own codes make a few dozen, so this is a bound, not a budget.
 */
export const replySeriesMax = 256;

const codec = new MessageCodec<UnionPayPosSpec>(unionPayPosSpec);

function packageVersion(): string {
  try {
    // src/edges/http and dist/edges/http are both three folders below the package root.
    const parsed = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof parsed.version === 'string' ? parsed.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

export const bastionVersion = packageVersion();

interface ReplySeries {
  readonly requestMti: string;
  readonly replyMti: string;
  readonly responseCode: string;
  count: number;
}

/** What a reply says about itself, for metrics and the log: no card data (fields 2, 35, 52, 55 are never read out). */
export interface ReplySummary {
  readonly requestMti: string;
  readonly replyMti: string;
  readonly responseCode: string;
  /** Field 41 and 11 of the reply, when present (for the log, never metric labels). */
  readonly terminalId?: string;
  readonly trace?: string;
  readonly durationMs: number;
}

// Typed so that a field added to ReplySummary must be added here, or it would vanish from the log line.
const replySummaryFields: { readonly [Name in keyof ReplySummary]-?: true } = { requestMti: true, replyMti: true, responseCode: true, terminalId: true, trace: true, durationMs: true };

/** Every field of a `ReplySummary`, in the order the `reply` log line writes them. */
export const replySummaryFieldNames: readonly (keyof ReplySummary)[] = Object.freeze(Object.keys(replySummaryFields) as (keyof ReplySummary)[]);

function replyFields(reply: Uint8Array): { replyMti: string; responseCode: string; terminalId?: string; trace?: string } {
  try {
    const message = codec.unpack(reply);
    const terminalId = message.get(41);
    const trace = message.get(11);
    return { replyMti: message.mti, responseCode: message.get(39) ?? 'none', ...(terminalId === undefined ? {} : { terminalId }), ...(trace === undefined ? {} : { trace }) };
  } catch {
    return { replyMti: 'unknown', responseCode: 'unknown' };
  }
}

/**
 * What the host has answered: replies by request MTI, reply MTI and response code (39), requests
 * left unanswered, and a latency histogram of the pipeline. Fed by `hostChannelHandler`'s observer.
 */
export class HostMetrics {
  readonly #replies = new Map<string, ReplySeries>();
  readonly #unanswered = new Map<string, number>();
  readonly #bucketCounts: number[] = new Array<number>(requestDurationBucketsSeconds.length + 1).fill(0);
  #durationSum = 0;
  #durationCount = 0;

  /** Pass as the observer of `hostChannelHandler` (or call from one); returns what it counted. */
  readonly observe = (exchange: HostExchange): ReplySummary => {
    const requestMti = /^\d{4}$/.test(exchange.requestMti) ? exchange.requestMti : 'unknown';
    const seconds = Math.max(0, exchange.durationSeconds);
    const bucket = requestDurationBucketsSeconds.findIndex((bound) => seconds <= bound);
    const slot = bucket === -1 ? requestDurationBucketsSeconds.length : bucket;
    this.#bucketCounts[slot] = (this.#bucketCounts[slot] ?? 0) + 1;
    this.#durationSum += seconds;
    this.#durationCount += 1;
    const durationMs = Math.round(seconds * 1e6) / 1e3;
    if (exchange.reply === undefined) {
      this.#unanswered.set(requestMti, (this.#unanswered.get(requestMti) ?? 0) + 1);
      return { requestMti, replyMti: 'none', responseCode: 'none', durationMs };
    }
    const fields = replyFields(exchange.reply);
    const summary: ReplySummary = { requestMti, ...fields, durationMs };
    let labels = { requestMti, replyMti: fields.replyMti, responseCode: fields.responseCode };
    let key = `${labels.requestMti}|${labels.replyMti}|${labels.responseCode}`;
    if (!this.#replies.has(key) && this.#replies.size >= replySeriesMax) {
      labels = { requestMti: 'other', replyMti: 'other', responseCode: 'other' };
      key = 'other|other|other';
    }
    const series = this.#replies.get(key);
    if (series === undefined) this.#replies.set(key, { ...labels, count: 1 });
    else series.count += 1;
    return summary;
  };

  families(): (MetricFamily | HistogramFamily)[] {
    return [
      {
        name: 'bastion_host_replies_total',
        help: 'Replies the host sent, by request MTI, reply MTI and response code (field 39).',
        type: 'counter',
        samples: [...this.#replies.values()].map((series) => ({
          labels: { request_mti: series.requestMti, reply_mti: series.replyMti, response_code: series.responseCode },
          value: series.count,
        })),
      },
      {
        name: 'bastion_host_requests_unanswered_total',
        help: 'Requests the host pipeline gave no reply to, by request MTI.',
        type: 'counter',
        samples: [...this.#unanswered].map(([requestMti, count]) => ({ labels: { request_mti: requestMti }, value: count })),
      },
      {
        name: 'bastion_host_request_duration_seconds',
        help: 'Time the host pipeline took per request, from the decoded frame to the reply.',
        type: 'histogram',
        bucketBounds: requestDurationBucketsSeconds,
        bucketCounts: this.#bucketCounts,
        sum: this.#durationSum,
        count: this.#durationCount,
      },
    ];
  }
}

/** The channel's counters as metric families (`ChannelServer.counters`). */
export function channelFamilies(counters: ChannelCounters, listening: boolean): MetricFamily[] {
  const counter = (name: string, help: string, value: number): MetricFamily => ({ name, help, type: 'counter', samples: [{ value }] });
  const gauge = (name: string, help: string, value: number): MetricFamily => ({ name, help, type: 'gauge', samples: [{ value }] });
  return [
    gauge('bastion_channel_listening', '1 while the terminal channel accepts connections, else 0.', listening ? 1 : 0),
    gauge('bastion_channel_connections_open', 'Terminal connections open now.', counters.connectionsOpen),
    counter('bastion_channel_connections_accepted_total', 'Terminal connections accepted since start.', counters.connectionsTotal),
    counter('bastion_channel_connections_refused_total', 'Connections closed at once: a connection limit was reached or the host was stopping.', counters.connectionsRefused),
    counter('bastion_channel_tls_handshake_failures_total', 'TLS handshakes that failed or timed out (under mutual TLS: no valid client certificate).', counters.tlsHandshakeFailures),
    counter('bastion_channel_frames_received_total', 'Complete frames read, keep-alives not included.', counters.framesIn),
    counter('bastion_channel_keepalives_received_total', 'Zero-length keep-alive frames read.', counters.keepAlivesIn),
    counter('bastion_channel_frames_sent_total', 'Frames written: replies and format-error replies.', counters.framesOut),
    counter('bastion_channel_frames_malformed_total', 'Frames that did not decode (oversize, bad TPDU or header, refused by the codec).', counters.framesMalformed),
    counter('bastion_channel_format_error_replies_total', 'Malformed frames answered with a format-error reply (39 = 30).', counters.formatErrorReplies),
    counter('bastion_channel_idle_timeouts_total', 'Connections closed for sending no complete frame within the idle timeout.', counters.idleTimeouts),
    counter('bastion_channel_frame_timeouts_total', 'Connections closed because a frame did not arrive whole in time (slow loris).', counters.frameTimeouts),
    counter('bastion_channel_handler_timeouts_total', 'Requests the host did not answer in time (no reply was sent).', counters.handlerTimeouts),
    counter('bastion_channel_handler_errors_total', 'Requests whose handler failed (no reply was sent).', counters.handlerErrors),
    counter('bastion_channel_overload_closes_total', 'Connections closed for pipelining past the in-flight bound or not reading their replies.', counters.overloadCloses),
  ];
}

/** The store's group commit (SQLite): nothing on a store that commits each unit alone (PostgreSQL). */
export function storeFamilies(stats: CommitStats | undefined): MetricFamily[] {
  if (stats === undefined) return [];
  const counter = (name: string, help: string, value: number): MetricFamily => ({ name, help, type: 'counter', samples: [{ value }] });
  return [
    counter('bastion_store_group_commits_total', 'Database transactions the group committer ran (each commits one or more units).', stats.groups),
    counter('bastion_store_group_commit_units_total', 'Units of work committed in them; units ÷ commits is the average group size.', stats.units),
    counter('bastion_store_wal_fsyncs_total', 'WAL fsyncs run in the thread pool after group commits.', stats.fsyncs),
    counter('bastion_store_wal_fsync_seconds_total', 'Time those fsyncs took, in seconds; ÷ fsyncs is the average.', stats.fsyncSeconds),
    counter('bastion_store_group_commit_reruns_total', 'PostgreSQL: groups rolled back because one of their units failed, each unit then run again alone.', stats.groupsRerun),
  ];
}

/** Process facts under the names Prometheus client libraries use, and `bastion_build_info`. */
export function processFamilies(startedAtMs: number): MetricFamily[] {
  const cpu = process.cpuUsage();
  return [
    { name: 'bastion_build_info', help: 'Always 1; the labels say which Bastion and Node.js run.', type: 'gauge', samples: [{ labels: { version: bastionVersion, node: process.version }, value: 1 }] },
    { name: 'process_resident_memory_bytes', help: 'Resident memory size in bytes.', type: 'gauge', samples: [{ value: process.memoryUsage.rss() }] },
    { name: 'process_cpu_seconds_total', help: 'User and system CPU time spent, in seconds.', type: 'counter', samples: [{ value: (cpu.user + cpu.system) / 1e6 }] },
    { name: 'process_start_time_seconds', help: 'Start time of the process since the Unix epoch, in seconds.', type: 'gauge', samples: [{ value: Math.floor(startedAtMs / 1000) }] },
  ];
}

export { formatExposition };
