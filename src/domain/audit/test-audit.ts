import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { migrateStore } from '../../adapters/store/migrate.js';
import { openStore } from '../../adapters/store/open-store.js';
import { testPostgresUrl } from '../../adapters/store/test-databases.js';
import type { Store } from '../../ports/store.js';
import { AuditLog } from './audit-log.js';
import type { AuditEvent } from './event.js';
import { auditMigrations } from './migrations.js';
import type { AuditLogTable, AuditTables } from './tables.js';

/** Test support for the audit module (left out of the build by its `test-*` name). */

export const testChainKey: Buffer = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');

/** A clock that moves one second per reading, from 2024-01-01. */
export function steppingClock(startMs = 1_704_067_200_000n, stepMs = 1_000n): () => bigint {
  let nowMs = startMs - stepMs;
  return () => (nowMs += stepMs);
}

export function sampleEvent(index: number): AuditEvent {
  const actions = ['terminal.sign-in', 'terminal.mac-failure', 'key.generate', 'config.change'] as const;
  return {
    actor: index % 3 === 0 ? 'system' : `terminal:T${String(index).padStart(7, '0')}`,
    action: actions[index % actions.length] ?? 'terminal.sign-in',
    target: `terminal:T${String(index % 5).padStart(7, '0')}`,
    source: `ip:203.0.113.${index % 250}`,
    outcome: index % 4 === 1 ? 'failure' : 'success',
    details: { index, note: `event ${index}`, kcv: 'A1B2C3' },
  };
}

export async function appendSamples(log: AuditLog, count: number): Promise<void> {
  for (let index = 1; index <= count; index += 1) await log.append(sampleEvent(index));
}

/** Everything of a row but its seq: what swapping two rows' contents moves. */
export function rowContents(row: AuditLogTable): Omit<AuditLogTable, 'seq'> {
  return {
    at_ms: row.at_ms,
    actor: row.actor,
    action: row.action,
    target: row.target,
    source: row.source,
    outcome: row.outcome,
    details: row.details,
    prev_hash: row.prev_hash,
    hash: row.hash,
  };
}

/** Plays the attacker: removes the append-only triggers so rows can be edited and deleted. */
export async function dropAppendOnlyGuards(store: Store): Promise<void> {
  const db = store.db<AuditTables>();
  if (store.dialect === 'sqlite') {
    await sql`drop trigger audit_log_no_update`.execute(db);
    await sql`drop trigger audit_log_no_delete`.execute(db);
  } else {
    await sql`drop trigger audit_log_no_change on audit_log`.execute(db);
    await sql`drop trigger audit_log_no_truncate on audit_log`.execute(db);
  }
}

/**
 * Several stores on one fresh database, as several host processes would open it: SQLite files
 * shared by connections, PostgreSQL schemas shared by pools. `close()` closes all and removes it.
 */
export async function openSharedStores(dialect: 'sqlite' | 'postgres', count: number): Promise<{ stores: Store[]; close: () => Promise<void> }> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'bastion-audit-'));
    const file = join(dir, 'bastion.sqlite');
    const stores = Array.from({ length: count }, () => openStore({ sqliteFile: file }));
    await migrateStore(stores[0] as Store, [auditMigrations]);
    return {
      stores,
      async close() {
        for (const store of stores) await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = `test_${randomBytes(6).toString('hex')}`;
  await adminQuery(`create schema ${schema}`);
  const stores = Array.from({ length: count }, () => openStore({ postgresUrl: testPostgresUrl, schema }, { poolSize: 4 }));
  await migrateStore(stores[0] as Store, [auditMigrations]);
  return {
    stores,
    async close() {
      for (const store of stores) await store.close();
      await adminQuery(`drop schema ${schema} cascade`);
    },
  };
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: testPostgresUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}
