import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databases } from '../../adapters/store/test-databases.js';
import { BastionError } from '../../lib/errors/index.js';
import type { Store } from '../../ports/store.js';
import { AuditLog } from './audit-log.js';
import { auditGenesisHash, auditRowHash } from './chain-hash.js';
import { auditMigrations } from './migrations.js';
import { readAuditHead, readAuditTail } from './read.js';
import type { AuditTables } from './tables.js';
import { openSharedStores, sampleEvent, steppingClock, testChainKey } from './test-audit.js';
import { verifyAuditLog } from './verify.js';

const pan = '4761739001010010';
const keyHex = '0123456789ABCDEFFEDCBA9876543210';

async function rejection(promise: Promise<unknown>): Promise<BastionError> {
  const error: unknown = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(BastionError);
  return error as BastionError;
}

describe.each(databases)('audit log on $name', (database) => {
  let store: Store;
  let log: AuditLog;
  beforeEach(async () => {
    store = await database.open([auditMigrations]);
    log = new AuditLog({ store, clock: steppingClock(), chainKey: testChainKey });
  });
  afterEach(async () => {
    await store.close();
  });

  it('appends rows with gapless seq, the clock time and a hash chained from the genesis value', async () => {
    const first = await log.append(sampleEvent(1));
    const second = await log.append(sampleEvent(2));
    expect([first.seq, second.seq]).toEqual([1n, 2n]);
    expect(second.atMs - first.atMs).toBe(1_000n);
    const rows = await readAuditTail(store, 10);
    expect(rows.map((row) => row.seq)).toEqual([1n, 2n]);
    expect(rows[0]?.prevHash).toEqual(auditGenesisHash);
    expect(rows[1]?.prevHash).toEqual(first.hash);
    expect(rows[1]).toMatchObject({ actor: 'terminal:T0000002', action: 'key.generate', target: 'terminal:T0000002', source: 'ip:203.0.113.2', outcome: 'success' });
    expect(rows[1]?.details).toBe('{"index":2,"kcv":"A1B2C3","note":"event 2"}');
    const row = rows[1];
    if (row === undefined) throw new Error('row 2 missing');
    expect(auditRowHash(testChainKey, { ...row, prevHash: row.prevHash })).toEqual(second.hash);
    expect(await readAuditHead(store)).toEqual({ seq: 2n, hash: second.hash, keyBound: true });
  });

  it('stores details redacted: a PAN keeps first 6 and last 4, key-like hex is removed, also in numbers and keys', async () => {
    await log.append({
      actor: 'user:alice',
      action: 'config.change',
      source: 'cli',
      outcome: 'success',
      details: { pan, key: keyHex, nested: { list: [`card ${pan}`, 4761739001010010n] }, [pan]: 'as a key' },
    });
    const stored = (await readAuditTail(store, 1))[0]?.details ?? '';
    expect(stored).not.toContain(pan);
    expect(stored).not.toContain(keyHex);
    expect(stored).toContain('476173******0010');
    // Nothing anywhere in the table holds the PAN, whatever the column.
    const hits = await sql<{ n: bigint }>`select count(*) as n from audit_log where details like ${`%${pan}%`} or actor like ${`%${pan}%`} or target like ${`%${pan}%`}`.execute(store.db());
    expect(hits.rows[0]?.n).toBe(0n);
    expect((await verifyAuditLog(store, { chainKey: testChainKey })).intact).toBe(true);
  });

  it('refuses an invalid event with AUDIT_ERR_EVENT and gives no seq away', async () => {
    const bad = [
      { ...sampleEvent(1), action: 'key.steal' },
      { ...sampleEvent(1), outcome: 'maybe' },
      { ...sampleEvent(1), actor: '' },
      { ...sampleEvent(1), source: 'two words' },
      { ...sampleEvent(1), target: 'x'.repeat(129) },
      { ...sampleEvent(1), details: { amount: 1.5 } },
      { ...sampleEvent(1), details: { when: new Date(0) } },
      { ...sampleEvent(1), details: { text: 'y'.repeat(9000) } },
    ];
    for (const event of bad) {
      // Events from untyped callers (JSON, plain JavaScript) are checked at run time too.
      const error = await rejection(log.append(event as unknown as Parameters<AuditLog['append']>[0]));
      expect(error.code).toBe('AUDIT_ERR_EVENT');
    }
    expect((await log.append(sampleEvent(1))).seq).toBe(1n);
  });

  it('appendWithin commits with the caller and rolls back with it, giving the seq back', async () => {
    const db = store.db<AuditTables>();
    await expect(
      db.transaction().execute(async (trx) => {
        await log.appendWithin(trx, sampleEvent(1));
        throw new Error('the caller changed its mind');
      }),
    ).rejects.toThrow('the caller changed its mind');
    expect(await readAuditTail(store, 10)).toEqual([]);
    expect((await readAuditHead(store))?.seq).toBe(0n);
    const appended = await db.transaction().execute((trx) => log.appendWithin(trx, sampleEvent(2)));
    expect(appended.seq).toBe(1n);
    expect((await verifyAuditLog(store, { chainKey: testChainKey })).intact).toBe(true);
  });

  it('refuses to append under another key (AUDIT_ERR_KEY_MISMATCH) and refuses a key of the wrong length', async () => {
    await log.append(sampleEvent(1));
    const other = new AuditLog({ store, clock: steppingClock(), chainKey: Buffer.alloc(32, 7) });
    expect((await rejection(other.append(sampleEvent(2)))).code).toBe('AUDIT_ERR_KEY_MISMATCH');
    expect((await readAuditHead(store))?.seq).toBe(1n);
    expect(() => new AuditLog({ store, clock: steppingClock(), chainKey: Buffer.alloc(16) })).toThrow(expect.objectContaining({ code: 'AUDIT_ERR_KEY' }));
  });

  it('is append-only: UPDATE, DELETE (and TRUNCATE on PostgreSQL) are refused by the database', async () => {
    await log.append(sampleEvent(1));
    const db = store.db<AuditTables>();
    await expect(db.updateTable('audit_log').set({ actor: 'mallory' }).execute()).rejects.toThrow(/append-only/);
    await expect(db.deleteFrom('audit_log').execute()).rejects.toThrow(/append-only/);
    if (store.dialect === 'postgres') await expect(sql`truncate audit_log`.execute(db)).rejects.toThrow(/append-only/);
    expect((await readAuditTail(store, 10)).length).toBe(1);
  });

  it('stops appending with AUDIT_ERR_HEAD_MISSING when the head row is gone', async () => {
    await store.db<AuditTables>().deleteFrom('audit_head').execute();
    expect((await rejection(log.append(sampleEvent(1)))).code).toBe('AUDIT_ERR_HEAD_MISSING');
  });

  it('100 concurrent appends through one store form one chain, seq 1..100', async () => {
    const results = await Promise.all(Array.from({ length: 100 }, (_, index) => log.append(sampleEvent(index + 1))));
    expect(results.map((result) => result.seq).sort((left, right) => Number(left - right))).toEqual(Array.from({ length: 100 }, (_, index) => BigInt(index + 1)));
    const report = await verifyAuditLog(store, { chainKey: testChainKey });
    expect(report).toMatchObject({ intact: true, rowsChecked: 100n, head: { seq: 100n } });
  });
});

describe.each(databases)('audit log shared by several stores on $name', (database) => {
  it('appends through several connections interleave into one chain', async () => {
    const shared = await openSharedStores(database.name, 3);
    try {
      const clock = steppingClock();
      const logs = shared.stores.map((store) => new AuditLog({ store, clock, chainKey: testChainKey }));
      for (let index = 0; index < 30; index += 1) {
        const appended = await logs[index % logs.length]?.append(sampleEvent(index + 1));
        expect(appended?.seq).toBe(BigInt(index + 1));
      }
      expect(await verifyAuditLog(shared.stores[2] as Store, { chainKey: testChainKey })).toMatchObject({ intact: true, rowsChecked: 30n });
    } finally {
      await shared.close();
    }
  });

  it.runIf(database.name === 'postgres')('100 concurrent appends over 4 pools (as 4 host processes) form one chain, seq 1..100', async () => {
    const shared = await openSharedStores('postgres', 4);
    try {
      const clock = steppingClock();
      const logs = shared.stores.map((store) => new AuditLog({ store, clock, chainKey: testChainKey }));
      const results = await Promise.all(Array.from({ length: 100 }, (_, index) => (logs[index % logs.length] as AuditLog).append(sampleEvent(index + 1))));
      const seqs = results.map((result) => result.seq).sort((left, right) => Number(left - right));
      expect(seqs).toEqual(Array.from({ length: 100 }, (_, index) => BigInt(index + 1)));
      const report = await verifyAuditLog(shared.stores[0] as Store, { chainKey: testChainKey });
      expect(report).toMatchObject({ intact: true, rowsChecked: 100n, problemCount: 0n, head: { seq: 100n } });
    } finally {
      await shared.close();
    }
  });

  it.runIf(database.name === 'postgres')('verify running beside appends from other pools sees one consistent snapshot: always intact', async () => {
    const shared = await openSharedStores('postgres', 3);
    try {
      const clock = steppingClock();
      const writers = shared.stores.slice(0, 2).map((store) => new AuditLog({ store, clock, chainKey: testChainKey }));
      const appends = Promise.all(Array.from({ length: 60 }, (_, index) => (writers[index % 2] as AuditLog).append(sampleEvent(index + 1))));
      const reports = [];
      for (let round = 0; round < 8; round += 1) reports.push(await verifyAuditLog(shared.stores[2] as Store, { chainKey: testChainKey }));
      await appends;
      reports.push(await verifyAuditLog(shared.stores[2] as Store, { chainKey: testChainKey }));
      expect(reports.map((report) => report.problems)).toEqual(reports.map(() => []));
      expect(reports.at(-1)?.rowsChecked).toBe(60n);
    } finally {
      await shared.close();
    }
  });
});
