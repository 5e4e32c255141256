import type { Command } from 'commander';
import type { CrashRoundReport, CrashTestResult } from '../../bench/crash-test.js';
import { runCrashTest } from '../../bench/crash-test.js';
import { SEED_MAX } from '../../bench/crash-seed.js';
import { reportCommandFailure } from '../command-failure.js';
import { wholeNumber } from './bench-arguments.js';
import type { CliIo } from '../io.js';

interface CrashFlags {
  readonly rounds: string;
  readonly seed?: string;
  readonly terminals: string;
  readonly nodes: string;
  readonly json?: boolean;
  readonly keep?: boolean;
}

/** Exit status of a run that found a violated invariant (a coded error is 2, as everywhere). */
export const exitInvariantViolated = 1;

/** `bastion bench crash`: SIGKILL under load, restart, and the check that nothing was lost or done twice. */
export function addCrashCommand(bench: Command, io: CliIo, setExit: (code: number) => void, environment: NodeJS.ProcessEnv): void {
  bench
    .command('crash')
    .description(
      'rounds of chip + PIN load against bastion serve child processes, each ended by SIGKILL at a moment drawn from the seed; after restarts and reversals, checks that every approval a terminal received is recorded and posted exactly once, nothing unanswered is left half-done, the ledger balances, the audit chain verifies and the money adds up; exits 1 naming any violation',
    )
    .option('--rounds <count>', 'kill-and-restart rounds', '20')
    .option('--seed <n>', `replay the kill moments, victims and amounts of a run (0 to ${SEED_MAX}; printed by every run)`)
    .option('--terminals <count>', 'load terminals, each on its own connection, card and keys', '16')
    .option('--nodes <count>', 'host processes on one PostgreSQL (DATABASE_URL), terminals spread over them; a round kills one or all', '1')
    .option('--json', 'print one JSON object and nothing else on stdout')
    .option('--keep', 'keep the data directory (and PostgreSQL schema) for inspection, and print where they are')
    .action(async (flags: CrashFlags) => {
      try {
        const url = environment['DATABASE_URL'];
        const seed = flags.seed === undefined ? undefined : wholeNumber(flags.seed, '--seed', 0, SEED_MAX);
        const result = await runCrashTest({
          io,
          rounds: wholeNumber(flags.rounds, '--rounds', 1, 10_000),
          terminals: wholeNumber(flags.terminals, '--terminals', 1, 4096),
          nodes: wholeNumber(flags.nodes, '--nodes', 1, 16),
          ...(seed === undefined ? {} : { seed }),
          ...(url === undefined || url === '' ? {} : { databaseUrl: url }),
          onRound: (round) => { io.stderr(formatRound(round)); },
          ...(flags.keep === true ? { keep: true } : {}),
        });
        if (result.kept !== undefined) io.stderr(`kept: BASTION_DATA_DIR=${result.kept.environment['BASTION_DATA_DIR'] ?? ''}${result.kept.environment['DATABASE_URL'] === undefined ? '' : ` DATABASE_URL=${result.kept.environment['DATABASE_URL']}`}\n`);
        io.stdout(flags.json === true ? `${JSON.stringify({ ...result, kept: undefined }, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value))}\n` : formatCrashTest(result));
        setExit(result.check.ok ? 0 : exitInvariantViolated);
      } catch (error) {
        reportCommandFailure(io, setExit, error);
      }
    });
}

export function formatRound(round: CrashRoundReport): string {
  return `round ${String(round.round).padStart(3)}  seed ${round.seed}  killed node ${round.killed.join('+')} after ${round.killAfterMs} ms: ${round.sent} sent, ${round.approved} approved, ${round.declined} declined, ${round.unanswered} unanswered; ${round.reversals} reversals (${round.lateTerminals} terminal(s) reversing into the kill, ${round.lateCutOff} cut off), ${round.reversalsOwed} owed\n`;
}

export function formatCrashTest(result: CrashTestResult): string {
  const { check } = result;
  const lines = [
    `Crash test: ${result.store}, ${result.nodes} node(s), ${result.terminals} terminals, ${result.rounds.length} rounds, seed ${result.seed}`,
    `  sales:      ${result.sent} sent, ${result.approved} approved, ${result.declined} declined, ${result.unanswered} unanswered`,
    `  reversals:  ${result.reversals} answered 00; ${result.signIns} sign-in(s) after the first`,
    `  unanswered: ${check.unansweredOutcomes.approvedThenReversed} approved at the host and reversed, ${check.unansweredOutcomes.reversedUnseen} never recorded (reversed unseen), ${check.unansweredOutcomes.declined} recorded declined`,
    `  found:      ${check.lost} lost, ${check.duplicates} duplicates, ${check.halfDone} half-done, ${check.unbalanced} unbalanced (${check.ledgerEntriesChecked} ledger entries, ${check.auditRowsChecked} audit rows checked)`,
  ];
  const logErrors = Object.entries(result.hostLogErrors);
  lines.push(`  host log:   ${logErrors.length === 0 ? 'no errors' : logErrors.map(([message, count]) => `${message} × ${count}`).join(', ')}`);
  lines.push(`  restarts:   ${result.hostStartFailures.length === 0 ? 'every node started at the first attempt' : `${result.hostStartFailures.length} failed start(s), tried again: ${result.hostStartFailures.join('; ')}`}`);
  for (const invariant of check.invariants) {
    lines.push(`  ${invariant.ok ? 'ok  ' : 'FAIL'}  ${invariant.invariant}${invariant.ok ? '' : ` (${invariant.violationCount} violation(s))`}`);
    for (const violation of invariant.violations) lines.push(`          ${violation}`);
  }
  lines.push(check.ok ? '  all invariants hold' : `  INVARIANTS VIOLATED: replay with --seed ${result.seed} --rounds ${result.rounds.length} --terminals ${result.terminals} --nodes ${result.nodes}`, '');
  return lines.join('\n');
}
