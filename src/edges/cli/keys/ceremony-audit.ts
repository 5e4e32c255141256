import { AuditLog, type AuditDetails, type AuditOutcome } from '../../../domain/audit/index.js';
import type { Store } from '../../../ports/store.js';
import { auditKeyFilePath, readOrCreateAuditChainKey } from '../audit/chain-key-file.js';
import { dataDirFromEnvironment, openConfiguredStore } from '../store/configured-store.js';
import { operatingSystemActor } from '../actor.js';

/**
 * Records the ceremony as `key.ceremony` in the audit log. Opened before the ceremony starts, so
 * a ceremony that could not be recorded never begins; refused ceremonies are recorded too
 * (outcome `denied`), with the names entered so far — never a component.
 */
export interface CeremonyAudit {
  record(outcome: AuditOutcome, details: AuditDetails): Promise<void>;
  close(): Promise<void>;
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
