import type { Kysely } from 'kysely';
import { BastionError } from '../../lib/errors/index.js';
import type { Store } from '../../ports/store.js';
import { assertChainKey, auditGenesisHash, auditHashBytes, auditKeyCheck, auditRowHash } from './chain-hash.js';
import { auditHeadId, type AuditLogTable, type AuditTables } from './tables.js';
import { toAuditRow } from './read.js';

/**
 * What `verifyAuditLog` can find:
 * - `changed`: a row's hash does not match its contents (an edited field, or an edited hash);
 * - `deleted`: seq jumps, so rows are missing in the middle (or at the start);
 * - `reordered`: a row is authentic but sits at another seq than the one it was written at;
 * - `truncated`: the head (or the anchor) says rows exist past the last one present;
 * - `head-mismatch`: the head row is missing or disagrees with the last row;
 * - `anchor-mismatch`: the row at the anchor's seq is not the one recorded earlier.
 */
export type AuditProblemKind = 'changed' | 'deleted' | 'reordered' | 'truncated' | 'head-mismatch' | 'anchor-mismatch';

export interface AuditProblem {
  readonly kind: AuditProblemKind;
  /** Where: the row's seq (the first missing one for `deleted`); 0 for the head itself. */
  readonly seq: bigint;
  readonly detail: string;
}

/** A seq and hash noted earlier (from a previous verify), to catch a tail cut back with its head. */
export interface AuditAnchor {
  readonly seq: bigint;
  readonly hash: Uint8Array;
}

export interface VerifyAuditOptions {
  readonly chainKey: Uint8Array;
  readonly anchor?: AuditAnchor;
}

export interface AuditVerifyReport {
  readonly intact: boolean;
  readonly rowsChecked: bigint;
  /** The head as recorded (seq and hash of the last row); undefined if its row is gone. */
  readonly head: { readonly seq: bigint; readonly hash: Buffer } | undefined;
  /** The first `auditProblemsListedMax` problems, in the order the walk found them. */
  readonly problems: readonly AuditProblem[];
  readonly problemCount: bigint;
}

/** Rows read per query: memory stays bounded however long the log is. */
export const auditVerifyPageRows = 500;
/** A row that fails its hash is tried at up to this many seqs either side, to tell a move from an edit. */
export const auditReorderSearchRows = 1024;
/** At most this many failing rows are searched for a move; later ones are reported as changed. */
export const auditReorderSearchesMax = 256;
export const auditProblemsListedMax = 1000;

/**
 * Walks the whole log in seq order, in one consistent snapshot (appends may go on meanwhile),
 * recomputing every hash and every link. Throws AUDIT_ERR_KEY_MISMATCH when the key is plainly
 * not this log's (the head's check value differs and the first row does not verify under it).
 */
export async function verifyAuditLog(store: Store, options: VerifyAuditOptions): Promise<AuditVerifyReport> {
  assertChainKey(options.chainKey);
  if (options.anchor !== undefined) assertAnchor(options.anchor);
  const verifier = new ChainVerifier(Buffer.from(options.chainKey), options.anchor);
  const transaction = store.db<AuditTables>().transaction();
  // SQLite's transaction is a snapshot already; PostgreSQL needs to be asked for one.
  const snapshot = store.dialect === 'postgres' ? transaction.setIsolationLevel('repeatable read').setAccessMode('read only') : transaction;
  return snapshot.execute((trx) => verifier.run(trx));
}

function assertAnchor(anchor: AuditAnchor): void {
  if (anchor.seq < 1n) throw new BastionError('AUDIT_ERR_ARGUMENT', 'an anchor seq must be 1 or more', { argument: 'anchor' });
  if (anchor.hash.length !== auditHashBytes) throw new BastionError('AUDIT_ERR_ARGUMENT', `an anchor hash must be ${auditHashBytes} bytes`, { argument: 'anchor' });
}

class ChainVerifier {
  private readonly problems: AuditProblem[] = [];
  private problemCount = 0n;
  private rowsChecked = 0n;
  private reorderSearches = 0;
  private truncatedReported = false;

  constructor(
    private readonly key: Buffer,
    private readonly anchor: AuditAnchor | undefined,
  ) {}

  async run(db: Kysely<AuditTables>): Promise<AuditVerifyReport> {
    const head = await db.selectFrom('audit_head').selectAll().where('id', '=', auditHeadId).executeTakeFirst();
    if (head === undefined) this.report('head-mismatch', 0n, 'the head row is missing');
    else if (head.key_check !== null && !Buffer.from(head.key_check).equals(auditKeyCheck(this.key))) await this.keyCheckDiffers(db);

    let expectedSeq = 1n;
    let previousHash: Buffer = auditGenesisHash;
    let previousIntact = true;
    let anchorSeen = false;
    for await (const row of pagedRows(db)) {
      this.rowsChecked += 1n;
      if (row.seq < 1n) {
        this.report('changed', row.seq, 'a row sits before seq 1');
        continue;
      }
      const gap = row.seq > expectedSeq;
      if (gap) this.report('deleted', expectedSeq, missingRows(expectedSeq, row.seq - 1n));
      const intact = this.hashMatches(row, row.seq);
      if (!intact) this.reportFailedHash(row);
      else if (!gap && previousIntact && !Buffer.from(row.prev_hash).equals(previousHash)) {
        // Both rows verify alone, yet do not link: one of them came from another chain.
        this.report('changed', row.seq, row.seq === 1n ? 'it does not link to the start of the log' : `it does not link to row ${row.seq - 1n}`);
      }
      if (this.anchor !== undefined && row.seq === this.anchor.seq) {
        anchorSeen = true;
        if (!Buffer.from(row.hash).equals(this.anchor.hash)) this.report('anchor-mismatch', row.seq, 'its hash differs from the anchor recorded earlier');
      }
      previousHash = Buffer.from(row.hash);
      previousIntact = intact;
      expectedSeq = row.seq + 1n;
    }

    const lastSeq = expectedSeq - 1n;
    if (head !== undefined) this.checkHead(head, lastSeq, previousIntact ? previousHash : undefined);
    if (this.anchor !== undefined && !anchorSeen && this.anchor.seq > lastSeq && !this.truncatedReported) {
      this.report('truncated', lastSeq + 1n, `the anchor names row ${this.anchor.seq} but the log ends at ${lastSeq}`);
    }
    return {
      intact: this.problemCount === 0n,
      rowsChecked: this.rowsChecked,
      head: head === undefined ? undefined : { seq: head.seq, hash: Buffer.from(head.hash) },
      problems: this.problems,
      problemCount: this.problemCount,
    };
  }

  /** A wrong key file and an edited check value look alike; the first row tells them apart. */
  private async keyCheckDiffers(db: Kysely<AuditTables>): Promise<void> {
    const first = await db.selectFrom('audit_log').selectAll().orderBy('seq').limit(1).executeTakeFirst();
    if (first !== undefined && this.hashMatches(first, first.seq)) {
      this.report('head-mismatch', 0n, "the head's key check value was changed");
      return;
    }
    throw new BastionError('AUDIT_ERR_KEY_MISMATCH', 'the audit chain key is not the one this log was written with; check BASTION_AUDIT_KEY_FILE');
  }

  /** `lastHash` is undefined when the last row is already reported: its hash proves nothing. */
  private checkHead(head: AuditTables['audit_head'], lastSeq: bigint, lastHash: Buffer | undefined): void {
    if (head.seq > lastSeq) {
      this.report('truncated', lastSeq + 1n, `the head records ${head.seq} rows but the log ends at ${lastSeq}`);
    } else if (head.seq < lastSeq) {
      this.report('head-mismatch', head.seq + 1n, `rows past the recorded head (seq ${head.seq}) are present`);
    } else if (lastHash !== undefined && !Buffer.from(head.hash).equals(lastHash)) {
      this.report('head-mismatch', head.seq, "the head's hash is not the last row's");
    }
    if (head.key_check === null && lastSeq > 0n) this.report('head-mismatch', 0n, 'rows exist but the head records no chain key');
  }

  private reportFailedHash(row: AuditLogTable): void {
    const rightfulSeq = this.searchRightfulSeq(row);
    if (rightfulSeq === undefined) this.report('changed', row.seq, 'its hash does not match its contents');
    else this.report('reordered', row.seq, `it holds the row written as seq ${rightfulSeq}`);
  }

  /** The seq near this one under which the row's contents verify, if any. */
  private searchRightfulSeq(row: AuditLogTable): bigint | undefined {
    if (this.reorderSearches >= auditReorderSearchesMax) return undefined;
    this.reorderSearches += 1;
    for (let distance = 1n; distance <= BigInt(auditReorderSearchRows); distance += 1n) {
      for (const seq of [row.seq - distance, row.seq + distance]) {
        if (seq >= 1n && this.hashMatches(row, seq)) return seq;
      }
    }
    return undefined;
  }

  private hashMatches(row: AuditLogTable, seq: bigint): boolean {
    const expected = auditRowHash(this.key, { ...toAuditRow(row), seq });
    return expected.equals(Buffer.from(row.hash));
  }

  private report(kind: AuditProblemKind, seq: bigint, detail: string): void {
    this.problemCount += 1n;
    if (kind === 'truncated') this.truncatedReported = true;
    if (this.problems.length < auditProblemsListedMax) this.problems.push({ kind, seq, detail });
  }
}

async function* pagedRows(db: Kysely<AuditTables>): AsyncGenerator<AuditLogTable> {
  let after: bigint | undefined;
  for (;;) {
    let query = db.selectFrom('audit_log').selectAll().orderBy('seq').limit(auditVerifyPageRows);
    if (after !== undefined) query = query.where('seq', '>', after);
    const page = await query.execute();
    yield* page;
    const last = page.at(-1);
    if (last === undefined || page.length < auditVerifyPageRows) return;
    after = last.seq;
  }
}

function missingRows(firstSeq: bigint, lastSeq: bigint): string {
  return firstSeq === lastSeq ? `row ${firstSeq} is missing` : `rows ${firstSeq} to ${lastSeq} are missing`;
}
