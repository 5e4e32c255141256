import type { Kysely, Transaction } from 'kysely';
import { BastionError } from '../../lib/errors/index.js';
import type { Store } from '../../ports/store.js';
import { assertChainKey, auditKeyCheck, auditRowHash } from './chain-hash.js';
import { storedEventFields, type AuditEvent } from './event.js';
import { auditHeadId, type AuditTables } from './tables.js';

export type EpochMsClock = () => bigint;

export interface AuditLogOptions {
  readonly store: Store;
  /** Epoch milliseconds; read once the append holds the head, so at_ms follows seq on one host. */
  readonly clock: EpochMsClock;
  /** The 32-byte chain key (docs/audit.md says where it lives). */
  readonly chainKey: Uint8Array;
}

export interface AppendedAuditRow {
  readonly seq: bigint;
  readonly atMs: bigint;
  readonly hash: Buffer;
}

/**
 * Appends to the hash-chained audit log. Every append first updates the one `audit_head` row:
 * on PostgreSQL that row lock queues concurrent appends from every process until the holder
 * commits, and on SQLite a write as the first statement takes the database's single writer
 * lock. Either way one append at a time reads the head, so seq stays gapless and the chain a
 * single line; a rolled-back append gives its seq back.
 */
export class AuditLog {
  private readonly store: Store;
  private readonly clock: EpochMsClock;
  private readonly chainKey: Buffer;
  private readonly keyCheck: Buffer;

  constructor(options: AuditLogOptions) {
    assertChainKey(options.chainKey);
    this.store = options.store;
    this.clock = options.clock;
    this.chainKey = Buffer.from(options.chainKey);
    this.keyCheck = auditKeyCheck(this.chainKey);
  }

  /**
   * Records one event in a transaction of its own, settled once it is durable. On SQLite it may
   * share that commit with other units (group commit): a burst of security events then costs one
   * fsync, and the chain stays one sequence because the units of a group run one after another.
   */
  async append(event: AuditEvent): Promise<AppendedAuditRow> {
    const fields = storedEventFields(event);
    return this.store.transact<AuditTables, AppendedAuditRow>((trx) => this.appendChecked(trx, fields));
  }

  /**
   * Records one event inside the caller's transaction, so the action and its audit row commit or
   * roll back together. Use it with PostgreSQL's default READ COMMITTED isolation; on SQLite with
   * several processes, the caller's transaction should start with a write (or BEGIN IMMEDIATE),
   * or SQLite may answer SQLITE_BUSY when it upgrades a read snapshot to a write.
   */
  async appendWithin<Tables>(trx: Transaction<Tables>, event: AuditEvent): Promise<AppendedAuditRow> {
    return this.appendChecked(trx as unknown as Kysely<AuditTables>, storedEventFields(event));
  }

  private async appendChecked(db: Kysely<AuditTables>, fields: ReturnType<typeof storedEventFields>): Promise<AppendedAuditRow> {
    // The first statement is the write that serialises appends; see the class comment.
    const head = await db
      .updateTable('audit_head')
      .set((eb) => ({ seq: eb('seq', '+', 1n) }))
      .where('id', '=', auditHeadId)
      .returning(['seq', 'hash', 'key_check'])
      .executeTakeFirst();
    if (head === undefined) {
      throw new BastionError('AUDIT_ERR_HEAD_MISSING', 'the audit head row is missing, so nothing can be appended; run bastion audit verify');
    }
    const keyCheck = head.key_check === null ? null : Buffer.from(head.key_check);
    if (keyCheck !== null && !keyCheck.equals(this.keyCheck)) {
      throw new BastionError('AUDIT_ERR_KEY_MISMATCH', 'the audit chain key is not the one this log was written with; check BASTION_AUDIT_KEY_FILE on this host');
    }
    const seq = head.seq;
    const atMs = this.clock();
    const prevHash = Buffer.from(head.hash);
    const hash = auditRowHash(this.chainKey, { seq, atMs, ...fields, prevHash });
    await db
      .insertInto('audit_log')
      .values({ seq, at_ms: atMs, ...fields, prev_hash: prevHash, hash })
      .execute();
    await db
      .updateTable('audit_head')
      .set(keyCheck === null ? { hash, key_check: this.keyCheck } : { hash })
      .where('id', '=', auditHeadId)
      .execute();
    return { seq, atMs, hash };
  }
}
