import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { threadId, Worker } from 'node:worker_threads';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectBastionError } from '../../lib/errors/test-helpers.js';
import { openStore } from './open-store.js';
import { ConnectionWriteTurn, SharedWriteTurn, WRITE_TURN_TICKETS_MAX } from './write-turn.js';

/**
 * Workers run the built modules (dist/, `npm run build` first, as `npm test` does): a worker
 * thread does not get the test runner's TypeScript transform.
 */
function builtModule(name: string): string {
  const path = fileURLToPath(new URL(`../../../dist/adapters/store/${name}.js`, import.meta.url));
  if (!existsSync(path)) throw new Error(`dist/adapters/store/${name}.js is missing: run \`npm run build\` before these tests`);
  return path;
}

/**
 * A worker running `body` (CommonJS, inside an async function) with `workerData`. The body sets
 * itself up, then calls `await ready()`, which tells the test it is ready and returns on 'go'.
 */
function startWorker(body: string, workerData: Record<string, unknown>): Worker {
  const source = `
const { workerData, parentPort, threadId } = require('node:worker_threads');
const ready = () => new Promise((resolve) => { parentPort.once('message', resolve); parentPort.postMessage('ready'); });
(async () => { ${body} })().catch((error) => { parentPort.postMessage({ failed: String(error && error.stack || error) }); });
`;
  return new Worker(source, { eval: true, workerData, env: {}, execArgv: [] });
}

function nextMessage(worker: Worker): Promise<unknown> {
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

/** Starts the workers together (once each is ready) and returns their last messages. */
async function runTogether(workers: readonly Worker[]): Promise<unknown[]> {
  await Promise.all(workers.map(nextMessage));
  const results = workers.map(nextMessage);
  for (const worker of workers) worker.postMessage('go');
  try {
    return await Promise.all(results);
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

/** Whether `promise` settles within a few turns of the event loop. */
async function settlesSoon(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(() => { settled = true; }, () => { settled = true; });
  await new Promise((resolve) => setTimeout(resolve, 50));
  return settled;
}

/**
 * Each round: take the turn, read the shared counter, wait a millisecond or two, write it + 1, log
 * this thread's id, give the turn up, and at once ask for the next one. Every worker has asked for
 * its first turn before any starts its first round (a barrier). Without a real lock
 * (`locked: false`), rounds of different threads overlap and lose increments.
 */
const countingRounds = `
const { SharedWriteTurn } = await import(workerData.module);
const turn = workerData.locked ? SharedWriteTurn.attach(workerData.turn) : { acquire: async () => undefined, release: () => undefined };
const counter = new Int32Array(workerData.counter);
const log = new Int32Array(workerData.log);
const started = new Int32Array(workerData.started);
await ready();
let myTurn = turn.acquire();
Atomics.add(started, 0, 1);
Atomics.notify(started, 0);
for (let seen = Atomics.load(started, 0); seen < workerData.workers; seen = Atomics.load(started, 0)) Atomics.wait(started, 0, seen);
for (let round = 0; round < workerData.rounds; round += 1) {
  await myTurn;
  const seen = counter[0];
  await new Promise((resolve) => setTimeout(resolve, 2));
  counter[0] = seen + 1;
  log[1 + Atomics.add(log, 0, 1)] = threadId;
  turn.release();
  if (round + 1 < workerData.rounds) myTurn = turn.acquire();
}
parentPort.postMessage('done');
`;

const WORKERS = 3;
const ROUNDS = 60;

async function countInWorkers(locked: boolean): Promise<{ count: number; turns: number[] }> {
  const turn = SharedWriteTurn.create();
  const counter = new SharedArrayBuffer(4);
  const log = new SharedArrayBuffer(4 * (1 + WORKERS * ROUNDS));
  const started = new SharedArrayBuffer(4);
  const workers = Array.from({ length: WORKERS }, () =>
    startWorker(countingRounds, { module: builtModule('write-turn'), locked, turn: turn.buffer, counter, log, started, workers: WORKERS, rounds: ROUNDS }),
  );
  expect(await runTogether(workers)).toEqual(Array.from({ length: WORKERS }, () => 'done'));
  const logged = new Int32Array(log);
  return { count: new Int32Array(counter)[0] ?? 0, turns: Array.from(logged.subarray(1, 1 + (logged[0] ?? 0))) };
}

/**
 * First come, first served: every thread asks for its first turn before any round starts, and
 * asks again as soon as it gives its turn up, so the turns go round the threads in a fixed order
 * until one has no rounds left. An unfair lock lets the thread that just gave the turn up take it
 * back while the others wait.
 */
function turnsGoRound(turns: readonly number[]): boolean {
  if (new Set(turns.slice(0, WORKERS)).size !== WORKERS) return false;
  const firstDone = Math.min(...[...new Set(turns)].map((holder) => turns.lastIndexOf(holder)));
  for (let index = WORKERS; index <= firstDone; index += 1) {
    if (turns[index] !== turns[index - WORKERS]) return false;
  }
  return true;
}

describe('SharedWriteTurn across worker threads', () => {
  it('lets one thread at a time through, in turn: a read-await-write counter loses no increment', async () => {
    const { count, turns } = await countInWorkers(true);
    expect(count).toBe(WORKERS * ROUNDS);
    expect(turns).toHaveLength(WORKERS * ROUNDS);
    expect(turnsGoRound(turns), turns.join(" ")).toBe(true);
  });

  it('(control) the same workers without the turn lose increments', async () => {
    const { count, turns } = await countInWorkers(false);
    expect(turns).toHaveLength(WORKERS * ROUNDS);
    expect(count).toBeLessThan(WORKERS * ROUNDS);
  });

  it('releaseIfHolder passes on the turn of a worker terminated while holding it', async () => {
    const turn = SharedWriteTurn.create();
    const worker = startWorker(
      `const { SharedWriteTurn } = await import(workerData.module);
       await ready();
       await SharedWriteTurn.attach(workerData.turn).acquire();
       parentPort.postMessage('held');
       setInterval(() => undefined, 1000);`,
      { module: builtModule('write-turn'), turn: turn.buffer },
    );
    await nextMessage(worker);
    const held = nextMessage(worker);
    worker.postMessage('go');
    expect(await held).toBe('held');
    const deadId = worker.threadId;
    expect(turn.holder).toBe(deadId);
    const mine = turn.acquire();
    expect(await settlesSoon(mine)).toBe(false);
    await worker.terminate();
    expect(await settlesSoon(mine)).toBe(false);
    expect(turn.releaseIfHolder(deadId)).toBe(true);
    await mine;
    expect(turn.holder).toBe(threadId);
    turn.release();
    expect(turn.holder).toBeUndefined();
  });

  it('releaseIfHolder withdraws the ticket of a worker terminated while waiting for the turn', async () => {
    const turn = SharedWriteTurn.create();
    await turn.acquire();
    const worker = startWorker(
      `const { SharedWriteTurn } = await import(workerData.module);
       await ready();
       void SharedWriteTurn.attach(workerData.turn).acquire();
       parentPort.postMessage('queued');`,
      { module: builtModule('write-turn'), turn: turn.buffer },
    );
    await nextMessage(worker);
    const queued = nextMessage(worker);
    worker.postMessage('go');
    expect(await queued).toBe('queued');
    const deadId = worker.threadId;
    // Behind the dead worker's ticket.
    const next = turn.acquire();
    await worker.terminate();
    expect(turn.releaseIfHolder(deadId)).toBe(true);
    expect(turn.releaseIfHolder(deadId)).toBe(false);
    turn.release();
    await next;
    expect(turn.holder).toBe(threadId);
    turn.release();
  });
});

describe('SharedWriteTurn in one thread', () => {
  it('gives turns in the order asked for, and at once when free', async () => {
    const turn = SharedWriteTurn.create();
    const order: number[] = [];
    const asks = [0, 1, 2].map(async (index) => {
      await turn.acquire();
      order.push(index);
      await new Promise((resolve) => setImmediate(resolve));
      turn.release();
    });
    await Promise.all(asks);
    expect(order).toEqual([0, 1, 2]);
    expect(turn.holder).toBeUndefined();
  });

  it('serves more waiters than it has tickets, one at a time', async () => {
    const turn = SharedWriteTurn.create();
    let inside = 0;
    let most = 0;
    let served = 0;
    const waiters = 2 * WRITE_TURN_TICKETS_MAX + 10;
    await Promise.all(
      Array.from({ length: waiters }, async () => {
        await turn.acquire();
        inside += 1;
        most = Math.max(most, inside);
        await Promise.resolve();
        inside -= 1;
        served += 1;
        turn.release();
      }),
    );
    expect(served).toBe(waiters);
    expect(most).toBe(1);
  });

  it('refuses a release by a thread that does not hold the turn, and a buffer that is not a turn', () => {
    const turn = SharedWriteTurn.create();
    expect(() => { turn.release(); }).toThrow(/does not hold/);
    expectBastionError(() => SharedWriteTurn.attach(new SharedArrayBuffer(16)), 'STORE_ERR_CONFIG', { argument: 'sqliteWriteTurn' });
  });
});

interface CounterTables {
  turn_counter: { id: number; value: bigint };
}

/**
 * A store per worker on one SQLite file: waves of concurrent read-await-write units, each adding
 * one to a counter row. Posts the codes of the units that failed. With \`busyTimeoutMs\`, the store's
 * connection waits that long for SQLite's lock (0: fails at once where it would have slept).
 */
const storeUnits = `
const { openStore } = await import(workerData.module);
const { sql } = require(workerData.kysely);
const store = openStore({ sqliteFile: workerData.file }, workerData.turn === undefined ? {} : { sqliteWriteTurn: workerData.turn });
if (workerData.busyTimeoutMs !== undefined) await sql.raw('pragma busy_timeout = ' + workerData.busyTimeoutMs).execute(store.db());
await ready();
const failures = [];
for (let wave = 0; wave < workerData.waves; wave += 1) {
  await Promise.all(Array.from({ length: workerData.units }, (_, unit) => {
    const increment = async (trx) => {
      const row = await trx.selectFrom('turn_counter').select('value').where('id', '=', 1).executeTakeFirstOrThrow();
      await new Promise((resolve) => setImmediate(resolve));
      await trx.updateTable('turn_counter').set({ value: row.value + 1n }).where('id', '=', 1).execute();
    };
    // Group-committed units, plain transactions, and single statements outside any transaction.
    const kind = workerData.mixed ? unit % 3 : 0;
    const write = kind === 0 ? store.transact(increment)
      : kind === 1 ? store.db().transaction().execute(increment)
      : sql\`update turn_counter set value = value + 1 where id = 1\`.execute(store.db());
    return write.catch((error) => { failures.push(String(error && error.code || error)); });
  }));
}
await store.close();
parentPort.postMessage({ failures });
`;

describe('stores in several threads sharing a write turn (SQLite)', () => {
  const STORE_WORKERS = 3;
  const WAVES = 8;
  const UNITS = 25;
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bastion-turn-'));
    file = join(dir, 'turn.sqlite');
    const store = openStore({ sqliteFile: file });
    await sql`create table turn_counter (id integer primary key, value integer not null)`.execute(store.db());
    await store.db<CounterTables>().insertInto('turn_counter').values({ id: 1, value: 0n }).execute();
    await store.close();
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  async function runStores(turn: SharedArrayBuffer | undefined, busyTimeoutMs?: number, mixed = false): Promise<{ failures: string[]; value: bigint }> {
    const kysely = createRequire(import.meta.url).resolve('kysely');
    const workers = Array.from({ length: STORE_WORKERS }, () =>
      startWorker(storeUnits, { module: builtModule('open-store'), kysely, file, turn, busyTimeoutMs, waves: WAVES, units: UNITS, mixed }),
    );
    const results = (await runTogether(workers)) as { failures?: string[]; failed?: string }[];
    expect(results.flatMap((result) => (result.failed === undefined ? [] : [result.failed]))).toEqual([]);
    const store = openStore({ sqliteFile: file });
    try {
      const row = await store.db<CounterTables>().selectFrom('turn_counter').select('value').where('id', '=', 1).executeTakeFirstOrThrow();
      return { failures: results.flatMap((result) => result.failures ?? []), value: row.value };
    } finally {
      await store.close();
    }
  }

  it('commits every unit of every thread, and the threads never meet SQLite\'s lock held by each other', async () => {
    // No busy handler at all: a transaction that found the lock taken would fail at once with SQLITE_BUSY.
    const { failures, value } = await runStores(SharedWriteTurn.create().buffer, 0);
    expect(failures).toEqual([]);
    expect(value).toBe(BigInt(STORE_WORKERS * WAVES * UNITS));
  });

  it('takes turns for plain transactions and single writes too, not only for group-committed units', async () => {
    const { failures, value } = await runStores(SharedWriteTurn.create().buffer, 0, true);
    expect(failures).toEqual([]);
    expect(value).toBe(BigInt(STORE_WORKERS * WAVES * UNITS));
  });

  it('(control) without the turn, units fail with SQLITE_BUSY', async () => {
    const { failures, value } = await runStores(undefined);
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.every((code) => code.startsWith('SQLITE_BUSY'))).toBe(true);
    expect(value).toBe(BigInt(STORE_WORKERS * WAVES * UNITS - failures.length));
  });
});

describe('ConnectionWriteTurn', () => {
  it('asks for the shared turn once for every holder in this thread, and gives it back with the last', async () => {
    const shared = SharedWriteTurn.create();
    const other = SharedWriteTurn.attach(shared.buffer);
    const connection = new ConnectionWriteTurn(shared);
    await other.acquire();
    const first = connection.acquire();
    const second = connection.acquire();
    let granted = 0;
    void first.then(() => { granted += 1; });
    void second.then(() => { granted += 1; });
    await new Promise((resolve) => setImmediate(resolve));
    // Both wait for the one ticket this thread took, behind the turn held elsewhere.
    expect(granted).toBe(0);
    other.release();
    await Promise.all([first, second]);
    expect(granted).toBe(2);
    connection.release();
    // One holder left: the shared turn is still this thread's.
    expect(shared.holder).toBe(threadId);
    connection.release();
    expect(shared.holder).toBeUndefined();
    expect(() => { connection.release(); }).toThrow('does not hold');
  });
});
