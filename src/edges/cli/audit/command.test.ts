import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrateStore } from '../../../adapters/store/migrate.js';
import { openStore } from '../../../adapters/store/open-store.js';
import { AuditLog, auditMigrations } from '../../../domain/audit/index.js';
import type { AuditTables } from '../../../domain/audit/tables.js';
import { appendSamples, dropAppendOnlyGuards, rowContents, steppingClock } from '../../../domain/audit/test-audit.js';
import type { Store } from '../../../ports/store.js';
import { main } from '../main.js';
import { memoryIo } from '../test-io.js';
import { readOrCreateAuditChainKey } from './chain-key-file.js';

const variables = ['BASTION_DATA_DIR', 'DATABASE_URL', 'BASTION_DB', 'BASTION_AUDIT_KEY_FILE'] as const;

async function bastion(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const io = memoryIo();
  const status = await main(args, io);
  return { status, stdout: io.out(), stderr: io.err() };
}

describe('bastion audit (SQLite file in a temporary BASTION_DATA_DIR)', () => {
  let dataDir: string;
  let saved: Partial<Record<(typeof variables)[number], string>>;
  let store: Store | undefined;

  beforeEach(() => {
    saved = {};
    for (const name of variables) {
      const value = process.env[name];
      if (value !== undefined) saved[name] = value;
      Reflect.deleteProperty(process.env, name);
    }
    dataDir = mkdtempSync(join(tmpdir(), 'bastion-audit-cli-'));
    process.env['BASTION_DATA_DIR'] = dataDir;
  });

  afterEach(async () => {
    await store?.close();
    store = undefined;
    for (const name of variables) {
      const value = saved[name];
      if (value === undefined) Reflect.deleteProperty(process.env, name);
      else process.env[name] = value;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Writes `count` rows the way a host process would: the key from the data dir, the store file. */
  async function writeLog(count: number): Promise<Store> {
    const opened = openStore({ sqliteFile: join(dataDir, 'bastion.sqlite') });
    await migrateStore(opened, [auditMigrations]);
    const chainKey = readOrCreateAuditChainKey(join(dataDir, 'keys', 'audit-chain.key'));
    await appendSamples(new AuditLog({ store: opened, clock: steppingClock(), chainKey }), count);
    store = opened;
    return opened;
  }

  async function tamperable(count: number): Promise<Kysely<AuditTables>> {
    const opened = await writeLog(count);
    await dropAppendOnlyGuards(opened);
    return opened.db<AuditTables>();
  }

  it('verify on a fresh data dir: intact, 0 rows, the genesis head, exit 0 (no key needed yet)', async () => {
    expect(await bastion('audit', 'verify')).toEqual({ status: 0, stdout: `audit log intact: 0 rows, head 0:${'0'.repeat(64)}\n`, stderr: '' });
  });

  it('verify on an untouched log: exit 0 and the head that `--anchor` takes back', async () => {
    const opened = await writeLog(5);
    const last = await opened.db<AuditTables>().selectFrom('audit_log').select('hash').where('seq', '=', 5n).executeTakeFirstOrThrow();
    const head = `5:${Buffer.from(last.hash).toString('hex')}`;
    expect(await bastion('audit', 'verify')).toEqual({ status: 0, stdout: `audit log intact: 5 rows, head ${head}\n`, stderr: '' });
    expect((await bastion('audit', 'verify', '--anchor', head)).status).toBe(0);
  });

  it('verify detects a changed byte: exit 1 and the seq', async () => {
    const db = await tamperable(5);
    await db.updateTable('audit_log').set({ details: '{"index":3,"kcv":"A1B2C3","note":"event 4"}' }).where('seq', '=', 3n).execute();
    const result = await bastion('audit', 'verify');
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^audit log TAMPERED: 1 problem in 5 rows, head 5:[0-9a-f]{64}\nseq 3: changed: its hash does not match its contents\n$/);
    expect(result.stderr).toBe('');
  });

  it('verify detects a deleted row: exit 1', async () => {
    const db = await tamperable(5);
    await db.deleteFrom('audit_log').where('seq', '=', 2n).execute();
    const result = await bastion('audit', 'verify');
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('\nseq 2: deleted: row 2 is missing\n');
  });

  it('verify detects a swapped pair: exit 1, both rows reported', async () => {
    const db = await tamperable(5);
    const rowAt = (seq: bigint) => db.selectFrom('audit_log').selectAll().where('seq', '=', seq).executeTakeFirstOrThrow();
    const second = rowContents(await rowAt(2n));
    const fourth = rowContents(await rowAt(4n));
    await db.updateTable('audit_log').set(fourth).where('seq', '=', 2n).execute();
    await db.updateTable('audit_log').set(second).where('seq', '=', 4n).execute();
    const result = await bastion('audit', 'verify');
    expect(result.status).toBe(1);
    expect(result.stdout.split('\n').slice(1)).toEqual(['seq 2: reordered: it holds the row written as seq 4', 'seq 4: reordered: it holds the row written as seq 2', '']);
  });

  it('verify with an anchor catches a tail cut back together with its head', async () => {
    const db = await tamperable(5);
    const last = await db.selectFrom('audit_log').select('hash').where('seq', '=', 5n).executeTakeFirstOrThrow();
    const fourth = await db.selectFrom('audit_log').select('hash').where('seq', '=', 4n).executeTakeFirstOrThrow();
    await db.deleteFrom('audit_log').where('seq', '=', 5n).execute();
    await db.updateTable('audit_head').set({ seq: 4n, hash: fourth.hash }).execute();
    expect((await bastion('audit', 'verify')).status).toBe(0);
    const anchored = await bastion('audit', 'verify', '--anchor', `5:${Buffer.from(last.hash).toString('hex')}`);
    expect(anchored.status).toBe(1);
    expect(anchored.stdout).toContain('seq 5: truncated: the anchor names row 5 but the log ends at 4');
  });

  it('verify cannot decide without the key, with another key, or with a malformed key file: exit 2 and a coded line', async () => {
    await writeLog(2);
    const keyFile = join(dataDir, 'keys', 'audit-chain.key');
    process.env['BASTION_AUDIT_KEY_FILE'] = join(dataDir, 'nowhere.key');
    const missing = await bastion('audit', 'verify');
    expect(missing).toMatchObject({ status: 2, stdout: '' });
    expect(missing.stderr).toMatch(/^error AUDIT_ERR_KEY_MISSING: the audit log has rows but there is no key file at .*nowhere\.key \(argument: BASTION_AUDIT_KEY_FILE\)\n$/);
    const otherKey = join(dataDir, 'other.key');
    writeFileSync(otherKey, `${'ab'.repeat(32)}\n`);
    process.env['BASTION_AUDIT_KEY_FILE'] = otherKey;
    expect(await bastion('audit', 'verify')).toMatchObject({ status: 2, stderr: expect.stringMatching(/^error AUDIT_ERR_KEY_MISMATCH: /) });
    writeFileSync(otherKey, 'not a key\n');
    const malformed = await bastion('audit', 'verify');
    expect(malformed).toMatchObject({ status: 2, stderr: expect.stringMatching(/^error AUDIT_ERR_KEY: the audit key file .* must hold 64 hexadecimal characters/) });
    expect(malformed.stderr).not.toContain('not a key');
    process.env['BASTION_AUDIT_KEY_FILE'] = keyFile;
    expect((await bastion('audit', 'verify')).status).toBe(0);
  });

  it('verify refuses a malformed anchor and an unknown option with exit 2', async () => {
    expect(await bastion('audit', 'verify', '--anchor', '5:abc')).toEqual({
      status: 2,
      stdout: '',
      stderr: 'error AUDIT_ERR_ARGUMENT: the anchor must be seq:hash as printed by bastion audit verify (argument: anchor)\n',
    });
    expect((await bastion('audit', 'verify', '--anchor', `0:${'0'.repeat(64)}`)).stderr).toMatch(/^error AUDIT_ERR_ARGUMENT: an anchor seq must be 1 or more/);
    expect(await bastion('audit', 'verify', '--fast')).toMatchObject({ status: 2, stderr: expect.stringMatching(/^error CLI_ERR_ARGUMENT_INVALID: /) });
  });

  it('verify exits 2 without a verdict when the store cannot be opened', async () => {
    process.env['DATABASE_URL'] = 'postgres://nobody:secret-password@127.0.0.1:1/none';
    const result = await bastion('audit', 'verify');
    expect(result).toEqual({ status: 2, stdout: '', stderr: 'error STORE_ERR_CONFIG: the store could not be opened\n' });
  });

  it('tail prints the most recent rows, oldest first, one line each', async () => {
    await writeLog(5);
    const result = await bastion('audit', 'tail', '--limit', '2');
    expect(result).toEqual({
      status: 0,
      stdout: [
        '4 2024-01-01T00:00:03.000Z success terminal.sign-in actor=terminal:T0000004 target=terminal:T0000004 source=ip:203.0.113.4 {"index":4,"kcv":"A1B2C3","note":"event 4"}',
        '5 2024-01-01T00:00:04.000Z failure terminal.mac-failure actor=terminal:T0000005 target=terminal:T0000000 source=ip:203.0.113.5 {"index":5,"kcv":"A1B2C3","note":"event 5"}',
        '',
      ].join('\n'),
      stderr: '',
    });
    expect((await bastion('audit', 'tail')).stdout.split('\n')).toHaveLength(6);
  });

  it('tail shows control characters of a tampered row as ?, and refuses a bad limit with exit 2', async () => {
    const db = await tamperable(1);
    await db.updateTable('audit_log').set({ actor: 'evil\u001b[2J\u202e' }).execute();
    expect((await bastion('audit', 'tail')).stdout).toContain('actor=evil?[2J? ');
    for (const limit of ['0', '1001', 'ten', '-1']) {
      const result = await bastion('audit', 'tail', '--limit', limit);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/^error AUDIT_ERR_ARGUMENT: the (row )?limit must be a whole number/);
    }
  });
});
