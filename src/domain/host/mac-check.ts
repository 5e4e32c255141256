import type { MacOptions } from '../../ports/hsm.js';
import type { Terminal } from '../terminals/index.js';
import type { HostDependencies } from './deps.js';
import { MAC_FIELD_BYTES, macInput } from './reply.js';

export function macOptionsOf(terminal: Terminal): MacOptions {
  return { algorithm: 'unionpay-ecb', variant: terminal.macVariant };
}

/**
 * Verifies field 64 over MTI..63 with the terminal's MAK. A failure is counted (the terminal is
 * locked after `macFailuresLockAfter` in a row) and recorded as `terminal.mac-failure`, and the
 * lock, once, as `terminal.lock`. A verified MAC clears an earlier count.
 */
export async function verifyRequestMac(deps: HostDependencies, terminal: Terminal, message: Buffer, mac: Uint8Array | undefined): Promise<boolean> {
  const ok = await requestMacVerifies(deps, terminal, message, mac);
  await recordMacCheck(deps, terminal, ok);
  return ok;
}

/** Whether field 64 is the MAC of MTI..63 under the terminal's MAK; nothing is recorded. */
export async function requestMacVerifies(deps: HostDependencies, terminal: Terminal, message: Buffer, mac: Uint8Array | undefined): Promise<boolean> {
  const mak = terminal.workingKeys?.mak;
  return mak !== undefined && mac?.length === MAC_FIELD_BYTES && (await deps.hsm.verifyMac(mak, macOptionsOf(terminal), macInput(message), Buffer.from(mac)));
}

/** What a MAC check leaves behind (see `verifyRequestMac`). */
export async function recordMacCheck(deps: HostDependencies, terminal: Terminal, ok: boolean): Promise<void> {
  if (ok) {
    if (terminal.macFailureCount > 0n) await deps.terminals.resetMacFailures(terminal);
    return;
  }
  const outcome = await deps.terminals.registerMacFailure(terminal, deps.macFailuresLockAfter);
  const actor = `terminal:${terminal.terminalId}`;
  await deps.audit.append({ actor, action: 'terminal.mac-failure', target: terminal.terminalId, source: 'channel', outcome: 'denied', details: { consecutiveFailures: outcome.consecutiveFailures.toString() } });
  if (outcome.lockedNow) await deps.audit.append({ actor: 'system', action: 'terminal.lock', target: terminal.terminalId, source: 'channel', outcome: 'success', details: { reason: 'consecutive MAC failures' } });
}
