/**
 * The audit module's tables. `audit_log` holds the chain, one row per recorded action, and is
 * append-only (triggers refuse UPDATE and DELETE). `audit_head` is one row: the last seq and
 * hash, which every append locks — that is what makes seq gapless and the chain a single line
 * when several host processes share one PostgreSQL — and the check value of the chain key.
 */
export interface AuditLogTable {
  seq: bigint;
  at_ms: bigint;
  actor: string;
  action: string;
  target: string;
  source: string;
  outcome: string;
  details: string;
  prev_hash: Buffer;
  hash: Buffer;
}

export interface AuditHeadTable {
  /** Always 1: a check constraint keeps the table to one row. */
  id: bigint;
  /** The seq of the last row, 0 before the first. */
  seq: bigint;
  /** The hash of the last row, the genesis value before the first. */
  hash: Buffer;
  /** The chain key's check value, written by the first append; null until then. */
  key_check: Buffer | null;
}

export interface AuditTables {
  audit_log: AuditLogTable;
  audit_head: AuditHeadTable;
}

export const auditHeadId = 1n;
