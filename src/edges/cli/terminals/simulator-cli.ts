import { BastionError, type ErrorCode } from '../../../lib/errors/index.js';
import type { Command } from 'commander';
import { EXCHANGE_TIMEOUT_MS_DEFAULT, EXCHANGE_TIMEOUT_MS_MAX } from '../../terminal-simulator/client.js';
import type { SimulatorContext } from '../../terminal-simulator/terminal.js';
import { reportCommandFailure } from '../command-failure.js';
import { exitBadInput } from '../crypto/command.js';
import type { CliIo } from '../io.js';
import { timeZoneFromEnvironment } from '../merchants/services.js';
import { dataDirFromEnvironment } from '../store/configured-store.js';

/**
 * What every `bastion terminal` simulator command shares: the connection options it parses into
 * a SimulatorContext, and how its outcome or error becomes output and an exit status.
 *
 * Exit status: 0 approved (or done); 3 declined by the host; 4 no trustworthy answer (no
 * connection, no reply in time, a malformed reply, a reply MAC, KCV, ARPC or CAPK checksum that
 * does not verify); 2 any other coded error (bad input, key file, busy); 1 an internal error.
 */
export const exitDeclined = 3;
export const exitNoTrustedAnswer = 4;

const untrustedAnswerCodes: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['SIM_ERR_CONNECT', 'SIM_ERR_TIMEOUT', 'SIM_ERR_RESPONSE', 'SIM_ERR_RESPONSE_MAC', 'SIM_ERR_KCV_MISMATCH', 'SIM_ERR_ARPC', 'SIM_ERR_PARAMS']);

export interface ConnectionOptions {
  readonly tid?: string;
  readonly host?: string;
  readonly port?: string;
  readonly timeoutMs?: string;
  readonly json?: boolean;
}

/** Adds the options every simulator command shares: `--tid`, and `--host` / `--port` / `--timeout-ms` that `simulatorContextOf` reads. */
export function withConnectionOptions(command: Command, timeoutMeaning = 'how long to wait for the host'): Command {
  return command
    .option('--tid <id>', 'terminal id, field 41 (required)')
    .option('--host <host>', "the host channel's address (default: the key file's)")
    .option('--port <port>', "the host channel's port (default: the key file's)")
    .option('--timeout-ms <ms>', `${timeoutMeaning}, 1 to ${EXCHANGE_TIMEOUT_MS_MAX} (default ${EXCHANGE_TIMEOUT_MS_DEFAULT})`);
}

/** Runs a simulator command: its output on stdout and its exit status, or one coded error line on stderr. */
export async function runSimulatorCommand(io: CliIo, setExit: (code: number) => void, work: () => Promise<{ output: string; exitCode: number }>): Promise<void> {
  try {
    const { output, exitCode } = await work();
    io.stdout(output);
    setExit(exitCode);
  } catch (error) {
    reportCommandFailure(io, setExit, error, (coded) => (untrustedAnswerCodes.has(coded.code) ? exitNoTrustedAnswer : exitBadInput));
  }
}

/** The simulated terminal `--tid` names, reached at the key file's address unless `--host` / `--port` say otherwise. */
export function simulatorContextOf(options: ConnectionOptions): SimulatorContext {
  const terminalId = required(options.tid, '--tid');
  return {
    dataDir: dataDirFromEnvironment(),
    terminalId,
    timeZone: timeZoneFromEnvironment(),
    ...(options.host === undefined ? {} : { host: hostOption(options.host) }),
    ...(options.port === undefined ? {} : { port: portOption(options.port) }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: timeoutOption(options.timeoutMs) }),
  };
}

export function required(value: string | undefined, flag: string): string {
  if (value === undefined) throw new BastionError('CLI_ERR_ARGUMENT_MISSING', `${flag} is required`, { argument: flag });
  return value;
}

export function hostOption(text: string): string {
  if (!/^[A-Za-z0-9.:[\]-]{1,253}$/.test(text)) throw new BastionError('SIM_ERR_ARGUMENT', '--host must be a host name or IP address', { argument: '--host' });
  return text;
}

export function portOption(text: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : 0;
  if (port < 1 || port > 65_535) throw new BastionError('SIM_ERR_ARGUMENT', '--port must be a whole number from 1 to 65535', { argument: '--port' });
  return port;
}

function timeoutOption(text: string): number {
  const timeoutMs = /^\d{1,6}$/.test(text) ? Number(text) : 0;
  if (timeoutMs < 1 || timeoutMs > EXCHANGE_TIMEOUT_MS_MAX) {
    throw new BastionError('SIM_ERR_ARGUMENT', `--timeout-ms must be a whole number from 1 to ${EXCHANGE_TIMEOUT_MS_MAX}`, { argument: '--timeout-ms' });
  }
  return timeoutMs;
}
