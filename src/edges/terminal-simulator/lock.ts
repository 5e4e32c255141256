import { closeSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { BastionError } from '../../lib/errors/index.js';
import { simulatorStatePath } from './state.js';

/**
 * One simulator command at a time per terminal, as one device does one transaction at a time: a
 * lock file next to the key file (`terminal-<tid>.lock`), created with O_EXCL and holding the
 * owner's pid. A lock whose pid is no longer running is stale (the command crashed or was killed)
 * and is taken over. A lock file without a readable pid is only treated as stale once it is older
 * than `UNREADABLE_LOCK_STALE_MS`: its owner may be between creating it and writing the pid.
 */
export const UNREADABLE_LOCK_STALE_MS = 60_000;

export interface TerminalLock {
  readonly path: string;
  release(): void;
}

export function terminalLockPath(dataDir: string, terminalId: string): string {
  return simulatorStatePath(dataDir, terminalId).replace(/\.json$/, '.lock');
}

/** Takes the terminal's lock, or throws SIM_ERR_BUSY while another live command holds it. */
export function acquireTerminalLock(dataDir: string, terminalId: string, nowMs: () => number = Date.now): TerminalLock {
  const path = terminalLockPath(dataDir, terminalId);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  // Two rounds: the second after a stale lock was moved aside.
  for (let attempt = 0; attempt < 2; attempt++) {
    if (tryCreate(path)) return lockAt(path);
    const holder = readHolder(path);
    if (holder === 'gone') continue;
    if (!isStale(path, holder, nowMs)) break;
    moveStaleAside(path, holder);
  }
  throw new BastionError('SIM_ERR_BUSY', `another simulator command is using terminal ${terminalId}; wait for it to finish`, { terminalId });
}

function tryCreate(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (error) {
    if (isCode(error, 'EEXIST')) return false;
    throw error;
  }
  try {
    writeSync(fd, `${process.pid}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

function lockAt(path: string): TerminalLock {
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      try {
        unlinkSync(path);
      } catch {
        // Already gone: a later command took it over as stale; nothing of ours to remove.
      }
    },
  };
}

type Holder = { readonly pid: number; readonly text: string } | { readonly pid: undefined; readonly text: string } | 'gone';

function readHolder(path: string): Holder {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (isCode(error, 'ENOENT')) return 'gone';
    throw error;
  }
  const pid = /^(\d{1,10})\n$/.test(text) ? Number(text.trim()) : undefined;
  return { pid, text };
}

function isStale(path: string, holder: Exclude<Holder, 'gone'>, nowMs: () => number): boolean {
  if (holder.pid === undefined) {
    try {
      return nowMs() - statSync(path).mtimeMs > UNREADABLE_LOCK_STALE_MS;
    } catch {
      return true;
    }
  }
  if (holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    // EPERM: the process exists under another user; only ESRCH says it is gone.
    return isCode(error, 'ESRCH');
  }
}

/**
 * Renames the stale lock aside and removes it only if it is still the one judged stale; if a
 * racing command replaced it in between, that live lock is put back (link fails if the path was
 * taken again meanwhile, in which case the newest lock stays and this command is busy anyway).
 */
function moveStaleAside(path: string, holder: Exclude<Holder, 'gone'>): void {
  const aside = `${path}.stale-${process.pid}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if (isCode(error, 'ENOENT')) return;
    throw error;
  }
  let text = '';
  try {
    text = readFileSync(aside, 'utf8');
  } catch {
    // Unreadable: treat as the stale one.
  }
  if (text !== holder.text) {
    try {
      linkSync(aside, path);
    } catch {
      // The path holds a newer lock already.
    }
  }
  unlinkSync(aside);
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}
