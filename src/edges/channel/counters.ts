/**
 * What the channel has seen, for the future `/metrics` endpoint and for tests. Everything but
 * `connectionsOpen` only grows. Read through `ChannelServer.counters`, which returns a copy.
 */
export interface ChannelCounters {
  /** Connections accepted and not yet closed (TLS connections count from the TCP accept). */
  connectionsOpen: number;
  /** Connections accepted since start. */
  connectionsTotal: number;
  /** Connections closed at once because a connection limit was reached or the server was stopping. */
  connectionsRefused: number;
  /** TLS handshakes that failed or timed out (under mutual TLS: a client without a valid certificate). */
  tlsHandshakeFailures: number;
  /** Complete frames read (keep-alives not included). */
  framesIn: number;
  /** Zero-length keep-alive frames read. */
  keepAlivesIn: number;
  /** Frames written: replies and format-error replies. */
  framesOut: number;
  /** Frames that did not decode: oversize, bad TPDU or header, or a message the codec refused. */
  framesMalformed: number;
  /** Of those, the ones answered with a format-error reply (39 = 30). */
  formatErrorReplies: number;
  /** Connections closed for sending no complete frame within the idle timeout. */
  idleTimeouts: number;
  /** Connections closed because a frame did not arrive whole in time (slow loris). */
  frameTimeouts: number;
  /** Requests whose handler did not answer in time (no reply was sent). */
  handlerTimeouts: number;
  /** Requests whose handler threw or returned something invalid (no reply was sent). */
  handlerErrors: number;
  /** Connections closed for pipelining past the in-flight queue or not reading their replies. */
  overloadCloses: number;
}

export function emptyChannelCounters(): ChannelCounters {
  return {
    connectionsOpen: 0,
    connectionsTotal: 0,
    connectionsRefused: 0,
    tlsHandshakeFailures: 0,
    framesIn: 0,
    keepAlivesIn: 0,
    framesOut: 0,
    framesMalformed: 0,
    formatErrorReplies: 0,
    idleTimeouts: 0,
    frameTimeouts: 0,
    handlerTimeouts: 0,
    handlerErrors: 0,
    overloadCloses: 0,
  };
}
