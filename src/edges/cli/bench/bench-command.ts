import { Command } from 'commander';
import { runHostBench, type HostBenchResult } from '../../bench/host-bench.js';
import { reportCommandFailure } from '../command-failure.js';
import { addCrashCommand } from './crash-command.js';
import { addFuzzCommand } from './fuzz-command.js';
import { wholeNumber } from './bench-arguments.js';
import type { CliIo } from '../io.js';

interface HostBenchFlags {
  readonly terminals: string;
  readonly duration: string;
  readonly warmup: string;
  readonly rate?: string;
  readonly nodes: string;
  readonly json?: boolean;
  readonly floor: boolean;
}

const DURATION_SECONDS_MAX = 3600;

/** `bastion bench`: the host's throughput, crash and fuzz benches (docs/performance.md). */
export function benchCommand(io: CliIo, setExit: (code: number) => void, environment: NodeJS.ProcessEnv = process.env): Command {
  const command = new Command('bench').description('measure the host: throughput and latency under load (host), with its figures printed, never asserted');
  command
    .command('host')
    .description(
      'start a host on a fresh embedded database (or a fresh schema of DATABASE_URL), sign in N load terminals over TCP and send chip + PIN sales for the duration; prints approved/s, latency percentiles, errors by response code and the host\'s CPU and memory',
    )
    .option('--terminals <count>', 'load terminals, each on its own connection with its own keys and card', '64')
    .option('--duration <seconds>', 'measured seconds', '10')
    .option('--warmup <seconds>', 'seconds of load before measuring', '3')
    .option('--rate <sales-per-second>', 'offered sales per second over the fleet (default: as fast as the host answers)')
    .option('--nodes <count>', 'host processes on one PostgreSQL (DATABASE_URL), terminals spread over them', '1')
    .option('--no-floor', 'skip measuring the machine\'s floor (durable commits of a bare insert, the sale\'s crypto alone) before the load')
    .option('--json', 'print one JSON object and nothing else on stdout')
    .action(async (flags: HostBenchFlags) => {
      try {
        const url = environment['DATABASE_URL'];
        const result = await runHostBench({
          io,
          terminals: wholeNumber(flags.terminals, '--terminals', 1, 4096),
          durationSeconds: wholeNumber(flags.duration, '--duration', 1, DURATION_SECONDS_MAX),
          warmupSeconds: wholeNumber(flags.warmup, '--warmup', 0, DURATION_SECONDS_MAX),
          ...(flags.rate === undefined ? {} : { ratePerSecond: wholeNumber(flags.rate, '--rate', 1, 1_000_000) }),
          nodes: wholeNumber(flags.nodes, '--nodes', 1, 16),
          floor: flags.floor,
          ...(url === undefined || url === '' ? {} : { databaseUrl: url }),
          onProgress: (progress) => {
            io.stderr(`${progress.elapsedSeconds.toFixed(0).padStart(4)} s  ${progress.approvedLastSecond} approved/s  (${progress.approved} approved of ${progress.sent} sent)\n`);
          },
        });
        io.stdout(flags.json === true ? `${JSON.stringify(result)}\n` : formatHostBench(result));
        setExit(0);
      } catch (error) {
        reportCommandFailure(io, setExit, error);
      }
    });
  addCrashCommand(command, io, setExit, environment);
  addFuzzCommand(command, io, setExit, environment);
  return command;
}

export function formatHostBench(result: HostBenchResult): string {
  const errors = Object.entries(result.errors);
  return [
    `Host bench: ${result.store}, ${result.nodes} node(s), ${result.terminals} terminals, ${result.offeredPerSecond === null ? 'as fast as answered' : `${result.offeredPerSecond}/s offered`}, ${result.elapsedSeconds.toFixed(1)} s`,
    `  approved:   ${result.approvedPerSecond.toFixed(0)}/s (${result.approved} of ${result.sent} sales)`,
    `  latency:    p50 ${result.p50Ms.toFixed(2)} ms, p95 ${result.p95Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms, max ${result.maxMs.toFixed(2)} ms`,
    `  errors:     ${errors.length === 0 ? 'none' : errors.map(([code, count]) => `${code} × ${count}`).join(', ')}`,
    `  host:       ${(result.hostCpuCores * 100).toFixed(0)}% of a core, resident memory up to ${(result.hostResidentBytesMax / 1048576).toFixed(0)} MiB`,
    `  terminals:  ${(result.loadCpuCores * 100).toFixed(0)}% of a core (the bench's own process: the load terminals and their crypto)`,
    ...(result.groupCommit === null ? [] : [`  commits:    ${result.groupCommit.unitsPerCommit.toFixed(1)} units per group commit (a sale is 2)${result.groupCommit.fsyncMsAverage === null ? '' : `, WAL fsync ${result.groupCommit.fsyncMsAverage.toFixed(2)} ms on average, off the event loop`}`]),
    ...formatFloor(result),
    `  machine:    ${result.machine.cpus} CPUs (${result.machine.cpuModel}), ${(result.machine.memoryBytes / 1073741824).toFixed(1)} GiB, Node.js ${result.machine.node}, ${result.machine.platform}`,
    '',
  ].join('\n');
}

/** The floor and Bastion's figure as a share of it, or nothing when it was not measured. */
function formatFloor(result: HostBenchResult): string[] {
  const { floor } = result;
  if (floor === null) return ['  floor:      not measured (--no-floor)'];
  const percent = (ratio: number | null): string => (ratio === null ? '-' : `${(ratio * 100).toFixed(1)}%`);
  const grouped = 'clients' in floor.groupedBy ? `${floor.groupedBy.clients} clients at once` : `${floor.groupedBy.rowsPerTransaction} rows per commit`;
  return [
    `  floor:      durable commits ${floor.durableCommitsPerSecond.toFixed(0)}/s (one row each), grouped ${floor.groupedRowsPerSecond.toFixed(0)} rows/s (${grouped})${floor.postgresSynchronousCommit === undefined ? '' : `, synchronous_commit ${floor.postgresSynchronousCommit}`}`,
    `              crypto alone on one core: host side ${floor.cryptoSalesPerSecondHost.toFixed(0)} sales/s, terminal side ${floor.cryptoSalesPerSecondTerminal.toFixed(0)}, both ${floor.cryptoSalesPerSecondBoth.toFixed(0)}`,
    `  vs floor:   ${percent(result.ratioToCommitFloor)} of the commit floor, ${percent(result.ratioToGroupedFloor)} of the grouped floor, ${percent(result.ratioToCryptoFloor)} of the host-side crypto floor`,
  ];
}
