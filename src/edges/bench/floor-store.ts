import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { BastionError } from '../../lib/errors/index.js';

/** Where the durable-insert floor is measured: the disk the host's SQLite file is on, or its PostgreSQL. */
export type FloorStore = { readonly kind: 'sqlite'; readonly directory: string } | { readonly kind: 'postgres'; readonly url: string };

/** What the store can commit at best, for rows the size of a sale's. */
export interface DurableInsertFloor {
  readonly store: 'sqlite' | 'postgres';
  /** One row per transaction, one after the other, each commit durable: the fsync floor. */
  readonly durableCommitsPerSecond: number;
  /** Rows per second when commits are shared: `rowsPerGroup` rows per transaction (SQLite) or `clients` at once (PostgreSQL). */
  readonly groupedRowsPerSecond: number;
  readonly rowsPerGroup?: number;
  readonly clients?: number;
  /** PostgreSQL's synchronous_commit: a floor measured with it off is not a durable one. */
  readonly synchronousCommit?: string;
}

export interface DurableInsertFloorOptions {
  /** Measured milliseconds per figure (default 1000). */
  readonly durationMs?: number;
  /** SQLite: rows per grouped transaction (default 64). */
  readonly rowsPerGroup?: number;
  /** PostgreSQL: concurrent clients for the grouped figure (default 16). */
  readonly clients?: number;
}

const DURATION_MS_DEFAULT = 1000;
const ROWS_PER_GROUP_DEFAULT = 64;
const ROWS_PER_GROUP_MAX = 10_000;
const CLIENTS_DEFAULT = 16;
const CLIENTS_MAX = 64;
/** Bytes of the stored reply: with the other columns a row is about 300 bytes, as a sale's record and ledger entry. */
const RESPONSE_BYTES = 160;
const FLOOR_TABLE = 'bench_floor_rows';

/**
 * The "equivalent bare insert": one row shaped as the host's transaction record — terminal,
 * merchant, batch, trace, class, amount, PAN id, RRN, codes, time and the reply's bytes, about
 * 300 bytes — with the host's two unique keys (terminal + batch + trace + class; RRN) and one more
 * index (time). No reads, no ledger, no pipeline: what the database can commit at best.
 */
function floorRow(n: number, response: Buffer): readonly (string | number | bigint | Buffer)[] {
  return [
    `9${String(n % 4096).padStart(7, '0')}`,
    '898310099990001',
    '000001',
    String(n).padStart(12, '0'),
    'financial',
    'sale',
    BigInt(100 + (n % 9900)),
    '156',
    `pan_${String(n % 4096).padStart(28, '0')}`,
    String(n).padStart(12, '0'),
    '123456',
    '00',
    BigInt(Date.now()),
    response,
  ];
}

const columns = 'terminal_id, merchant_id, batch_number, trace, request_class, kind, amount_minor, currency, pan_id, rrn, auth_code, response_code, created_at_ms, response';

function createTableSql(dialect: 'sqlite' | 'postgres'): readonly string[] {
  const id = dialect === 'sqlite' ? 'integer primary key autoincrement' : 'bigint generated always as identity primary key';
  const bytes = dialect === 'sqlite' ? 'blob' : 'bytea';
  return [
    `create table ${FLOOR_TABLE} (id ${id}, terminal_id text not null, merchant_id text not null, batch_number text not null, trace text not null, request_class text not null, kind text not null, amount_minor bigint not null, currency text not null, pan_id text, rrn text not null unique, auth_code text, response_code text not null, created_at_ms bigint not null, response ${bytes} not null, unique (terminal_id, batch_number, trace, request_class))`,
    `create index ${FLOOR_TABLE}_created on ${FLOOR_TABLE} (created_at_ms)`,
  ];
}

function boundedWhole(value: number, argument: string, max: number): number {
  if (!Number.isInteger(value) || value < 1 || value > max) throw new BastionError('BENCH_ERR_ARGUMENT', `${argument} must be a whole number from 1 to ${max}`, { argument });
  return value;
}

/**
 * Durable commits per second of the equivalent bare insert on `store`, measured now: SQLite in a
 * fresh file next to the host's (WAL, synchronous = FULL, as `openStore` opens it) through one
 * prepared statement; PostgreSQL in a table of its own in the given database (its schema), with
 * one client, then with `clients` at once. Everything it makes is removed after.
 */
export async function measureDurableInsertFloor(store: FloorStore, options: DurableInsertFloorOptions = {}): Promise<DurableInsertFloor> {
  const durationMs = options.durationMs ?? DURATION_MS_DEFAULT;
  boundedWhole(durationMs, 'durationMs', 600_000);
  if (store.kind === 'sqlite') return measureSqlite(store.directory, durationMs, boundedWhole(options.rowsPerGroup ?? ROWS_PER_GROUP_DEFAULT, 'rowsPerGroup', ROWS_PER_GROUP_MAX));
  return measurePostgres(store.url, durationMs, boundedWhole(options.clients ?? CLIENTS_DEFAULT, 'clients', CLIENTS_MAX));
}

function measureSqlite(directory: string, durationMs: number, rowsPerGroup: number): DurableInsertFloor {
  const folder = mkdtempSync(join(directory, 'floor-'));
  const database = new SqliteDatabase(join(folder, 'floor.sqlite'));
  try {
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = FULL');
    database.pragma('foreign_keys = ON');
    for (const statement of createTableSql('sqlite')) database.exec(statement);
    const insert = database.prepare(`insert into ${FLOOR_TABLE} (${columns}) values (${columns.split(',').map(() => '?').join(', ')})`);
    const response = randomBytes(RESPONSE_BYTES);
    let n = 0;
    const commitOne = database.transaction(() => { insert.run(...floorRow(n++, response)); });
    const commitGroup = database.transaction(() => {
      for (let i = 0; i < rowsPerGroup; i++) insert.run(...floorRow(n++, response));
    });
    for (let i = 0; i < 8; i++) commitOne();
    const commits = repeatFor(durationMs, () => { commitOne(); });
    const groups = repeatFor(durationMs, () => { commitGroup(); });
    return { store: 'sqlite', durableCommitsPerSecond: commits, groupedRowsPerSecond: groups * rowsPerGroup, rowsPerGroup };
  } finally {
    database.close();
    rmSync(folder, { recursive: true, force: true });
  }
}

/** How many times per second `work` ran, run for `durationMs` (at least once). */
function repeatFor(durationMs: number, work: () => void): number {
  const startedAt = performance.now();
  let count = 0;
  let now = startedAt;
  do {
    work();
    count++;
    now = performance.now();
  } while (now - startedAt < durationMs);
  return count / ((now - startedAt) / 1000);
}

async function measurePostgres(url: string, durationMs: number, clientCount: number): Promise<DurableInsertFloor> {
  const { default: pg } = await import('pg');
  const clients = Array.from({ length: clientCount }, () => new pg.Client({ connectionString: url }));
  const [first] = clients;
  if (first === undefined) throw new BastionError('BENCH_ERR_ARGUMENT', 'the PostgreSQL floor needs a client', { argument: 'clients' });
  let created = false;
  try {
    await Promise.all(clients.map((client) => client.connect()));
    await first.query(`drop table if exists ${FLOOR_TABLE}`);
    for (const statement of createTableSql('postgres')) await first.query(statement);
    created = true;
    const text = `insert into ${FLOOR_TABLE} (${columns}) values (${columns.split(',').map((_, index) => `$${index + 1}`).join(', ')})`;
    const response = randomBytes(RESPONSE_BYTES);
    let n = 0;
    // Each statement outside a transaction is its own transaction, committed (and flushed) before it returns.
    const insertOne = async (client: InstanceType<typeof pg.Client>): Promise<void> => {
      await client.query({ name: 'bench_floor_insert', text, values: floorRow(n++, response).map((value) => (typeof value === 'bigint' ? value.toString() : value)) });
    };
    for (let i = 0; i < 8; i++) await insertOne(first);
    const setting = await first.query<{ synchronous_commit: string }>('show synchronous_commit');
    const loop = async (client: InstanceType<typeof pg.Client>, endsAt: number): Promise<number> => {
      let count = 0;
      while (performance.now() < endsAt) {
        await insertOne(client);
        count++;
      }
      return count;
    };
    const timed = async (group: readonly InstanceType<typeof pg.Client>[]): Promise<number> => {
      const startedAt = performance.now();
      const counts = await Promise.all(group.map((client) => loop(client, startedAt + durationMs)));
      return counts.reduce((sum, count) => sum + count, 0) / ((performance.now() - startedAt) / 1000);
    };
    const durableCommitsPerSecond = await timed([first]);
    const groupedRowsPerSecond = await timed(clients);
    return { store: 'postgres', durableCommitsPerSecond, groupedRowsPerSecond, clients: clientCount, synchronousCommit: setting.rows[0]?.synchronous_commit ?? 'unknown' };
  } catch (error) {
    if (error instanceof BastionError) throw error;
    throw new BastionError('BENCH_ERR_HOST', `PostgreSQL at DATABASE_URL is not usable for the bench's floor: ${(error as { code?: string }).code ?? 'unreachable'}`, {});
  } finally {
    if (created) await first.query(`drop table if exists ${FLOOR_TABLE}`).catch(() => undefined);
    await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
  }
}
