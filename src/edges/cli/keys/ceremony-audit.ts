import { userInfo } from 'node:os';
import { AuditLog, type AuditDetails, type AuditOutcome } from '../../../domain/audit/index.js';
import type { Store } from '../../../ports/store.js';
import { auditKeyFilePath, readOrCreateAuditChainKey } from '../audit/chain-key-file.js';
import { dataDirFromEnvironment, openConfiguredStore } from '../store/configured-store.js';

/**
 * Records the ceremony as `key.ceremony` in the audit log. Opened before the ceremony starts, so
 * a ceremony that could not be recorded never begins; refused ceremonies are recorded too
 * (outcome `denied`), with the names entered so far — never a component.
 */
export interface CeremonyAudit {
  record(outcome: AuditOutcome, details: AuditDetails): Promise<void>;
  close(): Promise<void>;
}

/** The operating-system account that ran the command, as an audit identifier (printable ASCII, no spaces). */
function operatingSystemActor(): string {
  let name: string;
  try {
    name = userInfo().username;
  } catch {
    return 'system';
  }
  const cleaned = name.replace(/[^\x21-\x7e]/g, '_').slice(0, 100);
  return cleaned === '' ? 'system' : `os-user:${cleaned}`;
}

export async function openCeremonyAudit(environment: NodeJS.ProcessEnv, nowMs: () => number): Promise<CeremonyAudit> {
  const chainKey = readOrCreateAuditChainKey(auditKeyFilePath(environment, dataDirFromEnvironment(environment)));
  const { store }: { store: Store } = await openConfiguredStore(environment);
  const log = new AuditLog({ store, clock: () => BigInt(nowMs()), chainKey });
  const actor = operatingSystemActor();
  return {
    async record(outcome, details) {
      await log.append({ actor, action: 'key.ceremony', target: 'lmk', source: 'cli', outcome, details });
    },
    close: () => store.close(),
  };
}
