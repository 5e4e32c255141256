import type { AuditAction, AuditDetailValue, AuditEvent } from '../../domain/audit/index.js';
import { auditTerminalId, terminalRefusalAuditEvent } from '../../domain/host/refusal-event.js';
import type { ErrorCode } from '../../lib/errors/index.js';
import type { ChannelConnectionInfo } from './handler.js';
import { securityEventCoalescingDefault, type ChannelSecuritySummary, type SecurityEventCoalescing } from './security-event-coalescer.js';

/**
 * What the channel reports so that the host can record it in the audit log: a frame it refused,
 * or a well-formed request the host refused because no terminal has its field 41. Both can come
 * as fast as a peer can send, so both are coalesced per source address when the host asks for it.
 */
export type ChannelSecurityEvent = ChannelMalformedFrameEvent | ChannelUnknownTerminalEvent;

/**
 * A frame the channel refused (`security.malformed-frame`). It says who sent it, what was wrong
 * and where, and what the channel did — never the frame's bytes, which may hold a PAN, track data
 * or a PIN block.
 */
export interface ChannelMalformedFrameEvent {
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

/**
 * A request the host refused because no terminal has its field 41 (answered 97), reported by the
 * handler through `ChannelRequest.reportSecurityEvent` (`terminal.refused`). Refusals of known
 * terminals (locked, retired, MAC failures …) are not reported here: the host records each.
 */
export interface ChannelUnknownTerminalEvent {
  readonly kind: 'unknown-terminal';
  /** Epoch milliseconds at which the channel was told. */
  readonly atMs: number;
  readonly connection: ChannelConnectionInfo;
  /** Field 41 as received (printable, at most 8 characters; empty when absent). */
  readonly terminalId: string;
  readonly mti: string;
  /** Field 39 of the reply (97). */
  readonly responseCode: string;
}

/** What a handler reports about one request; the channel adds the time and the connection. */
export type ChannelRequestSecurityEvent = Omit<ChannelUnknownTerminalEvent, 'atMs' | 'connection'>;

/** Receives security events. A throw or a rejection is logged and does not disturb the channel. */
export type ChannelSecurityEventSink = (event: ChannelSecurityEvent) => void | Promise<void>;

/** The audit-log entry for a channel security event (see the two kinds below). */
export function channelSecurityAuditEvent(event: ChannelSecurityEvent): AuditEvent {
  return event.kind === 'malformed-frame' ? malformedFrameAuditEvent(event) : unknownTerminalAuditEvent(event);
}

/**
 * A malformed frame: done to the connection, from the peer's address, refused (`denied`). The
 * peer is not identified yet (nothing in a malformed frame can be trusted), so the actor is the
 * system that saw it.
 */
function malformedFrameAuditEvent(event: ChannelMalformedFrameEvent): AuditEvent {
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
 * A refused unknown terminal: the row the host writes for any refusal (`terminalRefusalAuditEvent`:
 * actor and target the escaped field 41, reason, response code, MTI), but from the peer's address,
 * with the connection and port that tie it to the peer's other rows.
 */
function unknownTerminalAuditEvent(event: ChannelUnknownTerminalEvent): AuditEvent {
  const refusal = terminalRefusalAuditEvent({ terminalId: event.terminalId, reason: 'unknown-terminal', responseCode: event.responseCode, mti: event.mti }, `ip:${event.connection.remoteAddress}`);
  const details: Record<string, AuditDetailValue> = { ...refusal.details, connection: event.connection.id, remotePort: event.connection.remotePort };
  if (event.connection.tlsClientSubject !== undefined) details['tlsClientSubject'] = event.connection.tlsClientSubject;
  return { ...refusal, details };
}

/**
 * The audit-log entry for a summary of coalesced events: the same action as a single event of its
 * kind, from the peer's address (`ip:*` for the addresses beyond the table), with the count and
 * the first and last time (ISO 8601: epoch milliseconds would be redacted as a long digit run).
 * Malformed frames add the counts by reaction and by error code; unknown terminals the distinct
 * ids (escaped, at most `unknownTerminalIdsListedMax`), how many refusals named an id left off the
 * list, and the counts by MTI and response code.
 */
export function channelSecuritySummaryAuditEvent(summary: ChannelSecuritySummary): AuditEvent {
  const from = new Date(summary.fromMs).toISOString();
  const to = new Date(summary.toMs).toISOString();
  if (summary.kind === 'unknown-terminals-summary') {
    return {
      actor: 'system',
      action: 'terminal.refused',
      target: 'channel:unknown-terminals',
      source: `ip:${summary.remoteAddress}`,
      outcome: 'denied',
      details: {
        kind: summary.kind,
        reason: 'unknown-terminal',
        count: summary.count,
        from,
        to,
        terminalIds: summary.terminalIds.map(auditTerminalId),
        unlistedTerminalIdRefusals: summary.unlistedTerminalIdRefusals,
        mtis: { ...summary.mtis },
        responseCodes: { ...summary.responseCodes },
      },
    };
  }
  return {
    actor: 'system',
    action: 'security.malformed-frame',
    target: 'channel:malformed-frames',
    source: `ip:${summary.remoteAddress}`,
    outcome: 'denied',
    details: {
      kind: summary.kind,
      count: summary.count,
      from,
      to,
      connectionsClosed: summary.connectionsClosed,
      formatErrorReplies: summary.formatErrorReplies,
      errorCodes: { ...summary.errorCodes },
    },
  };
}

/**
 * The channel's security-event options for a host that records them in its audit log: every
 * malformed frame and every refusal of an unknown terminal, coalesced per source address (the
 * first at once, then one summary per interval), so that a flood of garbage or of invented
 * terminal ids can't flood the audit log — each append serialises on the chain head. `failed` is
 * told the error and the action of an entry that could not be written.
 */
export function channelSecurityAuditSinks(
  append: (event: AuditEvent) => Promise<unknown>,
  failed: (error: unknown, action: AuditAction) => void,
  coalescing: { readonly intervalMs?: number; readonly addressesMax?: number } = securityEventCoalescingDefault,
): { securityEvents: ChannelSecurityEventSink; securityEventCoalescing: SecurityEventCoalescing } {
  const record = async (event: AuditEvent): Promise<void> => {
    try {
      await append(event);
    } catch (error) {
      failed(error, event.action);
    }
  };
  return {
    securityEvents: (event) => record(channelSecurityAuditEvent(event)),
    securityEventCoalescing: { ...coalescing, summaries: (summary) => record(channelSecuritySummaryAuditEvent(summary)) },
  };
}
