import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../../lib/testing/test-eventually.js';
import { openStore } from './open-store.js';
import { WAL_AUTOCHECKPOINT_BACKSTOP_PAGES, WalCheckpointer } from './wal-checkpointer.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bastion-ckpt-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function hostConnection(file: string): SqliteDatabase.Database {
  const database = new SqliteDatabase(file);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  database.exec('create table t (id integer primary key, note text not null)');
  return database;
}

/** Frames in the WAL and frames already copied into the database file, as another connection sees them. */
function walState(file: string): { log: number; checkpointed: number } {
  const observer = new SqliteDatabase(file);
  try {
    // NOOP copies nothing itself: it only reports.
    const row = observer.prepare('pragma wal_checkpoint(NOOP)').get() as { log: number; checkpointed: number } | undefined;
    return row ?? { log: -1, checkpointed: -1 };
  } finally {
    observer.close();
  }
}

describe('WalCheckpointer', () => {
  it('copies the host connection\'s committed frames into the database file from its thread, while the host checkpoints only at the backstop', async () => {
    const file = join(dir, 'a.sqlite');
    const database = hostConnection(file);
    const checkpointer = WalCheckpointer.start(database, file, 10);
    try {
      expect(database.pragma('wal_autocheckpoint', { simple: true })).toBe(WAL_AUTOCHECKPOINT_BACKSTOP_PAGES);
      const insert = database.prepare('insert into t (note) values (?)');
      for (let index = 0; index < 200; index += 1) insert.run('x'.repeat(500));
      await eventually(async () => (await checkpointer.checkpoints()) > 1, 'the thread to checkpoint');
      await eventually(() => {
        const state = walState(file);
        return state.log > 0 && state.log === state.checkpointed;
      }, 'every frame in the WAL to be copied into the database file');
      // What was copied is the database: a reader that ignores the WAL would see it all.
      expect(database.prepare('select count(*) from t').pluck().get()).toBe(200);
      expect(checkpointer.failure).toBeUndefined();
    } finally {
      await checkpointer.stop();
    }
    expect(database.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    database.close();
  });

  it('a thread that cannot open the database stops, and the host connection checkpoints by itself again', async () => {
    const file = join(dir, 'b.sqlite');
    const database = hostConnection(file);
    const checkpointer = WalCheckpointer.start(database, join(dir, 'missing', 'none.sqlite'), 10);
    await eventually(() => checkpointer.failure !== undefined, 'the thread to report its failure');
    expect(database.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    await checkpointer.stop();
    database.close();
  });

  it('openStore starts it only when asked, and close stops it; the page cache is set only when asked', async () => {
    const file = join(dir, 'c.sqlite');
    const plain = openStore({ sqliteFile: file });
    expect(Number((await sql<{ wal_autocheckpoint: bigint }>`pragma wal_autocheckpoint`.execute(plain.db())).rows[0]?.wal_autocheckpoint)).toBe(1000);
    expect(Number((await sql<{ cache_size: bigint }>`pragma cache_size`.execute(plain.db())).rows[0]?.cache_size)).not.toBe(-65536);
    await plain.close();
    const host = openStore({ sqliteFile: file }, { sqliteBackgroundCheckpoints: true, sqliteCacheMiB: 64 });
    expect(Number((await sql<{ cache_size: bigint }>`pragma cache_size`.execute(host.db())).rows[0]?.cache_size)).toBe(-65536);
    expect(Number((await sql<{ wal_autocheckpoint: bigint }>`pragma wal_autocheckpoint`.execute(host.db())).rows[0]?.wal_autocheckpoint)).toBe(WAL_AUTOCHECKPOINT_BACKSTOP_PAGES);
    await host.close();
  });

  it('a store whose WAL another connection checkpoints (a host thread\'s) checkpoints only at the backstop, with no thread of its own', async () => {
    const file = join(dir, 'd.sqlite');
    const threadStore = openStore({ sqliteFile: file }, { sqliteCheckpointsElsewhere: true });
    try {
      expect(Number((await sql<{ wal_autocheckpoint: bigint }>`pragma wal_autocheckpoint`.execute(threadStore.db())).rows[0]?.wal_autocheckpoint)).toBe(WAL_AUTOCHECKPOINT_BACKSTOP_PAGES);
    } finally {
      await threadStore.close();
    }
  });
});
