import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { BastionError } from '../../../lib/errors/index.js';
import type { CliIo } from '../io.js';
import { requiredOption, runWithServices, timeZoneFromEnvironment } from '../merchants/services.js';
import { loadBackOfficeReceipt } from './receipt-data.js';
import { renderReceiptPdf } from './receipt-pdf.js';
import { formatReceiptText } from './receipt-text.js';

interface ReceiptOptions {
  readonly tid?: string;
  readonly batch?: string;
  readonly format?: string;
  readonly out?: string;
}

/**
 * `bastion receipt <trace> --tid <id> [--batch <n>] [--format text|pdf] [--out <file>]`: the
 * electronic receipt reprinted from the host's database, with the cardholder's signature when one
 * was uploaded (its checksum verified; a tampered one is ESIG_ERR_TAMPERED, exit 2). A PDF needs
 * --out; text goes to stdout unless --out is given.
 */
export function receiptCommand(io: CliIo, setExit: (code: number) => void): Command {
  return new Command('receipt')
    .description('reprint the electronic receipt of a transaction (text or PDF), with the cardholder signature if one was uploaded')
    .argument('<trace>', 'the transaction\'s trace number (field 11), 1 to 6 digits')
    .option('--tid <id>', 'terminal id, field 41 (required)')
    .option('--batch <n>', 'batch number, 1 to 6 digits (default: the latest transaction with that trace)')
    .option('--format <format>', 'text (default) or pdf')
    .option('--out <file>', 'write the receipt to this file (required for pdf)')
    .action(async (traceText: string, options: ReceiptOptions) => {
      await runWithServices(io, setExit, async ({ store }) => {
        const terminalId = requiredOption(options.tid, '--tid');
        if (!/^[ -~]{8}$/.test(terminalId)) throw new BastionError('RECEIPT_ERR_ARGUMENT', 'a terminal id is 8 printable characters', { argument: '--tid' });
        const trace = sixDigits(traceText, 'trace');
        const batchNumber = options.batch === undefined ? undefined : sixDigits(options.batch, '--batch');
        const format = options.format ?? 'text';
        if (format !== 'text' && format !== 'pdf') throw new BastionError('RECEIPT_ERR_ARGUMENT', '--format must be text or pdf', { argument: '--format' });
        if (format === 'pdf' && options.out === undefined) throw new BastionError('RECEIPT_ERR_ARGUMENT', 'a PDF receipt needs --out <file>', { argument: '--out' });
        const receipt = await loadBackOfficeReceipt(store, { terminalId, trace, timeZone: timeZoneFromEnvironment(), ...(batchNumber === undefined ? {} : { batchNumber }) });
        const body = format === 'pdf' ? renderReceiptPdf(receipt) : Buffer.from(formatReceiptText(receipt), 'utf8');
        if (options.out === undefined) return body.toString('utf8');
        writeFileSync(options.out, body, { mode: 0o640 });
        return `receipt of terminal ${receipt.terminalId} batch ${receipt.batchNumber} trace ${receipt.trace} written to ${options.out} (${format}${receipt.signature === undefined ? ', no signature on file' : ', with the signature'})\n`;
      });
    });
}

function sixDigits(text: string, argument: string): string {
  if (!/^\d{1,6}$/.test(text)) throw new BastionError('RECEIPT_ERR_ARGUMENT', `${argument} must be 1 to 6 digits`, { argument });
  return text.padStart(6, '0');
}
