import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isPostgresAvailable, testPostgresUrl } from '../../adapters/store/test-databases.js';
import { expectBastionRejection } from '../../lib/errors/test-helpers.js';
import { benchMachine, benchRatios, hostOperations, measureBenchFloor, measureCryptoFloor, measureDurableInsertFloor, terminalOperations } from './floor.js';
import { freshPostgresSchema } from './host-bench.js';

/** The floor's figures are measured, never asserted: only that they are there and make sense. */
const QUICK_MS = 40;
const postgres = await isPostgresAvailable();
const scratch = mkdtempSync(join(tmpdir(), 'bastion-floor-test-'));
afterAll(() => { rmSync(scratch, { recursive: true, force: true }); });

function expectPositive(...figures: number[]): void {
  for (const figure of figures) {
    expect(Number.isFinite(figure)).toBe(true);
    expect(figure).toBeGreaterThan(0);
  }
}

describe('the durable-insert floor', () => {
  it('commits rows one per transaction and in groups on a fresh SQLite file, and leaves nothing behind', async () => {
    const floor = await measureDurableInsertFloor({ kind: 'sqlite', directory: scratch }, { durationMs: QUICK_MS, rowsPerGroup: 8 });
    expect(floor).toMatchObject({ store: 'sqlite', rowsPerGroup: 8 });
    expectPositive(floor.durableCommitsPerSecond, floor.groupedRowsPerSecond);
    expect(readdirSync(scratch)).toEqual([]);
  });

  it('refuses a group size or duration out of bounds (BENCH_ERR_ARGUMENT)', async () => {
    await expectBastionRejection(measureDurableInsertFloor({ kind: 'sqlite', directory: scratch }, { rowsPerGroup: 0 }), 'BENCH_ERR_ARGUMENT', { argument: 'rowsPerGroup' });
    await expectBastionRejection(measureDurableInsertFloor({ kind: 'sqlite', directory: scratch }, { durationMs: 0.5 }), 'BENCH_ERR_ARGUMENT', { argument: 'durationMs' });
    await expectBastionRejection(measureDurableInsertFloor({ kind: 'postgres', url: testPostgresUrl }, { clients: 65 }), 'BENCH_ERR_ARGUMENT', { argument: 'clients' });
  });

  it.skipIf(!postgres)(`commits from one client and from several at once in a PostgreSQL schema, and drops its table${postgres ? '' : ' (SKIPPED: PostgreSQL not reachable)'}`, async () => {
    const database = await freshPostgresSchema(testPostgresUrl);
    try {
      const floor = await measureDurableInsertFloor({ kind: 'postgres', url: database.url }, { durationMs: QUICK_MS, clients: 4 });
      expect(floor).toMatchObject({ store: 'postgres', clients: 4 });
      expectPositive(floor.durableCommitsPerSecond, floor.groupedRowsPerSecond);
      expect(typeof floor.synchronousCommit).toBe('string');
      const { default: pg } = await import('pg');
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        const left = await client.query("select count(*)::int as tables from information_schema.tables where table_schema = current_schema() and table_name like 'bench_floor%'");
        expect(left.rows[0]).toEqual({ tables: 0 });
      } finally {
        await client.end();
      }
    } finally {
      await database.drop();
    }
  });

  it('reports a PostgreSQL it cannot reach as BENCH_ERR_HOST, naming no address or password', async () => {
    await expectBastionRejection(measureDurableInsertFloor({ kind: 'postgres', url: 'postgres://bench:s3cretpass@127.0.0.1:1/none' }, { durationMs: QUICK_MS, clients: 1 }), 'BENCH_ERR_HOST', {}, ['s3cretpass', '127.0.0.1']);
  });
});

describe('the crypto floor', () => {
  it('does every operation of both sides of a chip + PIN sale, its checks passing, at a positive rate', () => {
    const floor = measureCryptoFloor({ durationMs: QUICK_MS });
    expectPositive(floor.hostSalesPerSecond, floor.terminalSalesPerSecond, floor.bothSalesPerSecond);
    expect(floor.operationsPerSale).toEqual({ host: hostOperations.length, terminal: terminalOperations.length });
  });
});

describe('the bench floor', () => {
  it('puts the figures together, and the bench figure as a share of each', async () => {
    const floor = await measureBenchFloor({ kind: 'sqlite', directory: scratch }, { durationMs: QUICK_MS });
    expectPositive(floor.durableCommitsPerSecond, floor.groupedRowsPerSecond, floor.cryptoSalesPerSecondHost, floor.cryptoSalesPerSecondTerminal, floor.cryptoSalesPerSecondBoth);
    expect(floor.groupedBy).toEqual({ rowsPerTransaction: 64 });
    expect(benchRatios(floor.durableCommitsPerSecond / 2, floor)).toMatchObject({ ratioToCommitFloor: 0.5 });
    const ratios = benchRatios(100, { ...floor, groupedRowsPerSecond: 400, cryptoSalesPerSecondHost: 1000 });
    expect(ratios.ratioToGroupedFloor).toBe(0.25);
    expect(ratios.ratioToCryptoFloor).toBe(0.1);
  });

  it('describes the machine', () => {
    const machine = benchMachine();
    expectPositive(machine.cpus, machine.memoryBytes);
    expect(machine.node).toBe(process.version);
    expect(machine.platform.startsWith(process.platform)).toBe(true);
  });
});
