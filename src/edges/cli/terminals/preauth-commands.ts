import type { Command } from 'commander';
import { parseAmountMinor } from '../../terminal-simulator/amount.js';
import { findTestCard } from '../../terminal-simulator/card-reader.js';
import { completionTransaction, completionVoidTransaction, preAuthTransaction, preAuthVoidTransaction } from '../../terminal-simulator/preauth.js';
import { formatReceipt, receiptJson, type Receipt } from '../../terminal-simulator/receipt.js';
import type { SimulatorContext } from '../../terminal-simulator/terminal.js';
import type { CliIo } from '../io.js';
import { toJsonLine } from '../merchants/services.js';
import { type ConnectionOptions, exitDeclined, required, runSimulatorCommand, simulatorContextOf, withConnectionOptions } from './simulator-cli.js';

interface FamilyOptions extends ConnectionOptions {
  readonly trace?: string;
  readonly card?: string;
  readonly pin?: string;
  readonly amount?: string;
  readonly advice?: boolean;
}

/**
 * `bastion terminal preauth | preauth-void | complete | complete-void`: the simulated terminal's
 * pre-authorisation family (docs/terminal-simulator.md), card swiped. Exit 0 approved, 3
 * declined, 4 no trustworthy answer, 2 bad input.
 */
export function addPreAuthCommands(terminal: Command, io: CliIo, setExit: (code: number) => void): void {
  const run = (options: FamilyOptions, work: (context: SimulatorContext) => Promise<Receipt>) =>
    runSimulatorCommand(io, setExit, async () => {
      const receipt = await work(simulatorContextOf(options));
      return { output: options.json === true ? toJsonLine(receiptJson(receipt)) : formatReceipt(receipt), exitCode: receipt.approved ? 0 : exitDeclined };
    });

  withJson(terminal.command('preauth').description('terminal simulator: pre-authorisation (0100, 030000, 60.1 10), card swiped; the issuer holds the amount'))
    .option('--amount <yuan>', 'the amount to hold, e.g. 100.00 (required)')
    .option('--card <card>', 'test card profile or PAN (required)')
    .option('--pin <pin>', 'the PIN, if the cardholder enters one')
    .action(async (options: FamilyOptions) => {
      await run(options, (context) => preAuthTransaction(context, { card: findTestCard(required(options.card, '--card')), amountMinor: parseAmountMinor(required(options.amount, '--amount')), ...(options.pin === undefined ? {} : { pin: options.pin }) }));
    });

  withJson(terminal.command('preauth-void').description("terminal simulator: pre-authorisation void (0100, 200000, 60.1 11) by the pre-auth's trace; the hold is released"))
    .option('--trace <trace>', "the pre-auth's trace, from its receipt (required)")
    .option('--pin <pin>', 'the PIN, if the cardholder enters one')
    .action(async (options: FamilyOptions) => {
      await run(options, (context) => preAuthVoidTransaction(context, { trace: required(options.trace, '--trace'), ...(options.pin === undefined ? {} : { pin: options.pin }) }));
    });

  withJson(terminal.command('complete').description("terminal simulator: pre-authorisation completion (0200, 000000, 60.1 20; --advice: 0220, 60.1 24) by the pre-auth's trace"))
    .option('--trace <trace>', "the pre-auth's trace, from its receipt (required)")
    .option('--amount <yuan>', 'the amount to take, up to the held amount + 15% (required)')
    .option('--advice', 'send a completion advice (0220) instead of a request')
    .action(async (options: FamilyOptions) => {
      await run(options, (context) => completionTransaction(context, { trace: required(options.trace, '--trace'), amountMinor: parseAmountMinor(required(options.amount, '--amount')), advice: options.advice === true }));
    });

  withJson(terminal.command('complete-void').description("terminal simulator: completion void (0200, 200000, 60.1 21) of a completion of the current batch by the completion's trace"))
    .option('--trace <trace>', "the completion's trace, from its receipt (required)")
    .action(async (options: FamilyOptions) => {
      await run(options, (context) => completionVoidTransaction(context, { trace: required(options.trace, '--trace') }));
    });
}

function withJson(command: Command): Command {
  return withConnectionOptions(command).option('--json', 'print one JSON line instead of the receipt');
}
