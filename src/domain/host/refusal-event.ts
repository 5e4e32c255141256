import type { IsoMessage, UnionPayPosSpec } from '../../lib/iso8583/index.js';
import type { AuditEvent } from '../audit/index.js';
import type { TerminalDecision, TerminalRefusal } from '../terminals/index.js';
import type { HostDependencies } from './deps.js';
import { packPlain, replyFor } from './reply.js';

/**
 * Refusals that say something about who is knocking, not merely that a terminal must sign in
 * again: each becomes a `terminal.refused` security event (SECURITY.md: "unknown / unbound /
 * locked / retired terminal → decline + security event"). `not-signed-in-today` and
 * `batch-mismatch` are the ordinary "sign in again" (77) of a terminal in service, so they are
 * not recorded. Refusals of unknown terminals may come from anyone inventing ids, so the channel
 * coalesces those (`UnknownTerminalRefusalSink`); the others name a terminal of ours, one row each.
 */
const securityRefusals: ReadonlySet<TerminalRefusal> = new Set<TerminalRefusal>([
  'unknown-terminal',
  'terminal-retired',
  'terminal-locked',
  'no-master-key',
  'merchant-mismatch',
  'unknown-merchant',
  'merchant-not-active',
]);

export function isSecurityRefusal(reason: TerminalRefusal): boolean {
  return securityRefusals.has(reason);
}

/** A refusal as the host decided it: field 41 as received, the reason, the response code sent and the MTI. */
export interface TerminalRefusalEvent {
  readonly terminalId: string;
  readonly reason: TerminalRefusal;
  readonly responseCode: string;
  readonly mti: string;
}

/**
 * Takes the refusals of unknown terminals in place of the audit log. Nothing in such a request
 * names a terminal of ours, so anyone can invent ids as fast as the channel lets them, and one
 * audit row each would let them grow the log (and queue every append on the chain head) per
 * frame. The terminal channel passes a sink per request that coalesces them per source address
 * (`src/edges/channel/security-event-coalescer.ts`): the first at once, then a summary per
 * interval. Called before the reply is sent; it must not throw (a throw is answered 96).
 */
export type UnknownTerminalRefusalSink = (refusal: TerminalRefusalEvent) => void;

/**
 * The audit-log entry for one refusal: done by and to the terminal named in field 41 (escaped,
 * `unknown` when empty), denied, with the reason, the response code sent and the MTI. No card
 * data: the request's other fields are not read here. `source` is `channel` when the host
 * records it itself; the channel, which knows the peer, gives `ip:<address>`.
 */
export function terminalRefusalAuditEvent(refusal: TerminalRefusalEvent, source = 'channel'): AuditEvent {
  const terminal = auditTerminalId(refusal.terminalId);
  return {
    actor: `terminal:${terminal}`,
    action: 'terminal.refused',
    target: `terminal:${terminal}`,
    source,
    outcome: 'denied',
    details: { reason: refusal.reason, responseCode: refusal.responseCode, mti: refusal.mti },
  };
}

/**
 * Records the refusal of `terminalId` (field 41 as received: printable, at most 8 characters
 * after the codec's checks) when it is a security event. A refusal of an unknown terminal goes to
 * `deps.unknownTerminalRefusals` when the request came with one (the channel coalesces those);
 * every other one — a known terminal locked, retired, bound elsewhere … — is a row of its own.
 */
export async function recordTerminalRefusal(deps: HostDependencies, refusal: TerminalRefusalEvent): Promise<void> {
  if (!isSecurityRefusal(refusal.reason)) return;
  if (refusal.reason === 'unknown-terminal' && deps.unknownTerminalRefusals !== undefined) {
    deps.unknownTerminalRefusals(refusal);
    return;
  }
  await deps.audit.append(terminalRefusalAuditEvent(refusal));
}

/** Field 41 as recorded: `auditSafeId`, or `unknown` when the request had none. */
export function auditTerminalId(terminalId: string): string {
  return terminalId === '' ? 'unknown' : auditSafeId(terminalId);
}

/**
 * Field 41 as an audit identifier (printable ASCII, no spaces): a space, a control character or
 * `%` becomes `%XX`, so a garbled or space-padded id is still recorded, distinct from any other,
 * instead of the audit log refusing the event and the terminal getting 96.
 */
export function auditSafeId(terminalId: string): string {
  return terminalId.replace(/[^\x21-\x24\x26-\x7e]/g, (character) => `%${character.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`);
}

/**
 * The reply to a terminal the host will not serve (no MAC: the host does not vouch for, or has
 * no, working keys), after recording the refusal when it is a security event.
 */
export async function refuseTerminal(deps: HostDependencies, request: IsoMessage<UnionPayPosSpec>, decision: TerminalDecision): Promise<Buffer> {
  if (decision.ok) return packPlain(replyFor(request, '97'));
  await recordTerminalRefusal(deps, { terminalId: request.get(41) ?? '', reason: decision.reason, responseCode: decision.responseCode, mti: request.mti });
  return packPlain(replyFor(request, decision.responseCode));
}
