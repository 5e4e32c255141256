export { auditActions, auditOutcomes, isAuditAction, isAuditOutcome, type AuditAction, type AuditOutcome } from './actions.js';
export { AuditLog, type AppendedAuditRow, type AuditLogOptions, type EpochMsClock } from './audit-log.js';
export { auditDetailsBytesMax, auditDetailsDepthMax, canonicalDetails, type AuditDetails, type AuditDetailValue } from './canonical-details.js';
export { auditChainKeyBytes, auditGenesisHash, auditHashBytes, auditKeyCheck, auditRowHash, type ChainedFields } from './chain-hash.js';
export { auditIdentifierLengthMax, type AuditEvent } from './event.js';
export { auditMigrations } from './migrations.js';
export { auditTailRowsMax, readAuditHead, readAuditTail, type AuditHead, type AuditRow } from './read.js';
export {
  auditProblemsListedMax,
  auditReorderSearchesMax,
  auditReorderSearchRows,
  auditVerifyPageRows,
  verifyAuditLog,
  type AuditAnchor,
  type AuditProblem,
  type AuditProblemKind,
  type AuditVerifyReport,
  type VerifyAuditOptions,
} from './verify.js';
