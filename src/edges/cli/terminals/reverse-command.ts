import type { Command } from 'commander';
import { BastionError } from '../../../lib/errors/index.js';
import { EXCHANGE_TIMEOUT_MS_MAX } from '../../terminal-simulator/client.js';
import { reversePending } from '../../terminal-simulator/terminal.js';
import type { CliIo } from '../io.js';
import { timeZoneFromEnvironment, toJsonLine } from '../merchants/services.js';
import { dataDirFromEnvironment } from '../store/configured-store.js';
import { runSimulatorCommand } from './simulator-commands.js';

interface ReverseOptions {
  readonly tid?: string;
  readonly host?: string;
  readonly port?: string;
  readonly timeoutMs?: string;
  readonly json?: boolean;
}

/**
 * `bastion terminal reverse --tid …`: sends the simulated terminal's pending reversal (a sale whose
 * answer never came, e.g. `sale --drop-response`) now, and clears it once the host answers 00.
 * Exit 0 reversed or nothing pending, 4 no trustworthy answer (it stays pending), 2 bad input.
 */
export function addReverseCommand(terminal: Command, io: CliIo, setExit: (code: number) => void): void {
  terminal
    .command('reverse')
    .description('terminal simulator: send the pending reversal (0400) of a sale whose answer never came')
    .option('--tid <id>', 'terminal id, field 41 (required)')
    .option('--host <host>', "the host channel's address (default: the key file's)")
    .option('--port <port>', "the host channel's port (default: the key file's)")
    .option('--timeout-ms <ms>', `how long to wait for the host, 1 to ${EXCHANGE_TIMEOUT_MS_MAX}`)
    .option('--json', 'print one JSON line')
    .action(async (options: ReverseOptions) => {
      await runSimulatorCommand(io, setExit, async () => {
        if (options.tid === undefined) throw new BastionError('CLI_ERR_ARGUMENT_MISSING', '--tid is required', { argument: '--tid' });
        const trace = await reversePending({
          dataDir: dataDirFromEnvironment(),
          terminalId: options.tid,
          timeZone: timeZoneFromEnvironment(),
          ...(options.host === undefined ? {} : { host: options.host }),
          ...(options.port === undefined ? {} : { port: wholeNumber(options.port, '--port', 65_535) }),
          ...(options.timeoutMs === undefined ? {} : { timeoutMs: wholeNumber(options.timeoutMs, '--timeout-ms', EXCHANGE_TIMEOUT_MS_MAX) }),
        });
        const text = trace === undefined ? `terminal ${options.tid}: no pending reversal\n` : `terminal ${options.tid}: reversal of trace ${trace} answered 00; nothing pending\n`;
        return { output: options.json === true ? toJsonLine({ terminalId: options.tid, reversedTrace: trace ?? null }) : text, exitCode: 0 };
      });
    });
}

function wholeNumber(text: string, flag: string, max: number): number {
  const value = /^\d{1,6}$/.test(text) ? Number(text) : 0;
  if (value < 1 || value > max) throw new BastionError('SIM_ERR_ARGUMENT', `${flag} must be a whole number from 1 to ${max}`, { argument: flag });
  return value;
}
