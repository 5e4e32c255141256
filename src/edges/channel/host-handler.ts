import type { HostAnswer, HostRequest } from '../../domain/host/index.js';
import type { TerminalRefusalEvent } from '../../domain/host/refusal-event.js';
import type { ChannelHandler } from './handler.js';

/** What one request through the pipeline looked like, for metrics: no field values, no card data. */
export interface HostExchange {
  /** The request's MTI as the channel decoded it, e.g. `0200`. */
  readonly requestMti: string;
  /** The ISO 8583 reply (MTI onward), or undefined when none was sent. */
  readonly reply: Uint8Array | undefined;
  /** Time spent in the pipeline, in seconds (monotonic clock). */
  readonly durationSeconds: number;
}

/** What answers the channel's requests: the host's pipeline itself, or the host threads running copies of it (`host-threads.ts`). */
export interface HostResponder {
  respond(request: HostRequest): Promise<HostAnswer | undefined>;
}

/** Told about every request once the pipeline is done with it. A throw is ignored: metrics never break a reply. */
export type HostExchangeObserver = (exchange: HostExchange) => void;

/**
 * Wires the host pipeline (domain) to the terminal channel (edge): the domain cannot import the
 * channel's handler contract, so this adapter hands each well-formed request's bytes and decoding
 * to the pipeline and its reply (with the header's processing requirement) back to the channel. No reply means none is sent. An optional
 * observer sees each exchange (the `/metrics` endpoint counts replies and latency with it). When the
 * channel reports security events, the host's refusals of unknown terminals are reported through it.
 */
export function hostChannelHandler(pipeline: HostResponder, observer?: HostExchangeObserver): ChannelHandler {
  return {
    async handle(request) {
      const startedAt = process.hrtime.bigint();
      let answer: HostAnswer | undefined;
      // With a channel that reports security events, refusals of unknown terminals go to it, to be
      // coalesced per source address like malformed frames; the host records every other refusal.
      const report = request.reportSecurityEvent;
      const unknownTerminalRefusals = report === undefined ? {} : {
        unknownTerminalRefusals: (refusal: TerminalRefusalEvent): void => {
          report({ kind: 'unknown-terminal', terminalId: refusal.terminalId, mti: refusal.mti, responseCode: refusal.responseCode });
        },
      };
      try {
        answer = await pipeline.respond({ message: request.message, unpacked: request.unpacked, ...unknownTerminalRefusals });
      } finally {
        const reply = answer?.reply;
        if (observer !== undefined) {
          try {
            observer({ requestMti: request.unpacked.mti, reply, durationSeconds: Number(process.hrtime.bigint() - startedAt) / 1e9 });
          } catch {
            // Observing is best effort; the reply goes out regardless.
          }
        }
      }
      return answer === undefined ? undefined : { reply: answer.reply, processingRequirement: answer.processingRequirement };
    },
  };
}
