import type { Command } from 'commander';
import { BastionError, isBastionError, type ErrorCode } from '../../../lib/errors/index.js';
import { EXCHANGE_TIMEOUT_MS_MAX } from '../../terminal-simulator/client.js';
import { downloadParameters, type ParamsDownloadResult } from '../../terminal-simulator/params-download.js';
import { exitBadInput } from '../crypto/command.js';
import type { CliIo } from '../io.js';
import { timeZoneFromEnvironment, toJsonLine } from '../merchants/services.js';
import { dataDirFromEnvironment } from '../store/configured-store.js';
import { exitDeclined, exitNoTrustedAnswer } from './simulator-commands.js';

interface ParamsOptions {
  readonly tid?: string;
  readonly host?: string;
  readonly port?: string;
  readonly timeoutMs?: string;
  readonly json?: boolean;
}

const untrustedAnswerCodes: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['SIM_ERR_CONNECT', 'SIM_ERR_TIMEOUT', 'SIM_ERR_RESPONSE', 'SIM_ERR_RESPONSE_MAC', 'SIM_ERR_PARAMS']);

/**
 * `bastion terminal params --tid …`: the simulated terminal downloads the host's CAPKs and AID
 * parameters (docs/terminal-simulator.md). Exit status as for the other simulator commands: 0
 * done, 3 declined by the host, 4 no trustworthy answer (including a CAPK whose checksum fails), 2 bad input.
 */
export function addParamsCommand(terminal: Command, io: CliIo, setExit: (code: number) => void): void {
  terminal
    .command('params')
    .description('terminal simulator: download CAPKs and AID parameters (0820 372/382 queries, 0800 370/380 downloads, 371/381 ends) into simulator/params-<tid>.json')
    .option('--tid <id>', 'terminal id, field 41 (required)')
    .option('--host <host>', "the host channel's address (default: the key file's)")
    .option('--port <port>', "the host channel's port (default: the key file's)")
    .option('--timeout-ms <ms>', `how long to wait for each reply, 1 to ${EXCHANGE_TIMEOUT_MS_MAX}`)
    .option('--json', 'print one JSON line')
    .action(async (options: ParamsOptions) => {
      try {
        if (options.tid === undefined) throw new BastionError('CLI_ERR_ARGUMENT_MISSING', '--tid is required', { argument: '--tid' });
        const port = options.port === undefined ? undefined : /^\d{1,5}$/.test(options.port) && Number(options.port) >= 1 && Number(options.port) <= 65_535 ? Number(options.port) : undefined;
        if (options.port !== undefined && port === undefined) throw new BastionError('SIM_ERR_ARGUMENT', '--port must be a whole number from 1 to 65535', { argument: '--port' });
        const timeoutMs = options.timeoutMs === undefined ? undefined : /^\d{1,6}$/.test(options.timeoutMs) && Number(options.timeoutMs) >= 1 && Number(options.timeoutMs) <= EXCHANGE_TIMEOUT_MS_MAX ? Number(options.timeoutMs) : undefined;
        if (options.timeoutMs !== undefined && timeoutMs === undefined) throw new BastionError('SIM_ERR_ARGUMENT', `--timeout-ms must be a whole number from 1 to ${EXCHANGE_TIMEOUT_MS_MAX}`, { argument: '--timeout-ms' });
        if (options.host !== undefined && !/^[A-Za-z0-9.:[\]-]{1,253}$/.test(options.host)) throw new BastionError('SIM_ERR_ARGUMENT', '--host must be a host name or IP address', { argument: '--host' });
        const result = await downloadParameters({
          dataDir: dataDirFromEnvironment(),
          terminalId: options.tid,
          timeZone: timeZoneFromEnvironment(),
          ...(options.host === undefined ? {} : { host: options.host }),
          ...(port === undefined ? {} : { port }),
          ...(timeoutMs === undefined ? {} : { timeoutMs }),
        });
        io.stdout(options.json === true ? toJsonLine(result) : paramsText(result));
        setExit(result.completed ? 0 : exitDeclined);
      } catch (error) {
        if (isBastionError(error)) {
          io.stderr(`error ${error.code}: ${error.message}\n`);
          setExit(untrustedAnswerCodes.has(error.code) ? exitNoTrustedAnswer : exitBadInput);
        } else {
          io.stderr('error CLI_ERR_INTERNAL: internal error\n');
          setExit(1);
        }
      }
    });
}

function paramsText(result: ParamsDownloadResult): string {
  if (!result.completed) {
    return `terminal ${result.terminalId}: parameter download DECLINED at ${result.step ?? '?'}, ${result.responseCode ?? ''} ${result.responseMeaning ?? ''}; nothing was saved\n`;
  }
  return [
    `terminal ${result.terminalId}: parameters downloaded, ${result.capks.length} CAPKs (checksums verified) in ${result.capkQueryPages} query page(s), ${result.aids.length} AIDs in ${result.aidQueryPages}`,
    `  CAPKs: ${result.capks.join(' ') || '-'}`,
    `  AIDs: ${result.aids.join(' ') || '-'}`,
    `  saved to ${result.file ?? '-'}`,
    result.processingRequirement === 0 ? '  the host asks for nothing more' : `  the host still asks for processing requirement ${result.processingRequirement}`,
    '',
  ].join('\n');
}
