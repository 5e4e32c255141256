import type { IsoMessage, UnionPayPosSpec } from '../../lib/iso8583/index.js';
import type { TerminalDecision, TerminalRefusal } from '../terminals/index.js';
import type { HostDependencies } from './deps.js';
import { packPlain, replyFor } from './reply.js';

/**
 * Refusals that say something about who is knocking, not merely that a terminal must sign in
 * again: each becomes a `terminal.refused` security event (SECURITY.md: "unknown / unbound /
 * locked / retired terminal → decline + security event"). `not-signed-in-today` and
 * `batch-mismatch` are the ordinary "sign in again" (77) of a terminal in service, so they are
 * not recorded. The channel's connection bounds cap how fast anyone can add such rows.
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

/**
 * Records the refusal of `terminalId` (field 41 as received: printable, at most 8 characters
 * after the codec's checks) with the MTI and the response code sent. No card data: the request's
 * other fields are not read here.
 */
export async function recordTerminalRefusal(deps: HostDependencies, refusal: { readonly terminalId: string; readonly reason: TerminalRefusal; readonly responseCode: string; readonly mti: string }): Promise<void> {
  if (!isSecurityRefusal(refusal.reason)) return;
  const terminal = refusal.terminalId === '' ? 'unknown' : auditSafeId(refusal.terminalId);
  await deps.audit.append({
    actor: `terminal:${terminal}`,
    action: 'terminal.refused',
    target: `terminal:${terminal}`,
    source: 'channel',
    outcome: 'denied',
    details: { reason: refusal.reason, responseCode: refusal.responseCode, mti: refusal.mti },
  });
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
