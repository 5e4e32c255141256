import type { Command } from 'commander';
import { BastionError } from '../../../lib/errors/index.js';
import { findTestCard } from '../../terminal-simulator/card-reader.js';
import { formatReceipt, receiptJson } from '../../terminal-simulator/receipt.js';
import { reversePending } from '../../terminal-simulator/terminal.js';
import { voidTransaction } from '../../terminal-simulator/void.js';
import type { CliIo } from '../io.js';
import { toJsonLine } from '../merchants/services.js';
import { type ConnectionOptions, exitDeclined, runSimulatorCommand, simulatorContextOf, withConnectionOptions } from './simulator-cli.js';

interface VoidOptions extends ConnectionOptions {
  readonly trace?: string;
  readonly card?: string;
  readonly pin?: string;
}

/**
 * `bastion terminal reverse --tid …`: sends the simulated terminal's pending reversal (a sale whose
 * answer never came, e.g. `sale --drop-response`) now, and clears it once the host answers 00.
 * Exit 0 reversed or nothing pending, 4 no trustworthy answer (it stays pending), 2 bad input.
 */
export function addReverseCommand(terminal: Command, io: CliIo, setExit: (code: number) => void): void {
  withConnectionOptions(terminal.command('reverse'))
    .description('terminal simulator: send the pending reversal (0400) of a sale whose answer never came')
    .option('--json', 'print one JSON line')
    .action(async (options: ConnectionOptions) => {
      await runSimulatorCommand(io, setExit, async () => {
        const trace = await reversePending(simulatorContextOf(options));
        const text = trace === undefined ? `terminal ${options.tid}: no pending reversal\n` : `terminal ${options.tid}: reversal of trace ${trace} answered 00; nothing pending\n`;
        return { output: options.json === true ? toJsonLine({ terminalId: options.tid, reversedTrace: trace ?? null }) : text, exitCode: 0 };
      });
    });
}

/**
 * `bastion terminal void --tid … --trace <sale's trace> [--card …] [--pin …]`: voids an approved
 * sale of the current batch; RRN, auth code and amount come from the terminal's journal, the
 * card is swiped again (the journal's card by default). Exit 0 approved, 3 declined, 4 no
 * trustworthy answer, 2 bad input.
 */
export function addVoidCommand(terminal: Command, io: CliIo, setExit: (code: number) => void): void {
  withConnectionOptions(terminal.command('void'))
    .description('terminal simulator: void (0200, 200000, 60.1 23) an approved sale of the current batch by its trace; prints the receipt')
    .option('--trace <trace>', "the sale's trace, from its receipt (required)")
    .option('--card <card>', "the card swiped again, by profile or PAN (default: the sale's card)")
    .option('--pin <pin>', 'the PIN, if the cardholder enters one')
    .option('--json', 'print one JSON line instead of the receipt')
    .action(async (options: VoidOptions) => {
      await runSimulatorCommand(io, setExit, async () => {
        if (options.trace === undefined) throw new BastionError('CLI_ERR_ARGUMENT_MISSING', '--trace is required', { argument: '--trace' });
        const receipt = await voidTransaction(simulatorContextOf(options), {
          trace: options.trace,
          ...(options.card === undefined ? {} : { card: findTestCard(options.card) }),
          ...(options.pin === undefined ? {} : { pin: options.pin }),
        });
        return { output: options.json === true ? toJsonLine(receiptJson(receipt)) : formatReceipt(receipt), exitCode: receipt.approved ? 0 : exitDeclined };
      });
    });
}
