import type { Command } from 'commander';
import { parseAmountMinor } from '../../terminal-simulator/amount.js';
import { findTestCard } from '../../terminal-simulator/card-reader.js';
import { formatReceipt, receiptJson } from '../../terminal-simulator/receipt.js';
import { refundTransaction } from '../../terminal-simulator/refund.js';
import type { CliIo } from '../io.js';
import { toJsonLine } from '../merchants/services.js';
import { exitDeclined, required, runSimulatorCommand, simulatorContextOf, withConnectionOptions } from './simulator-cli.js';

interface RefundOptions {
  readonly tid?: string;
  readonly rrn?: string;
  readonly amount?: string;
  readonly card?: string;
  readonly pin?: string;
  readonly batch?: string;
  readonly trace?: string;
  readonly date?: string;
  readonly host?: string;
  readonly port?: string;
  readonly timeoutMs?: string;
  readonly json?: boolean;
}

/**
 * `bastion terminal refund --tid … --rrn <sale's RRN> --amount <yuan> --card … [--pin …]
 * [--batch … --trace …] [--date MMDD]`: refunds (part of) an approved sale of the merchant, the
 * card swiped. The sale's batch and trace come from the journal of the current batch when it
 * holds the RRN; otherwise give them from the sale's receipt. Exit 0 approved, 3 declined, 4 no
 * trustworthy answer (the refund stays a pending reversal), 2 bad input.
 */
export function addRefundCommand(terminal: Command, io: CliIo, setExit: (code: number) => void): void {
  withConnectionOptions(terminal.command('refund'))
    .description("terminal simulator: refund (0220, 200000, 60.1 25) part or all of an approved sale by its RRN, the card swiped; prints the receipt")
    .option('--rrn <rrn>', "the sale's retrieval reference number, 12 digits, from its receipt (required)")
    .option('--amount <yuan>', 'the amount to refund in yuan, at most 2 decimals (required)')
    .option('--card <card>', "the sale's card, by test-card profile or PAN (required)")
    .option('--pin <pin>', 'the PIN, if the cardholder enters one')
    .option('--batch <batch>', "the sale's batch (default: the current batch, when its journal holds the RRN)")
    .option('--trace <trace>', "the sale's trace (default: from the journal, when it holds the RRN)")
    .option('--date <MMDD>', "the sale's date; sent as 61.3 and then checked by the host")
    .option('--json', 'print one JSON line instead of the receipt')
    .action(async (options: RefundOptions) => {
      await runSimulatorCommand(io, setExit, async () => {
        const context = simulatorContextOf(options);
        const receipt = await refundTransaction(context, {
          rrn: required(options.rrn, '--rrn'),
          amountMinor: parseAmountMinor(required(options.amount, '--amount')),
          card: findTestCard(required(options.card, '--card')),
          ...(options.pin === undefined ? {} : { pin: options.pin }),
          ...(options.batch === undefined ? {} : { originalBatch: options.batch }),
          ...(options.trace === undefined ? {} : { originalTrace: options.trace }),
          ...(options.date === undefined ? {} : { originalDate: options.date }),
        });
        return { output: options.json === true ? toJsonLine(receiptJson(receipt)) : formatReceipt(receipt), exitCode: receipt.approved ? 0 : exitDeclined };
      });
    });
}
