export { LedgerService } from './ledger-service.js';
export { ledgerMigrations } from './migrations.js';
export { saleApprovalPostings, saleFeeMinor, reversalPostings, type FeeSchedule, type SaleApproval } from './fees.js';
export { eventKey } from './event-key.js';
export type { Checkpoint } from './balances.js';
export type { LedgerProblem, LedgerProblemKind, LedgerVerification, VerifyOptions } from './verify.js';
export * from './limits.js';
export * from './types.js';
