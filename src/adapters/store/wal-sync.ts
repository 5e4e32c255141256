import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BastionError, errorCodeOf } from '../../lib/errors/index.js';

/**
 * The group commit's fsync, taken off the event loop without weakening `synchronous = FULL`.
 *
 * In WAL mode, `FULL` means one thing more than `NORMAL`: SQLite fsyncs the WAL file at the end
 * of every COMMIT, before the COMMIT returns. better-sqlite3 runs statements on the event loop's
 * thread, so that fsync (about 2 ms on this project's VM) stops every other request. A group
 * commit instead runs its transaction with `NORMAL` (set before its BEGIN and `FULL` again after
 * its COMMIT, on the one connection it holds meanwhile: SQLite does not allow the change inside a
 * transaction) — its COMMIT writes the frames to the WAL and fsyncs nothing — and then fsyncs the
 * WAL file itself from libuv's thread pool (`sync`) while the event loop goes on. The group's
 * units settle only after that fsync has returned, so nothing anyone is told of can be lost on
 * power loss, exactly as with `FULL`: the same bytes are made durable by the same system call
 * before anyone hears of them. Every other COMMIT on the connection (migrations, CLI commands,
 * `db.transaction()` outside the group committer, single statements) still runs with `FULL`.
 *
 * Checkpoints are unchanged: under `NORMAL` as under `FULL`, SQLite fsyncs the WAL before it
 * copies frames into the database file, and the database file after.
 *
 * The WAL file keeps its inode while this connection is open: SQLite deletes it only when the
 * last connection closes, and a checkpoint that restarts or truncates it writes in place.
 */
export class WalSync {
  #handle: Promise<FileHandle | undefined> | undefined;
  #failed: BastionError | undefined;

  /** @param walPath the database file's path with `-wal` appended */
  constructor(private readonly walPath: string) {}

  /** The error of the sync that failed, once one has: every later group is refused with it. */
  get failure(): BastionError | undefined {
    return this.#failed;
  }

  /**
   * Makes every frame in the WAL file durable (fsync in the thread pool). A failed fsync is final:
   * the kernel may have dropped the pages it could not write, so a later fsync that succeeds
   * proves nothing. Every later sync fails too (`STORE_ERR_DURABILITY`), and the host must be
   * restarted, which recovers from what is on disk.
   */
  async sync(): Promise<void> {
    if (this.#failed !== undefined) throw this.#failed;
    try {
      const handle = await (this.#handle ??= this.#open());
      await handle?.sync();
    } catch (error) {
      this.#failed ??= new BastionError('STORE_ERR_DURABILITY', 'the SQLite WAL file could not be fsynced; what was committed since the last fsync may not survive power loss, and this store refuses further commits: restart the host', {
        errno: errorCodeOf(error),
      });
      throw this.#failed;
    }
  }

  /**
   * Opens the WAL file once, and fsyncs its directory once: SQLite does the same after creating a
   * file, so that the file's name survives power loss too. No WAL file means nothing was written.
   */
  async #open(): Promise<FileHandle | undefined> {
    let handle: FileHandle;
    try {
      handle = await open(this.walPath, 'r');
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ENOENT') {
        this.#handle = undefined;
        return undefined;
      }
      throw error;
    }
    const directory = await open(dirname(this.walPath), 'r');
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
    return handle;
  }

  async close(): Promise<void> {
    const handle = await this.#handle?.catch(() => undefined);
    this.#handle = undefined;
    await handle?.close();
  }
}
