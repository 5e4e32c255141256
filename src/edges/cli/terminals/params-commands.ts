import type { Command } from 'commander';
import { downloadParameters, type ParamsDownloadResult } from '../../terminal-simulator/params-download.js';
import type { CliIo } from '../io.js';
import { toJsonLine } from '../merchants/services.js';
import { type ConnectionOptions, exitDeclined, runSimulatorCommand, simulatorContextOf, withConnectionOptions } from './simulator-cli.js';

/**
 * `bastion terminal params --tid …`: the simulated terminal downloads the host's CAPKs and AID
 * parameters (docs/terminal-simulator.md). Exit status as for the other simulator commands: 0
 * done, 3 declined by the host, 4 no trustworthy answer (including a CAPK whose checksum fails), 2 bad input.
 */
export function addParamsCommand(terminal: Command, io: CliIo, setExit: (code: number) => void): void {
  withConnectionOptions(terminal.command('params'), 'how long to wait for each reply')
    .description('terminal simulator: download CAPKs and AID parameters (0820 372/382 queries, 0800 370/380 downloads, 371/381 ends) into simulator/params-<tid>.json')
    .option('--json', 'print one JSON line')
    .action(async (options: ConnectionOptions) => {
      await runSimulatorCommand(io, setExit, async () => {
        const result = await downloadParameters(simulatorContextOf(options));
        return { output: options.json === true ? toJsonLine(result) : paramsText(result), exitCode: result.completed ? 0 : exitDeclined };
      });
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
