import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPostgresAvailable, testPostgresUrl } from '../../adapters/store/test-databases.js';
import type { LedgerTables } from '../../domain/ledger/tables.js';
import { benchCommand } from '../cli/bench/bench-command.js';
import { memoryIo } from '../cli/test-io.js';
import { openConfiguredStore } from '../cli/store/configured-store.js';
import { benchCard } from './bench-fleet.js';
import { CrashBook } from './crash-book.js';
import { checkCrashRun, type CrashCheck } from './crash-check.js';
import { runCrashTest, type CrashTestResult, type KeptRun } from './crash-test.js';

/**
 * The crash test against real `bastion serve` child processes (bin/bastion.js runs dist/, so
 * `npm run build` first, as `npm test` does). Two rounds each: enough for a kill, a restart and
 * the reversals of the first round's unanswered sales at the start of the second.
 */
const RUN_TIMEOUT_MS = 90_000;
const postgres = await isPostgresAvailable();

function keptOf(run: CrashTestResult | undefined): KeptRun {
  if (run?.kept === undefined) throw new Error('the run kept nothing');
  return run.kept;
}

function copyOf(book: CrashBook): CrashBook {
  const copy = new CrashBook();
  copy.approvals.push(...book.approvals);
  copy.declines.push(...book.declines);
  copy.unanswered.push(...book.unanswered.map((sale) => ({ ...sale })));
  for (const [terminal, card] of book.cardOf) copy.cardOf.set(terminal, card);
  for (const [card, balance] of book.initialBalances) copy.initialBalances.set(card, balance);
  return copy;
}

async function check(kept: KeptRun, book: CrashBook): Promise<CrashCheck> {
  const { store } = await openConfiguredStore(kept.environment);
  try {
    return await checkCrashRun(store, book, { chainKey: kept.chainKey });
  } finally {
    await store.close();
  }
}

function failed(result: CrashCheck): string[] {
  return result.invariants.filter((invariant) => !invariant.ok).map((invariant) => invariant.invariant);
}

function expectAllHold(run: CrashTestResult): void {
  expect(run.check.invariants.filter((invariant) => !invariant.ok)).toEqual([]);
  expect(run.check.ok).toBe(true);
  expect(run.rounds).toHaveLength(2);
  expect(run.approved).toBeGreaterThan(0);
  expect(run.sent).toBe(run.approved + run.declined + run.unanswered);
  expect(run.reversals).toBe(run.unanswered);
  expect({ lost: run.check.lost, duplicates: run.check.duplicates, halfDone: run.check.halfDone, unbalanced: run.check.unbalanced }).toEqual({ lost: 0, duplicates: 0, halfDone: 0, unbalanced: 0 });
}

describe('bench crash on SQLite: kill -9 under load, restart, check', () => {
  let run: CrashTestResult | undefined;
  beforeAll(async () => {
    run = await runCrashTest({ io: memoryIo(), rounds: 2, seed: 20_261_121, terminals: 4, nodes: 1, keep: true });
  }, RUN_TIMEOUT_MS);
  afterAll(async () => {
    await run?.kept?.dispose();
  });

  it('every invariant holds, and each round reports its seed (round 1 the run\'s)', () => {
    if (run === undefined) throw new Error('no run');
    expectAllHold(run);
    expect(run.seed).toBe(20_261_121);
    expect(run.rounds[0]?.seed).toBe(20_261_121);
    expect(run.rounds[1]?.seed).not.toBe(20_261_121);
    expect(run.rounds.map((round) => round.killed)).toEqual([[1], [1]]);
  });

  it('the checker reports an approval the host never recorded as lost, naming terminal and trace and no card data', async () => {
    const kept = keptOf(run);
    const book = copyOf(kept.book);
    const terminalId = kept.book.approvals[0]?.terminalId ?? '';
    book.approvals.push({ terminalId, trace: '999999', amountMinor: 1_234n, rrn: '000000999999', authCode: '123456', round: 2 });
    const result = await check(kept, book);
    expect(result.ok).toBe(false);
    expect(result.lost).toBe(1);
    expect(failed(result)).toEqual(['approvals-recorded-once', 'money-conserved']);
    const text = JSON.stringify(result.invariants, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
    expect(text).toContain(`terminal ${terminalId} trace 999999`);
    for (let index = 0; index < 4; index++) expect(text).not.toContain(benchCard(index).pan);
  });

  it('the checker reports an approval the terminal never got as half-done, and the money as not conserved', async () => {
    const kept = keptOf(run);
    const book = copyOf(kept.book);
    const [taken] = book.approvals.splice(0, 1);
    if (taken === undefined) throw new Error('no approval');
    book.unanswered.push({ terminalId: taken.terminalId, trace: taken.trace, amountMinor: taken.amountMinor, round: taken.round, reversed: true, pending: { trace: taken.trace, batchNumber: '000001', processingCode: '000000', typeCode: '22', amountMinor: String(taken.amountMinor).padStart(12, '0'), entryMode: '051', currency: '156' } });
    const result = await check(kept, book);
    expect(failed(result)).toEqual(['nothing-half-done', 'money-conserved']);
    expect(result.halfDone).toBeGreaterThanOrEqual(2);
    expect(result.invariants.find((invariant) => invariant.invariant === 'nothing-half-done')?.violations.join('\n')).toContain(`terminal ${taken.terminalId} trace ${taken.trace}`);
  });

  it('the checker reports a ledger entry removed from the store as lost', async () => {
    const kept = keptOf(run);
    const approval = kept.book.approvals.at(-1);
    if (approval === undefined) throw new Error('no approval');
    const { store } = await openConfiguredStore(kept.environment);
    try {
      const db = store.db<LedgerTables>();
      const entry = await db.selectFrom('ledger_entries').select('id').where('idempotency_key', 'like', `host.sale.${approval.terminalId}.%.${approval.trace}`).executeTakeFirstOrThrow();
      await db.deleteFrom('ledger_postings').where('entry_id', '=', entry.id).execute();
      await db.deleteFrom('ledger_entries').where('id', '=', entry.id).execute();
    } finally {
      await store.close();
    }
    const result = await check(kept, kept.book);
    expect(result.lost).toBe(1);
    expect(failed(result)).toContain('approvals-recorded-once');
    expect(failed(result)).toContain('money-conserved');
  });
});

describe.skipIf(!postgres)(`bench crash on PostgreSQL with two nodes (${postgres ? testPostgresUrl : `SKIPPED: PostgreSQL not reachable at ${testPostgresUrl}`})`, () => {
  it('every invariant holds with terminals spread over two nodes, one or both killed per round', async () => {
    const run = await runCrashTest({ io: memoryIo(), rounds: 2, seed: 7, terminals: 4, nodes: 2, databaseUrl: testPostgresUrl });
    expectAllHold(run);
    expect(run.store).toBe('postgres');
    expect(run.nodes).toBe(2);
  }, RUN_TIMEOUT_MS);
});

describe('bastion bench crash (the command)', () => {
  it('prints the seed, every round and each invariant, and exits 0 when all hold', async () => {
    const io = memoryIo();
    let exit = -1;
    await benchCommand(io, (code) => { exit = code; }, {}).parseAsync(['crash', '--rounds', '1', '--terminals', '2', '--seed', '5'], { from: 'user' });
    expect(exit).toBe(0);
    expect(io.err()).toMatch(/^round {3}1 {2}seed 5 {2}killed node 1 after \d+ ms: \d+ sent/m);
    expect(io.out()).toContain('seed 5');
    expect(io.out()).toMatch(/ok {4}approvals-recorded-once/);
    expect(io.out()).toContain('0 lost, 0 duplicates, 0 half-done, 0 unbalanced');
    expect(io.out()).toContain('all invariants hold');
  }, RUN_TIMEOUT_MS);

  it('refuses a seed out of range and two nodes without PostgreSQL (BENCH_ERR_ARGUMENT)', async () => {
    for (const args of [['--seed', '4294967296'], ['--seed', 'x'], ['--nodes', '2'], ['--rounds', '0']]) {
      const io = memoryIo();
      let exit = -1;
      await benchCommand(io, (code) => { exit = code; }, {}).parseAsync(['crash', ...args], { from: 'user' });
      expect(exit).toBe(2);
      expect(io.err()).toContain('error BENCH_ERR_ARGUMENT:');
    }
  });
});
