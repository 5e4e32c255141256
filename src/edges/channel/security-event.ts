import type { AuditEvent } from '../../domain/audit/index.js';
import type { ErrorCode } from '../../lib/errors/index.js';
import type { ChannelConnectionInfo } from './handler.js';
import { securityEventCoalescingDefault, type ChannelSecuritySummary, type SecurityEventCoalescing } from './security-event-coalescer.js';

/**
 * A frame the channel refused, reported so that the host can record it in the audit log
 * (`security.malformed-frame`). It says who sent it, what was wrong and where, and what the
 * channel did — never the frame's bytes, which may hold a PAN, track data or a PIN block.
 */
export interface ChannelSecurityEvent {
  readonly kind: 'malformed-frame';
  /** Epoch milliseconds at which the channel refused the frame. */
  readonly atMs: number;
  readonly connection: ChannelConnectionInfo;
  /** The decoding error: `ISO_ERR_FRAME_TOO_LARGE`, `ISO_ERR_FRAME_HEADER`, `ISO_ERR_MTI` … */
  readonly errorCode: ErrorCode;
  /** The part or field the error names (`length`, `tpdu.id`, `bitmap`, `35` …), when it names one. */
  readonly field?: string;
  /**
   * Where the problem was found: the byte offset in the frame body (counted from the first byte
   * after the 2-byte length, so the MTI is at 11); for an oversize length prefix, the offset of
   * that prefix in the connection's byte stream.
   */
  readonly offset?: number;
  /** The request's MTI, when it could be read. */
  readonly mti?: string;
  /** A format-error reply was sent (the connection stays open), or the connection was closed. */
  readonly reaction: 'format-error-reply' | 'connection-closed';
}

/** Receives security events. A throw or a rejection is logged and does not disturb the channel. */
export type ChannelSecurityEventSink = (event: ChannelSecurityEvent) => void | Promise<void>;

/**
 * The audit-log entry for a channel security event: done to the connection, from the peer's
 * address, refused (`denied`). The peer is not identified yet (nothing in a malformed frame can
 * be trusted), so the actor is the system that saw it.
 */
export function channelSecurityAuditEvent(event: ChannelSecurityEvent): AuditEvent {
  const details: Record<string, string | number> = {
    kind: event.kind,
    errorCode: event.errorCode,
    reaction: event.reaction,
    remotePort: event.connection.remotePort,
  };
  if (event.field !== undefined) details['field'] = event.field;
  if (event.offset !== undefined) details['offset'] = event.offset;
  if (event.mti !== undefined) details['mti'] = event.mti;
  if (event.connection.tlsClientSubject !== undefined) details['tlsClientSubject'] = event.connection.tlsClientSubject;
  return {
    actor: 'system',
    action: 'security.malformed-frame',
    target: `connection:${event.connection.id}`,
    source: `ip:${event.connection.remoteAddress}`,
    outcome: 'denied',
    details,
  };
}

/**
 * The audit-log entry for a summary of coalesced malformed-frame events: the same action as a
 * single event, from the peer's address (`ip:*` for the addresses beyond the table), with the
 * count, the first and last time (ISO 8601: epoch milliseconds would be redacted as a long digit
 * run) and the counts by reaction and by error code.
 */
export function channelSecuritySummaryAuditEvent(summary: ChannelSecuritySummary): AuditEvent {
  return {
    actor: 'system',
    action: 'security.malformed-frame',
    target: 'channel:malformed-frames',
    source: `ip:${summary.remoteAddress}`,
    outcome: 'denied',
    details: {
      kind: summary.kind,
      count: summary.count,
      from: new Date(summary.fromMs).toISOString(),
      to: new Date(summary.toMs).toISOString(),
      connectionsClosed: summary.connectionsClosed,
      formatErrorReplies: summary.formatErrorReplies,
      errorCodes: { ...summary.errorCodes },
    },
  };
}

/**
 * The channel's security-event options for a host that records them in its audit log: every
 * malformed frame's event, coalesced per source address (the first at once, then one summary per
 * interval), so that a flood of garbage can't flood the audit log — each append serialises on
 * the chain head. `failed` is told the action of an entry that could not be written.
 */
export function channelSecurityAuditSinks(
  append: (event: AuditEvent) => Promise<unknown>,
  failed: (error: unknown) => void,
  coalescing: { readonly intervalMs?: number; readonly addressesMax?: number } = securityEventCoalescingDefault,
): { securityEvents: ChannelSecurityEventSink; securityEventCoalescing: SecurityEventCoalescing } {
  const record = async (event: AuditEvent): Promise<void> => {
    try {
      await append(event);
    } catch (error) {
      failed(error);
    }
  };
  return {
    securityEvents: (event) => record(channelSecurityAuditEvent(event)),
    securityEventCoalescing: { ...coalescing, summaries: (summary) => record(channelSecuritySummaryAuditEvent(summary)) },
  };
}
