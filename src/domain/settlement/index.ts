/** Terminal batches: settlement (0500) state, batch-upload records and the differences found. */
export { settlementMigrations } from './migrations.js';
export {
  BATCH_DIFFERENCES_MAX,
  SettlementService,
  totalsEqual,
  ZERO_TOTALS,
  type BatchDifference,
  type BatchStatus,
  type DifferenceKind,
  type NewSettlement,
  type SettledBatch,
  type SettlementResult,
  type SettlementTotals,
  type UploadedRecord,
} from './settlement-service.js';
export type { SettlementTables } from './tables.js';
