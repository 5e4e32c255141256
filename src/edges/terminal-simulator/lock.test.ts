import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectBastionError } from '../../lib/errors/test-helpers.js';
import { acquireTerminalLock, terminalLockPath } from './lock.js';

/** The pid of a process that has ended. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('one simulator command per terminal', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'bastion-lock-'));
  });
  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  const writeLock = (text: string): string => {
    const path = terminalLockPath(dataDir, '10000001');
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    return path;
  };

  it('takes the lock, refuses a second taker while it is held (SIM_ERR_BUSY), and frees it on release', () => {
    const lock = acquireTerminalLock(dataDir, '10000001');
    expect(existsSync(lock.path)).toBe(true);
    expectBastionError(() => acquireTerminalLock(dataDir, '10000001'), 'SIM_ERR_BUSY', { terminalId: '10000001' });
    const other = acquireTerminalLock(dataDir, '10000002');
    other.release();
    lock.release();
    expect(existsSync(lock.path)).toBe(false);
    acquireTerminalLock(dataDir, '10000001').release();
  });

  it('refuses while a live process holds the lock, and takes over the lock of a process that has gone', () => {
    writeLock(`${process.ppid}\n`);
    expectBastionError(() => acquireTerminalLock(dataDir, '10000001'), 'SIM_ERR_BUSY');
    const path = writeLock(`${deadPid()}\n`);
    const lock = acquireTerminalLock(dataDir, '10000001');
    expect(lock.path).toBe(path);
    lock.release();
  });

  it('waits on an unreadable lock until it is old, then takes it over', () => {
    const path = writeLock('');
    expectBastionError(() => acquireTerminalLock(dataDir, '10000001'), 'SIM_ERR_BUSY');
    const old = new Date(Date.now() - 10 * 60_000);
    utimesSync(path, old, old);
    acquireTerminalLock(dataDir, '10000001').release();
  });
});
