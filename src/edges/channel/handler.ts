import type { IsoMessage, UnionPayPosSpec } from '../../lib/iso8583/index.js';
import type { ProcessingRequirement, Tpdu, UnionPayHeader } from '../../lib/iso8583/framing/index.js';
import type { ChannelRequestSecurityEvent } from './security-event.js';

/**
 * The contract between the terminal channel and the host pipeline. The channel owns the socket,
 * the framing and the limits; the handler owns the meaning of the message. The channel hands over
 * only frames whose TPDU, header and message decode, and builds the reply frame itself.
 */

/** The connection a request came on. */
export interface ChannelConnectionInfo {
  /** Random, unique per connection: ties log lines and security events of one connection together. */
  readonly id: string;
  /** The peer's IP address as the socket reports it (an IPv4-mapped IPv6 address stays as such). */
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Under mutual TLS, the verified client certificate's subject, e.g. `CN=T0000001,O=Acme`. */
  readonly tlsClientSubject?: string;
}

export interface ChannelRequest {
  readonly tpdu: Tpdu;
  readonly header: UnionPayHeader;
  /** The ISO 8583 bytes, MTI onward, exactly as received (the MAC in field 64 covers them). */
  readonly message: Buffer;
  /**
   * `message` read with the general UnionPay POS spec; the channel decoded it to tell malformed
   * frames from good ones, so the pipeline need not decode it again. A settlement (0500) reads its
   * field 48 as totals with `unionPayPosSettlementSpec` from `message`.
   */
  readonly unpacked: IsoMessage<UnionPayPosSpec>;
  readonly connection: ChannelConnectionInfo;
  /** Epoch milliseconds at which the frame's last byte was read. */
  readonly receivedAtMs: number;
  /**
   * Aborted when no reply can be delivered any more: the handler timeout passed, or the
   * connection closed. The terminal will reverse the request, so work not yet done may stop; what
   * is done must stay consistent.
   */
  readonly signal: AbortSignal;
  /**
   * Reports a security event about this request — a refused unknown terminal — the way the
   * channel reports malformed frames: with the connection and the time, to `securityEvents`,
   * coalesced per source address when `securityEventCoalescing` is set. Present only when the
   * channel has a `securityEvents` sink; without it the handler records the event itself.
   */
  readonly reportSecurityEvent?: (event: ChannelRequestSecurityEvent) => void;
}

/** Send this ISO 8583 message (MTI onward) back, in a frame with the swapped TPDU and echoed header. */
export interface ChannelReplyMessage {
  readonly reply: Uint8Array;
  /** The processing-requirement nibble of the reply header (what the terminal should do next); default none. */
  readonly processingRequirement?: ProcessingRequirement;
}

/** Send nothing more and close the connection once the replies already sent are flushed. */
export interface ChannelCloseConnection {
  readonly close: true;
}

/** `undefined`: no reply to this request (the connection stays open). */
export type ChannelResponse = ChannelReplyMessage | ChannelCloseConnection | undefined;

export interface ChannelHandler {
  /**
   * Called once per well-formed request, at most `inFlightPerConnectionMax` at a time per
   * connection; replies go out in the order the calls settle (terminals match them by field 11).
   * A throw or a rejection is logged and the request gets no reply.
   */
  handle(request: ChannelRequest): Promise<ChannelResponse>;
}
