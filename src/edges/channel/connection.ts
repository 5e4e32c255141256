import type { Socket } from 'node:net';
import type { Logger } from '../../adapters/log/index.js';
import { BastionError } from '../../lib/errors/index.js';
import type { IsoMessage, MessageCodec, UnionPayPosSpec } from '../../lib/iso8583/index.js';
import {
  decodeFrameBody,
  encodeFrame,
  FrameSplitter,
  frameLayoutBytes,
  ProcessingRequirement,
  replyTpdu,
  replyUnionPayHeader,
  unionPayFrameLayout,
  type Frame,
} from '../../lib/iso8583/framing/index.js';
import type { ChannelCounters } from './counters.js';
import { formatErrorReply, readableMti } from './format-error.js';
import type { ChannelConnectionInfo, ChannelHandler, ChannelResponse } from './handler.js';
import type { ChannelLimits } from './limits.js';
import type { ChannelRequestSecurityEvent, ChannelSecurityEvent, ChannelSecurityEventSink } from './security-event.js';
import type { SecurityEventCoalescer } from './security-event-coalescer.js';
import { LazyAbort } from './lazy-abort.js';

/** What every connection of one server shares. */
export interface ConnectionContext {
  readonly limits: ChannelLimits;
  readonly handler: ChannelHandler;
  readonly codec: MessageCodec<UnionPayPosSpec>;
  readonly counters: ChannelCounters;
  readonly logger: Logger;
  readonly nowMs: () => number;
  readonly securityEvents: ChannelSecurityEventSink | undefined;
  /** When set, events go to it instead of `securityEvents` (it passes some on and counts the rest). */
  readonly coalescer?: SecurityEventCoalescer | undefined;
}

/** A request that decoded and waits for an in-flight slot. */
interface PendingRequest {
  readonly frame: Frame;
  readonly unpacked: IsoMessage<UnionPayPosSpec>;
  readonly receivedAtMs: number;
}

/**
 * - `open`: reading frames and handling them;
 * - `draining`: the server is stopping: no more reading, requests already read are finished;
 * - `closing`: ended or destroyed by the channel, waiting for the socket's close; nothing is written;
 * - `closed`: the socket is gone.
 */
type ConnectionState = 'open' | 'draining' | 'closing' | 'closed';

/** Bytes of a frame body in front of the MTI: offsets in message errors are shifted by this. */
const messageOffsetInFrame = frameLayoutBytes(unionPayFrameLayout);

/**
 * One terminal connection: cuts its byte stream into frames, refuses malformed ones, hands the
 * rest to the handler within the in-flight bound and writes the replies back. Every wait has a
 * timer (idle, frame completion, handler, close flush), and anything unexpected closes this
 * connection alone: nothing a peer sends can throw out of here into the server.
 */
export class ChannelConnection {
  readonly info: ChannelConnectionInfo;
  readonly #socket: Socket;
  readonly #context: ConnectionContext;
  readonly #logger: Logger;
  readonly #splitter: FrameSplitter;
  readonly #queue: PendingRequest[] = [];
  /** One controller per request whose handler has not settled yet. */
  readonly #inFlight = new Set<LazyAbort>();
  #state: ConnectionState = 'open';
  #readingPaused = false;
  #keepAlivesSeen = 0;
  #malformedFrames = 0;
  #idleTimer: NodeJS.Timeout | undefined;
  #frameTimer: NodeJS.Timeout | undefined;
  #flushTimer: NodeJS.Timeout | undefined;

  constructor(socket: Socket, info: ChannelConnectionInfo, context: ConnectionContext) {
    this.#socket = socket;
    this.info = info;
    this.#context = context;
    this.#logger = context.logger.child({ connectionId: info.id, remoteAddress: info.remoteAddress });
    this.#splitter = new FrameSplitter({ frameBytesMax: context.limits.frameBytesMax });
    // Replies are single small writes that a terminal is waiting for: don't let Nagle hold them.
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.#guard(() => {
        this.#onData(chunk);
      });
    });
    socket.on('error', (error: Error) => {
      // Resets and broken pipes are the peer's business; the 'close' that follows cleans up.
      this.#logger.debug({ reason: (error as { code?: unknown }).code ?? 'unknown' }, 'connection error');
    });
    socket.on('close', () => {
      this.#onClose();
    });
    this.#armIdleTimer();
    this.#logger.debug('connection open');
  }

  /** The server is stopping: read nothing more, finish what was read, then close. */
  drain(): void {
    if (this.#state !== 'open') return;
    this.#state = 'draining';
    this.#pauseReading();
    this.#clearTimer('idle');
    this.#closeIfDrained();
  }

  /** Closes at once, replies not yet written are lost (the stop bound has passed). */
  destroy(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closing';
    this.#abortInFlight();
    this.#socket.destroy();
  }

  /** Runs `work`; anything it throws is a bug, so it is logged and this connection alone is closed. */
  #guard(work: () => void): void {
    try {
      work();
    } catch (error) {
      this.#logger.error({ err: error }, 'unexpected failure on a connection; closing it');
      this.destroy();
    }
  }

  #isOpen(): boolean {
    return this.#state === 'open';
  }

  #onData(chunk: Buffer): void {
    if (this.#state !== 'open') return;
    let bodies: Buffer[];
    try {
      bodies = this.#splitter.push(chunk);
    } catch (error) {
      if (!(error instanceof BastionError)) throw error;
      // An oversize length prefix: the stream can't be resynchronised.
      this.#malformed(error, undefined, 0);
      return;
    }
    const receivedAtMs = this.#context.nowMs();
    const keepAlives = this.#splitter.keepAlivesSeen - this.#keepAlivesSeen;
    this.#keepAlivesSeen = this.#splitter.keepAlivesSeen;
    this.#context.counters.keepAlivesIn += keepAlives;
    // A frame (or keep-alive) ended in this chunk: whatever is buffered now belongs to a new frame.
    if (bodies.length > 0 || keepAlives > 0) this.#clearTimer('frame');
    for (const body of bodies) {
      this.#context.counters.framesIn++;
      this.#accept(body, receivedAtMs);
      // A malformed frame may have closed the connection: drop the frames after it.
      if (!this.#isOpen()) return;
    }
    if (this.#splitter.bufferedBytes === 0) this.#clearTimer('frame');
    else if (this.#frameTimer === undefined && !this.#readingPaused) this.#startFrameTimer();
    if (bodies.length > 0 || keepAlives > 0) this.#armIdleTimer();
    this.#pump();
    if (this.#queue.length > this.#context.limits.queuedFramesPerConnectionMax) {
      this.#overload('the peer pipelined more frames than the in-flight bound and its queue allow');
    }
  }

  /** Decodes one frame body: a good request is queued, a bad one refused. */
  #accept(body: Buffer, receivedAtMs: number): void {
    let frame: Frame;
    try {
      frame = decodeFrameBody(body, { frameBytesMax: this.#context.limits.frameBytesMax });
    } catch (error) {
      if (!(error instanceof BastionError)) throw error;
      this.#malformed(error, undefined, 0);
      return;
    }
    let unpacked: IsoMessage<UnionPayPosSpec>;
    try {
      unpacked = this.#context.codec.unpack(frame.message);
    } catch (error) {
      if (!(error instanceof BastionError)) throw error;
      this.#malformed(error, frame, messageOffsetInFrame);
      return;
    }
    this.#queue.push({ frame, unpacked, receivedAtMs });
  }

  /**
   * A frame that did not decode. With a readable request MTI it gets a format-error reply and the
   * connection stays open (up to the malformed-frame bound); otherwise, and always for framing
   * errors, the connection is closed. Either way a security event is reported.
   */
  #malformed(error: BastionError, frame: Frame | undefined, offsetBase: number): void {
    const counters = this.#context.counters;
    counters.framesMalformed++;
    this.#malformedFrames++;
    const mti = frame === undefined ? undefined : readableMti(this.#context.codec, frame.message);
    const reply = frame === undefined ? undefined : formatErrorReply(this.#context.codec, frame.message);
    const field = error.details['field'];
    const offset = error.details['offset'];
    const passedOn = this.#report({
      kind: 'malformed-frame',
      atMs: this.#context.nowMs(),
      connection: this.info,
      errorCode: error.code,
      ...(typeof field === 'string' ? { field } : {}),
      ...(typeof offset === 'number' ? { offset: offset + offsetBase } : {}),
      ...(mti === undefined ? {} : { mti }),
      reaction: reply === undefined ? 'connection-closed' : 'format-error-reply',
    });
    // A coalesced event is in the coalescer's summary line: a flood of garbage can't flood the log either.
    const fields = { code: error.code, field, offset, mti, replied: reply !== undefined };
    if (passedOn) this.#logger.warn(fields, 'malformed frame');
    else this.#logger.debug(fields, 'malformed frame (coalesced)');
    if (frame !== undefined && reply !== undefined) {
      counters.formatErrorReplies++;
      this.#writeReply(frame, reply, ProcessingRequirement.None);
      if (this.#malformedFrames < this.#context.limits.malformedFramesPerConnectionMax) return;
    }
    this.#end();
  }

  /**
   * A handler's report about one of this connection's requests (`ChannelRequest.reportSecurityEvent`),
   * copied field by field so that nothing else a handler might attach travels on.
   */
  readonly #reportRequestEvent = (event: ChannelRequestSecurityEvent): void => {
    this.#report({ kind: event.kind, atMs: this.#context.nowMs(), connection: this.info, terminalId: event.terminalId, mti: event.mti, responseCode: event.responseCode });
  };

  /** Reports the event; false when a coalescer only counted it (its summary will tell). */
  #report(event: ChannelSecurityEvent): boolean {
    const coalescer = this.#context.coalescer;
    if (coalescer !== undefined) return coalescer.take(event);
    const sink = this.#context.securityEvents;
    if (sink === undefined) return true;
    const failed = (error: unknown): void => {
      this.#logger.error({ err: error }, 'the security event sink failed; the event is only in this log');
    };
    try {
      void Promise.resolve(sink(event)).catch(failed);
    } catch (error) {
      failed(error);
    }
    return true;
  }

  /** Hands queued requests to the handler while slots are free; stops reading while they are not. */
  #pump(): void {
    const { inFlightPerConnectionMax } = this.#context.limits;
    while ((this.#state === 'open' || this.#state === 'draining') && this.#inFlight.size < inFlightPerConnectionMax) {
      const request = this.#queue.shift();
      if (request === undefined) break;
      this.#dispatch(request);
    }
    if (this.#state !== 'open') return;
    if (this.#inFlight.size >= inFlightPerConnectionMax) this.#pauseReading();
    else this.#resumeReading();
  }

  #dispatch(request: PendingRequest): void {
    const controller = new LazyAbort();
    this.#inFlight.add(controller);
    this.#clearTimer('idle');
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      this.#context.counters.handlerTimeouts++;
      this.#logger.warn({ mti: request.unpacked.mti, timeoutMs: this.#context.limits.handlerTimeoutMs }, 'the handler did not answer in time; no reply');
      controller.abort();
    }, this.#context.limits.handlerTimeoutMs);
    let response: Promise<ChannelResponse>;
    try {
      response = this.#context.handler.handle({
        tpdu: request.frame.tpdu,
        header: request.frame.header,
        message: request.frame.message,
        unpacked: request.unpacked,
        connection: this.info,
        receivedAtMs: request.receivedAtMs,
        get signal() {
          return controller.signal;
        },
        ...(this.#context.securityEvents === undefined ? {} : { reportSecurityEvent: this.#reportRequestEvent }),
      });
    } catch (error) {
      // A handler that throws instead of rejecting is treated alike.
      response = Promise.reject(error instanceof Error ? error : new BastionError('CHANNEL_ERR_HANDLER', 'the handler threw a value that is not an Error'));
    }
    const settled = (): void => {
      clearTimeout(timer);
      this.#inFlight.delete(controller);
      this.#guard(() => {
        this.#afterSettled();
      });
    };
    void Promise.resolve(response).then(
      (value) => {
        // Too late, or nobody left to answer: the terminal reverses.
        if (!timedOut && !controller.aborted) {
          this.#guard(() => {
            this.#respond(request.frame, value);
          });
        }
        settled();
      },
      (error: unknown) => {
        if (!timedOut && !controller.aborted) this.#handlerFailed(error, 'the handler failed');
        settled();
      },
    );
  }

  #respond(frame: Frame, response: unknown): void {
    if (response === undefined) return;
    if (typeof response === 'object' && response !== null) {
      if ('close' in response && response.close === true) {
        this.#end();
        return;
      }
      if ('reply' in response && response.reply instanceof Uint8Array) {
        const requirement = 'processingRequirement' in response ? response.processingRequirement : undefined;
        try {
          this.#writeReply(frame, response.reply, (requirement ?? ProcessingRequirement.None) as ProcessingRequirement);
        } catch (error) {
          if (!(error instanceof BastionError)) throw error;
          // The reply did not fit a frame, or the processing requirement is not a digit.
          this.#handlerFailed(error, 'the handler reply could not be framed');
        }
        return;
      }
    }
    this.#handlerFailed(undefined, 'the handler returned something that is not a reply, { close: true } or undefined');
  }

  #handlerFailed(cause: unknown, message: string): void {
    this.#context.counters.handlerErrors++;
    const error = new BastionError('CHANNEL_ERR_HANDLER', `${message}; the request got no reply`);
    this.#logger.error({ err: error, cause }, error.message);
  }

  #afterSettled(): void {
    if (this.#state === 'closing' || this.#state === 'closed') return;
    this.#pump();
    this.#closeIfDrained();
    if (this.#state === 'open' && this.#inFlight.size === 0 && this.#queue.length === 0) this.#armIdleTimer();
  }

  /** Frames the reply (TPDU swapped, header echoed with the processing requirement) and writes it. */
  #writeReply(frame: Frame, message: Uint8Array, processingRequirement: ProcessingRequirement): void {
    const bytes = encodeFrame({ tpdu: replyTpdu(frame.tpdu), header: replyUnionPayHeader(frame.header, processingRequirement), message });
    if (this.#state === 'closing' || this.#state === 'closed' || !this.#socket.writable) return;
    this.#socket.write(bytes);
    this.#context.counters.framesOut++;
    if (this.#socket.writableLength > this.#context.limits.writeBufferBytesMax) {
      this.#overload('the peer does not read its replies');
    }
  }

  #overload(reason: string): void {
    this.#context.counters.overloadCloses++;
    this.#logger.warn({ reason }, 'closing an overloading connection');
    this.destroy();
  }

  #closeIfDrained(): void {
    if (this.#state === 'draining' && this.#inFlight.size === 0 && this.#queue.length === 0) this.#end();
  }

  /** Sends what is written, then FIN; destroys the socket if that does not finish in time. */
  #end(): void {
    if (this.#state === 'closing' || this.#state === 'closed') return;
    this.#state = 'closing';
    this.#clearTimer('idle');
    this.#clearTimer('frame');
    this.#abortInFlight();
    this.#socket.end();
    // Keep reading (and dropping) so that the peer's FIN is seen and the socket can close.
    this.#socket.resume();
    this.#flushTimer = setTimeout(() => {
      this.#socket.destroy();
    }, this.#context.limits.closeFlushTimeoutMs);
  }

  #onClose(): void {
    this.#state = 'closed';
    this.#clearTimer('idle');
    this.#clearTimer('frame');
    this.#clearTimer('flush');
    this.#queue.length = 0;
    this.#abortInFlight();
    this.#logger.debug('connection closed');
  }

  #abortInFlight(): void {
    for (const controller of this.#inFlight) controller.abort();
  }

  #pauseReading(): void {
    if (this.#readingPaused) return;
    this.#readingPaused = true;
    this.#socket.pause();
    // The peer can't send while we don't read: its partial frame is not its fault meanwhile.
    this.#clearTimer('frame');
  }

  #resumeReading(): void {
    if (!this.#readingPaused) return;
    this.#readingPaused = false;
    this.#socket.resume();
    if (this.#splitter.bufferedBytes > 0) this.#startFrameTimer();
  }

  /** Restarts the idle clock: it runs only while nothing is in flight or queued. */
  #armIdleTimer(): void {
    this.#clearTimer('idle');
    if (this.#state !== 'open' || this.#inFlight.size > 0 || this.#queue.length > 0) return;
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = undefined;
      // A frame on its way is judged by the frame-completion timer; when it ends, idle restarts.
      if (this.#splitter.bufferedBytes > 0) return;
      this.#context.counters.idleTimeouts++;
      this.#logger.info({ idleTimeoutMs: this.#context.limits.idleTimeoutMs }, 'closing an idle connection');
      this.destroy();
    }, this.#context.limits.idleTimeoutMs);
  }

  #startFrameTimer(): void {
    this.#clearTimer('frame');
    this.#frameTimer = setTimeout(() => {
      this.#frameTimer = undefined;
      this.#context.counters.frameTimeouts++;
      this.#logger.warn(
        { frameCompletionTimeoutMs: this.#context.limits.frameCompletionTimeoutMs, bufferedBytes: this.#splitter.bufferedBytes },
        'a frame did not arrive whole in time; closing the connection',
      );
      this.destroy();
    }, this.#context.limits.frameCompletionTimeoutMs);
  }

  #clearTimer(which: 'idle' | 'frame' | 'flush'): void {
    const timer = which === 'idle' ? this.#idleTimer : which === 'frame' ? this.#frameTimer : this.#flushTimer;
    if (timer !== undefined) clearTimeout(timer);
    if (which === 'idle') this.#idleTimer = undefined;
    else if (which === 'frame') this.#frameTimer = undefined;
    else this.#flushTimer = undefined;
  }
}
