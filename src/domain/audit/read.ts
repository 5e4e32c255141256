import { BastionError } from '../../lib/errors/index.js';
import type { Store } from '../../ports/store.js';
import { auditHeadId, type AuditTables } from './tables.js';
import type { ChainedFields } from './chain-hash.js';

/** An audit row as stored (text fields exactly as written; hashes as bytes). */
export interface AuditRow extends ChainedFields {
  readonly prevHash: Buffer;
  readonly hash: Buffer;
}

export interface AuditHead {
  /** The seq of the last row; 0 for an empty log. */
  readonly seq: bigint;
  readonly hash: Buffer;
  /** Whether a chain key has been bound to this log by a first append. */
  readonly keyBound: boolean;
}

/** `audit tail` shows at most this many rows. */
export const auditTailRowsMax = 1000;

/** The head row, or undefined when it has been removed. */
export async function readAuditHead(store: Store): Promise<AuditHead | undefined> {
  const row = await store.db<AuditTables>().selectFrom('audit_head').selectAll().where('id', '=', auditHeadId).executeTakeFirst();
  return row === undefined ? undefined : { seq: row.seq, hash: Buffer.from(row.hash), keyBound: row.key_check !== null };
}

/** The last `limitRows` rows, oldest first. Shows rows as stored: it does not verify them. */
export async function readAuditTail(store: Store, limitRows: number): Promise<AuditRow[]> {
  if (!Number.isSafeInteger(limitRows) || limitRows < 1 || limitRows > auditTailRowsMax) {
    throw new BastionError('AUDIT_ERR_ARGUMENT', `the row limit must be a whole number from 1 to ${auditTailRowsMax}`, { argument: 'limit' });
  }
  const rows = await store.db<AuditTables>().selectFrom('audit_log').selectAll().orderBy('seq', 'desc').limit(limitRows).execute();
  return rows.reverse().map(toAuditRow);
}

export function toAuditRow(row: AuditTables['audit_log']): AuditRow {
  return {
    seq: row.seq,
    atMs: row.at_ms,
    actor: row.actor,
    action: row.action,
    target: row.target,
    source: row.source,
    outcome: row.outcome,
    details: row.details,
    prevHash: Buffer.from(row.prev_hash),
    hash: Buffer.from(row.hash),
  };
}
