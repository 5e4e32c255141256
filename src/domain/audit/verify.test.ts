import fc from 'fast-check';
import type { Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databases } from '../../adapters/store/test-databases.js';
import { BastionError } from '../../lib/errors/index.js';
import type { Store } from '../../ports/store.js';
import { AuditLog } from './audit-log.js';
import { auditGenesisHash } from './chain-hash.js';
import { auditMigrations } from './migrations.js';
import type { AuditLogTable, AuditTables } from './tables.js';
import { appendSamples, dropAppendOnlyGuards, rowContents, steppingClock, testChainKey } from './test-audit.js';
import { auditVerifyPageRows, verifyAuditLog, type AuditProblem, type AuditVerifyReport } from './verify.js';

type TextColumn = 'actor' | 'action' | 'target' | 'source' | 'outcome' | 'details';
const textColumns: readonly TextColumn[] = ['actor', 'action', 'target', 'source', 'outcome', 'details'];
const rowCount = 40;

async function verify(store: Store): Promise<AuditVerifyReport> {
  return verifyAuditLog(store, { chainKey: testChainKey });
}

function kinds(problems: readonly AuditProblem[]): string[] {
  return problems.map((problem) => `${problem.kind}@${problem.seq}`);
}

describe.each(databases)('audit verify on $name', (database) => {
  let store: Store;
  let log: AuditLog;
  beforeEach(async () => {
    store = await database.open([auditMigrations]);
    log = new AuditLog({ store, clock: steppingClock(), chainKey: testChainKey });
  });
  afterEach(async () => {
    await store.close();
  });

  const db = (): Kysely<AuditTables> => store.db<AuditTables>();
  const row = async (seq: bigint): Promise<AuditLogTable> => db().selectFrom('audit_log').selectAll().where('seq', '=', seq).executeTakeFirstOrThrow();

  it('an empty log is intact, with the genesis head', async () => {
    expect(await verifyAuditLog(store, { chainKey: testChainKey })).toEqual({
      intact: true,
      rowsChecked: 0n,
      head: { seq: 0n, hash: auditGenesisHash },
      problems: [],
      problemCount: 0n,
    });
  });

  it('an untouched log is intact, its head the last row, across several pages', async () => {
    await appendSamples(log, auditVerifyPageRows * 2 + 7);
    const report = await verifyAuditLog(store, { chainKey: testChainKey });
    const last = await row(BigInt(auditVerifyPageRows * 2 + 7));
    expect(report).toMatchObject({ intact: true, rowsChecked: BigInt(auditVerifyPageRows * 2 + 7), problemCount: 0n });
    expect(report.head).toEqual({ seq: last.seq, hash: Buffer.from(last.hash) });
  });

  it('one changed character or bit in any column of random rows is detected as changed at that seq, every time', async () => {
    await appendSamples(log, rowCount);
    await dropAppendOnlyGuards(store);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: rowCount }),
        fc.constantFrom<TextColumn | 'at_ms' | 'hash' | 'prev_hash'>(...textColumns, 'at_ms', 'hash', 'prev_hash'),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        async (seqNumber, column, position, flip) => {
          const seq = BigInt(seqNumber);
          const original = await row(seq);
          if (column === 'at_ms') {
            await db().updateTable('audit_log').set({ at_ms: original.at_ms ^ (1n << BigInt(position % 40)) }).where('seq', '=', seq).execute();
          } else if (column === 'hash' || column === 'prev_hash') {
            const bytes = Buffer.from(original[column]);
            const index = position % bytes.length;
            bytes[index] = (bytes[index] ?? 0) ^ flip;
            await db().updateTable('audit_log').set({ [column]: bytes }).where('seq', '=', seq).execute();
          } else {
            const text = original[column];
            if (text === '') return; // an empty target has no character to change
            const index = position % text.length;
            const changed = String.fromCharCode(((text.charCodeAt(index) - 0x21 + (flip % 93) + 1) % 94) + 0x21);
            await db().updateTable('audit_log').set({ [column]: text.slice(0, index) + changed + text.slice(index + 1) }).where('seq', '=', seq).execute();
          }
          const report = await verify(store);
          expect(report.intact).toBe(false);
          expect(report.problems[0]).toMatchObject({ kind: 'changed', seq });
          await db().updateTable('audit_log').set(original).where('seq', '=', seq).execute();
        },
      ),
      { numRuns: 60, seed: 20_240_101 },
    );
    expect((await verify(store)).intact).toBe(true);
  });

  it('several rows changed at once are each reported', async () => {
    await appendSamples(log, rowCount);
    await dropAppendOnlyGuards(store);
    for (const seq of [3n, 17n, 40n]) await db().updateTable('audit_log').set({ details: '{"index":0}' }).where('seq', '=', seq).execute();
    expect(kinds((await verify(store)).problems)).toEqual(['changed@3', 'changed@17', 'changed@40']);
  });

  it('a deleted row is reported as deleted at its seq; several in a run as one gap', async () => {
    await appendSamples(log, rowCount);
    await dropAppendOnlyGuards(store);
    await db().deleteFrom('audit_log').where('seq', '=', 12n).execute();
    const report = await verify(store);
    expect(kinds(report.problems)).toEqual(['deleted@12']);
    expect(report.problems[0]?.detail).toBe('row 12 is missing');
    await db().deleteFrom('audit_log').where('seq', '>=', 20n).where('seq', '<=', 22n).execute();
    await db().deleteFrom('audit_log').where('seq', '=', 1n).execute();
    const more = await verify(store);
    expect(kinds(more.problems)).toEqual(['deleted@1', 'deleted@12', 'deleted@20']);
    expect(more.problems[2]?.detail).toBe('rows 20 to 22 are missing');
  });

  it('deleting the last rows is reported as truncated; so is cutting the head back with them unless it is anchored', async () => {
    await appendSamples(log, rowCount);
    const anchor = await row(BigInt(rowCount));
    await dropAppendOnlyGuards(store);
    await db().deleteFrom('audit_log').where('seq', '>', 37n).execute();
    expect(kinds((await verify(store)).problems)).toEqual(['truncated@38']);
    // The attacker also winds the head back to row 37: the chain alone can't tell ...
    const newLast = await row(37n);
    await db().updateTable('audit_head').set({ seq: 37n, hash: newLast.hash }).execute();
    expect((await verify(store)).intact).toBe(true);
    // ... but a head noted earlier can.
    const anchored = await verifyAuditLog(store, { chainKey: testChainKey, anchor: { seq: anchor.seq, hash: anchor.hash } });
    expect(kinds(anchored.problems)).toEqual(['truncated@38']);
    const stillThere = await verifyAuditLog(store, { chainKey: testChainKey, anchor: { seq: 37n, hash: newLast.hash } });
    expect(stillThere.intact).toBe(true);
    const wrong = await verifyAuditLog(store, { chainKey: testChainKey, anchor: { seq: 37n, hash: Buffer.alloc(32, 1) } });
    expect(kinds(wrong.problems)).toEqual(['anchor-mismatch@37']);
  });

  it.each([
    [10n, 11n],
    [5n, 30n],
    [1n, 2n],
    [39n, 40n],
  ])('rows %d and %d swapped are reported as reordered at both', async (left, right) => {
    await appendSamples(log, rowCount);
    await dropAppendOnlyGuards(store);
    const leftContents = rowContents(await row(left));
    const rightContents = rowContents(await row(right));
    await db().updateTable('audit_log').set(rightContents).where('seq', '=', left).execute();
    await db().updateTable('audit_log').set(leftContents).where('seq', '=', right).execute();
    const report = await verify(store);
    expect(kinds(report.problems)).toEqual([`reordered@${left}`, `reordered@${right}`]);
    expect(report.problems[0]?.detail).toBe(`it holds the row written as seq ${right}`);
  });

  it('a renumbered row (seq moved) is reported as deleted where it was and reordered where it went', async () => {
    await appendSamples(log, rowCount);
    await dropAppendOnlyGuards(store);
    await db().updateTable('audit_log').set({ seq: 45n }).where('seq', '=', 20n).execute();
    expect(kinds((await verify(store)).problems)).toEqual(['deleted@20', 'deleted@41', 'reordered@45', 'head-mismatch@41']);
  });

  it('a row replaced by an authentic row of another log (same key) is caught by its link', async () => {
    await appendSamples(log, 5);
    const otherStore = await database.open([auditMigrations]);
    try {
      const other = new AuditLog({ store: otherStore, clock: steppingClock(5n), chainKey: testChainKey });
      await appendSamples(other, 5);
      const foreign = await otherStore.db<AuditTables>().selectFrom('audit_log').selectAll().where('seq', '=', 3n).executeTakeFirstOrThrow();
      await dropAppendOnlyGuards(store);
      await db().updateTable('audit_log').set(foreign).where('seq', '=', 3n).execute();
      expect(kinds((await verify(store)).problems)).toEqual(['changed@3', 'changed@4']);
    } finally {
      await otherStore.close();
    }
  });

  it('a tampered head is reported: missing, wrong hash, rows past it, or an edited key check', async () => {
    await appendSamples(log, 5);
    const head = await db().selectFrom('audit_head').selectAll().executeTakeFirstOrThrow();
    await db().updateTable('audit_head').set({ hash: Buffer.alloc(32, 9) }).execute();
    expect(kinds((await verify(store)).problems)).toEqual(['head-mismatch@5']);
    await db().updateTable('audit_head').set({ hash: head.hash, seq: 3n }).execute();
    expect(kinds((await verify(store)).problems)).toEqual(['head-mismatch@4']);
    await db().updateTable('audit_head').set({ seq: 5n, key_check: Buffer.alloc(8) }).execute();
    expect(kinds((await verify(store)).problems)).toEqual(['head-mismatch@0']);
    await db().updateTable('audit_head').set({ key_check: null }).execute();
    expect(kinds((await verify(store)).problems)).toEqual(['head-mismatch@0']);
    await db().deleteFrom('audit_head').execute();
    const report = await verify(store);
    expect(kinds(report.problems)).toEqual(['head-mismatch@0']);
    expect(report.head).toBeUndefined();
  });

  it('a key that is not this log’s is refused with AUDIT_ERR_KEY_MISMATCH, not reported as tampering', async () => {
    await appendSamples(log, 3);
    const error: unknown = await verifyAuditLog(store, { chainKey: Buffer.alloc(32, 5) }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BastionError);
    expect((error as BastionError).code).toBe('AUDIT_ERR_KEY_MISMATCH');
  });

  it('refuses a malformed anchor with AUDIT_ERR_ARGUMENT', async () => {
    for (const anchor of [{ seq: 0n, hash: Buffer.alloc(32) }, { seq: 1n, hash: Buffer.alloc(31) }]) {
      const error: unknown = await verifyAuditLog(store, { chainKey: testChainKey, anchor }).catch((caught: unknown) => caught);
      expect((error as BastionError).code).toBe('AUDIT_ERR_ARGUMENT');
    }
  });
});
