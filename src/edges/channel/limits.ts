import { BastionError } from '../../lib/errors/index.js';
import { frameLayoutBytes, lengthPrefixValueMax, unionPayFrameLayout } from '../../lib/iso8583/framing/index.js';

/**
 * Every bound of the terminal channel, with its unit in its name. Each one keeps a single peer —
 * broken, slow or hostile — from taking more than its share of the host, so that the other
 * terminals go on being served. `channelLimitsDefault` gives values that suit terminals on
 * ordinary networks; a deployment changes any of them through `ChannelServerOptions.limits`.
 */
export interface ChannelLimits {
  /**
   * The largest frame body accepted (bytes after the 2-byte length). A length prefix announcing
   * more closes the connection before anything is buffered for it. Real frames are a few hundred
   * bytes; the largest, a parameter download or batch upload, stays well under 2 KiB.
   */
  readonly frameBytesMax: number;
  /** Open connections in total; the next one is refused (closed at once) and counted. */
  readonly connectionsMax: number;
  /**
   * Open connections from one remote address. Terminals behind a carrier-grade NAT share
   * addresses, and behind a load balancer every connection has the balancer's address: raise it
   * to `connectionsMax` there.
   */
  readonly connectionsPerAddressMax: number;
  /** Requests of one connection handed to the handler at the same time. */
  readonly inFlightPerConnectionMax: number;
  /**
   * Frames of one connection that may wait for an in-flight slot. While the slots are full the
   * channel stops reading from that connection (TCP pushes back on the peer); a peer that still
   * pipelines more than slots + queue in the bytes already read is closed. A terminal sends one
   * request and waits for its reply, so it never comes near this.
   */
  readonly queuedFramesPerConnectionMax: number;
  /** No complete frame (or zero-length keep-alive) for this long, with nothing in flight: close. */
  readonly idleTimeoutMs: number;
  /**
   * A frame must arrive whole within this time of its first byte (prefix included), however its
   * bytes trickle in: the slow-loris defence. Not reset by each byte, only by the frame's end.
   */
  readonly frameCompletionTimeoutMs: number;
  /**
   * The handler must answer within this time, or the request gets no reply (the terminal then
   * reverses it). Keep it below the terminals' own reply timeout, usually 30 to 60 s.
   */
  readonly handlerTimeoutMs: number;
  /**
   * Reply bytes queued for a peer that does not read them. Over this, the connection is closed:
   * a peer can't make the host hold replies in memory.
   */
  readonly writeBufferBytesMax: number;
  /** A TLS handshake must complete within this time (TLS only). */
  readonly tlsHandshakeTimeoutMs: number;
  /** After the channel ends a connection, how long its last replies may take to flush before it is destroyed. */
  readonly closeFlushTimeoutMs: number;
  /** `stop()` lets in-flight requests finish for at most this long, then closes what is left. */
  readonly stopDrainTimeoutMs: number;
  /**
   * Malformed frames one connection may send before it is closed, the format-error reply to the
   * last one included. Each is a security event, so this also bounds the audit rows one
   * connection can cause.
   */
  readonly malformedFramesPerConnectionMax: number;
}

export const channelLimitsDefault: ChannelLimits = Object.freeze({
  frameBytesMax: 8 * 1024,
  connectionsMax: 2000,
  connectionsPerAddressMax: 64,
  inFlightPerConnectionMax: 4,
  queuedFramesPerConnectionMax: 8,
  idleTimeoutMs: 60_000,
  frameCompletionTimeoutMs: 10_000,
  handlerTimeoutMs: 30_000,
  writeBufferBytesMax: 256 * 1024,
  tlsHandshakeTimeoutMs: 10_000,
  closeFlushTimeoutMs: 5_000,
  stopDrainTimeoutMs: 10_000,
  malformedFramesPerConnectionMax: 3,
});

/** Node's timers take at most 2^31 - 1 ms; a larger value would fire at once. */
const timerMsMax = 2_147_483_647;

/** A frame must at least hold its TPDU, header and a 2-byte MTI. */
const frameBytesMin = frameLayoutBytes(unionPayFrameLayout) + 2;

const ranges: { readonly [Name in keyof ChannelLimits]: readonly [min: number, max: number] } = {
  frameBytesMax: [frameBytesMin, lengthPrefixValueMax],
  connectionsMax: [1, 1_000_000],
  connectionsPerAddressMax: [1, 1_000_000],
  inFlightPerConnectionMax: [1, 1024],
  queuedFramesPerConnectionMax: [0, 1024],
  idleTimeoutMs: [1, timerMsMax],
  frameCompletionTimeoutMs: [1, timerMsMax],
  handlerTimeoutMs: [1, timerMsMax],
  writeBufferBytesMax: [1, 1024 * 1024 * 1024],
  tlsHandshakeTimeoutMs: [1, timerMsMax],
  closeFlushTimeoutMs: [1, timerMsMax],
  stopDrainTimeoutMs: [1, timerMsMax],
  malformedFramesPerConnectionMax: [1, 1_000_000],
};

/** The defaults with `overrides` on top, each checked against its range (CHANNEL_ERR_CONFIG). */
export function resolveChannelLimits(overrides: Partial<ChannelLimits> = {}): ChannelLimits {
  const limits: Record<string, number> = { ...channelLimitsDefault };
  for (const [name, value] of Object.entries(overrides) as [string, unknown][]) {
    if (value === undefined) continue;
    if (!Object.hasOwn(ranges, name)) {
      throw new BastionError('CHANNEL_ERR_CONFIG', `${name} is not a channel limit`, { argument: name });
    }
    const [min, max] = ranges[name as keyof ChannelLimits];
    // Checked at run time too: limits come from configuration files and the environment.
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new BastionError('CHANNEL_ERR_CONFIG', `${name} must be a whole number from ${min} to ${max}`, { argument: name });
    }
    limits[name] = value;
  }
  if ((limits['connectionsPerAddressMax'] as number) > (limits['connectionsMax'] as number)) {
    throw new BastionError('CHANNEL_ERR_CONFIG', 'connectionsPerAddressMax must not exceed connectionsMax', { argument: 'connectionsPerAddressMax' });
  }
  return Object.freeze(limits as unknown as ChannelLimits);
}
