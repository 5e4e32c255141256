import { randomInt } from 'node:crypto';
import type { Command } from 'commander';
import { runChannelFuzz, type ChannelFuzzOptions, type ChannelFuzzResult } from '../../bench/channel-fuzz.js';
import type { LoadResult } from '../../bench/load-run.js';
import { reportCommandFailure } from '../command-failure.js';
import { wholeNumber } from './bench-arguments.js';
import type { CliIo } from '../io.js';

interface FuzzFlags {
  readonly frames: string;
  readonly fuzzers: string;
  readonly terminals: string;
  readonly rate: string;
  readonly baseline: string;
  readonly seed?: string;
  readonly json?: boolean;
}

/** Exit status of a run in which the host crashed or an honest sale was not approved (a coded error is 2). */
export const exitFuzzFailed = 1;
export const FUZZ_FRAMES_MAX = 100_000_000;
export const FUZZ_SEED_MAX = 0xffff_ffff;

/** The run's options from the flags (BENCH_ERR_ARGUMENT naming the flag out of range). */
export function fuzzOptionsOf(flags: FuzzFlags): Omit<ChannelFuzzOptions, 'io' | 'onProgress' | 'databaseUrl'> {
  return {
    frames: wholeNumber(flags.frames, '--frames', 1, FUZZ_FRAMES_MAX),
    fuzzers: wholeNumber(flags.fuzzers, '--fuzzers', 1, 48),
    honestTerminals: wholeNumber(flags.terminals, '--terminals', 1, 256),
    honestRatePerSecond: wholeNumber(flags.rate, '--rate', 1, 10_000),
    baselineSeconds: wholeNumber(flags.baseline, '--baseline', 1, 600),
    seed: flags.seed === undefined ? randomInt(0, FUZZ_SEED_MAX) : wholeNumber(flags.seed, '--seed', 0, FUZZ_SEED_MAX),
  };
}

/** `bastion bench fuzz`: a million random and mutated frames against a host while honest terminals transact. */
export function addFuzzCommand(bench: Command, io: CliIo, setExit: (code: number) => void, environment: NodeJS.ProcessEnv): void {
  bench
    .command('fuzz')
    .description(
      'start a host on a fresh embedded database (or a fresh schema of DATABASE_URL), sign in honest load terminals that send chip + PIN sales at a fixed rate, measure their latency alone, then send random and mutated frames from fuzz connections (reconnecting when the host closes them) while they go on; prints frames/s, what the frames came to, host crashes, the honest outcomes and latency against the baseline, host memory and the audit rows left; exits 1 if the host crashed or an honest sale was not approved',
    )
    .option('--frames <count>', 'fuzz frames to send', '1000000')
    .option('--fuzzers <count>', 'fuzz connections, one frame at a time each', '8')
    .option('--terminals <count>', 'honest load terminals, transacting throughout', '8')
    .option('--rate <sales-per-second>', 'honest sales per second over all honest terminals', '50')
    .option('--baseline <seconds>', 'seconds of honest load alone, before the fuzzing', '5')
    .option('--seed <n>', `replay the frames of a run (0 to ${FUZZ_SEED_MAX}; printed by every run)`)
    .option('--json', 'print one JSON object and nothing else on stdout')
    .action(async (flags: FuzzFlags) => {
      try {
        const url = environment['DATABASE_URL'];
        const options = fuzzOptionsOf(flags);
        io.stderr(`fuzz seed ${options.seed} (replay with --seed ${options.seed})\n`);
        const result = await runChannelFuzz({
          ...options,
          io,
          ...(url === undefined || url === '' ? {} : { databaseUrl: url }),
          onProgress: (progress) => {
            const resident = progress.hostResidentBytes === undefined ? '?' : (progress.hostResidentBytes / 1048576).toFixed(0);
            io.stderr(`${progress.elapsedSeconds.toFixed(0).padStart(4)} s  ${progress.framesLastSecond} frames/s  (${progress.framesSent} sent)  honest approved ${progress.honestApproved}  host ${resident} MiB\n`);
          },
        });
        io.stdout(flags.json === true ? `${JSON.stringify(result)}\n` : formatChannelFuzz(result));
        setExit(result.ok ? 0 : exitFuzzFailed);
      } catch (error) {
        reportCommandFailure(io, setExit, error);
      }
    });
}

const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(0)} MiB`;

function latency(result: LoadResult): string {
  return `p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms, max ${result.maxMs.toFixed(2)} ms`;
}

function counts(record: Readonly<Record<string, number>>): string {
  const entries = Object.entries(record).sort(([, a], [, b]) => b - a);
  return entries.length === 0 ? 'none' : entries.map(([name, count]) => `${name} × ${count}`).join(', ');
}

export function formatChannelFuzz(result: ChannelFuzzResult): string {
  const honestErrors = { ...result.honest.baseline.errors };
  for (const [code, count] of Object.entries(result.honest.underFuzz.errors)) honestErrors[code] = (honestErrors[code] ?? 0) + count;
  const { audit, hostResidentBytes: memory } = result;
  return [
    `Channel fuzz: ${result.store}, seed ${result.seed}, ${result.fuzzers} fuzz connections, ${result.honestTerminals} honest terminals at ${result.honestRatePerSecond}/s`,
    `  frames:      ${result.framesSent} in ${result.fuzzSeconds.toFixed(1)} s, ${result.framesPerSecond.toFixed(0)}/s (${counts(result.framesByKind)})`,
    `  outcomes:    ${counts(result.outcomes)}`,
    `  connections: ${result.fuzzConnections} fuzz connections opened, ${result.fuzzConnectFailures} failed to connect`,
    `  host:        ${result.hostCrashed ? `CRASHED (exit ${result.hostExit?.code ?? result.hostExit?.signal ?? '?'})` : 'no crash'}; resident memory ${mib(memory.start)} at start, ${mib(memory.max)} max, ${mib(memory.end)} at end; log ${mib(result.hostLogBytes)}`,
    `  host counts: ${counts(result.hostCounters)}`,
    `  honest:      ${result.honest.baseline.approved + result.honest.underFuzz.approved} of ${result.honest.baseline.sent + result.honest.underFuzz.sent} approved; errors ${counts(honestErrors)}`,
    `  latency:     alone ${latency(result.honest.baseline)}`,
    `               under fuzz ${latency(result.honest.underFuzz)}`,
    `  audit:       ${audit.malformedFrameRows} malformed-frame rows (${audit.summaryRows} summaries counting ${audit.framesInSummaries} frames), ${audit.terminalRefusedRows} terminal.refused rows, ${audit.totalRows} rows in all`,
    `  result:      ${result.ok ? 'ok' : 'FAILED'}`,
    '',
  ].join('\n');
}
