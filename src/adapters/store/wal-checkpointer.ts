import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type SqliteDatabase from 'better-sqlite3';
import { errorCodeOf } from '../../lib/errors/index.js';

/** How often the background connection checkpoints the WAL. */
export const WAL_CHECKPOINT_INTERVAL_MS = 50;

/**
 * WAL pages at which the host's own connection checkpoints after all (SQLite's automatic
 * checkpoint): a backstop that is never reached while the background thread keeps up.
 */
export const WAL_AUTOCHECKPOINT_BACKSTOP_PAGES = 20_000;

/** SQLite's default automatic checkpoint, restored if the background thread stops. */
const WAL_AUTOCHECKPOINT_DEFAULT_PAGES = 1_000;

/**
 * The worker's code. It opens its own connection to the database file and runs a PASSIVE
 * checkpoint on a timer: frames written and committed by the host's connection are copied into
 * the database file and fsynced there, then the WAL can start over. PASSIVE never waits for a
 * writer or a reader; SQLite fsyncs the WAL before it copies and the database file after, at
 * any `synchronous` level, so a checkpoint never makes anything less durable.
 */
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driverPath);
const database = new Database(workerData.file, { fileMustExist: true });
database.pragma('busy_timeout = 5000');
database.pragma('synchronous = FULL');
const checkpoint = database.prepare('pragma wal_checkpoint(PASSIVE)');
let checkpoints = 0;
const timer = setInterval(() => {
  try {
    checkpoint.get();
    checkpoints += 1;
  } catch (error) {
    clearInterval(timer);
    database.close();
    parentPort.postMessage({ failed: String(error && error.code || 'unknown') });
    parentPort.close();
  }
}, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message === 'checkpoints') { parentPort.postMessage({ checkpoints }); return; }
  clearInterval(timer);
  database.close();
  parentPort.close();
});
`;

/**
 * Checkpoints a SQLite database's WAL from a worker thread, so that the host's event loop does
 * not: an automatic checkpoint runs inside the COMMIT that crosses the WAL's size limit, on the
 * committing connection — for the host, on its event loop — and copies and fsyncs a thousand
 * pages (5–7 ms every ~20 group commits at full load, measured). While the thread runs, the
 * host's connection checkpoints only if the WAL grows past `WAL_AUTOCHECKPOINT_BACKSTOP_PAGES`;
 * if the thread stops on an error, the host's connection goes back to SQLite's default.
 */
export class WalCheckpointer {
  readonly #worker: Worker;
  #stopped = false;
  #failure: string | undefined;

  private constructor(worker: Worker, private readonly database: SqliteDatabase.Database) {
    this.#worker = worker;
  }

  /** Starts checkpointing `file` (whose host connection is `database`) in the background. */
  static start(database: SqliteDatabase.Database, file: string, intervalMs = WAL_CHECKPOINT_INTERVAL_MS): WalCheckpointer {
    const driverPath = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(workerSource, { eval: true, workerData: { driverPath, file, intervalMs }, env: {}, execArgv: [] });
    // A background job: it never keeps the process alive by itself.
    worker.unref();
    const checkpointer = new WalCheckpointer(worker, database);
    database.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_BACKSTOP_PAGES}`);
    const fallBack = (failure: string): void => {
      if (checkpointer.#stopped) return;
      checkpointer.#stopped = true;
      checkpointer.#failure = failure;
      checkpointAsByDefault(database);
    };
    worker.on('message', (message: { failed?: string }) => {
      if (message.failed !== undefined) fallBack(message.failed);
    });
    worker.on('error', (error) => { fallBack(errorCodeOf(error)); });
    worker.on('exit', () => { fallBack('exited'); });
    return checkpointer;
  }

  /** Why the thread stopped on its own (the host then checkpoints as SQLite does by default). */
  get failure(): string | undefined {
    return this.#failure;
  }

  /** How many checkpoints the thread has run (tests and diagnostics). */
  checkpoints(): Promise<number> {
    return new Promise((resolve, reject) => {
      const onExit = (): void => { reject(new Error('the checkpoint thread has stopped')); };
      const onMessage = (message: { checkpoints?: number }): void => {
        if (message.checkpoints === undefined) return;
        this.#worker.off('message', onMessage);
        this.#worker.off('exit', onExit);
        resolve(message.checkpoints);
      };
      this.#worker.on('message', onMessage);
      this.#worker.once('exit', onExit);
      this.#worker.postMessage('checkpoints');
    });
  }

  /** Stops the thread (it closes its connection first); the host's connection checkpoints itself again. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    const exited = new Promise<void>((resolve) => this.#worker.once('exit', () => { resolve(); }));
    // Referenced again while it stops: a process that is closing down waits for the thread's exit.
    this.#worker.ref();
    this.#worker.postMessage('stop');
    await exited;
    checkpointAsByDefault(this.database);
  }
}

/** The host's connection checkpoints by itself again, as SQLite does by default (if it is still open). */
function checkpointAsByDefault(database: SqliteDatabase.Database): void {
  if (database.open) database.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_DEFAULT_PAGES}`);
}
