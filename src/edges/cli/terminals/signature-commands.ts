import type { Command } from 'commander';
import { BastionError } from '../../../lib/errors/index.js';
import type { Receipt } from '../../terminal-simulator/receipt.js';
import { readSignatureFile, squiggleSignature } from '../../terminal-simulator/signature-image.js';
import { uploadSignature, type SignatureUploadResult } from '../../terminal-simulator/signature-upload.js';
import type { SimulatorContext } from '../../terminal-simulator/terminal.js';
import { toJsonLine } from '../merchants/services.js';

/**
 * `bastion terminal sign`, and `--sign` / `--signature` of `bastion terminal sale`: the
 * cardholder signs on the terminal (电子签名) and the terminal uploads the image after the
 * approval (0820, 60.3 800; docs/protocol.md "Electronic signature"). `--sign` draws a
 * deterministic squiggle from the trace; `--signature` takes a greyscale PNG file.
 */
export interface SignatureOptions {
  readonly sign?: boolean;
  readonly signature?: string;
}

export interface SignCommandOptions extends SignatureOptions {
  readonly tid?: string;
  readonly trace?: string;
  readonly rrn?: string;
  readonly host?: string;
  readonly port?: string;
  readonly timeoutMs?: string;
  readonly json?: boolean;
}

export function withSignatureOptions(command: Command): Command {
  return command
    .option('--sign', 'after an approval, upload a generated signature (a squiggle drawn from the trace)')
    .option('--signature <png>', 'after an approval, upload this greyscale PNG as the cardholder signature');
}

/** The image the options ask for, or undefined when they ask for none. */
export function signatureImageOf(options: SignatureOptions, trace: string): Buffer | undefined {
  if (options.sign === true && options.signature !== undefined) throw new BastionError('SIM_ERR_ARGUMENT', 'give --sign or --signature, not both', { argument: '--signature' });
  if (options.signature !== undefined) return readSignatureFile(options.signature);
  return options.sign === true ? squiggleSignature(trace) : undefined;
}

export function signatureText(result: SignatureUploadResult): string {
  if (result.stored) return `signature uploaded for trace ${result.trace} (RRN ${result.rrn}): ${result.imageBytes} bytes in ${result.partCount} part(s), sha256 ${result.sha256}, feature code ${result.featureCode}\n`;
  return `signature NOT stored for trace ${result.trace}: ${result.responseCode} ${result.responseMeaning} (part ${result.partsSent} of ${result.partCount})\n`;
}

/** After a sale: upload the signature the options ask for, if the sale was approved. */
export async function signAfterSale(context: SimulatorContext, receipt: Receipt, options: SignatureOptions): Promise<SignatureUploadResult | undefined> {
  if (!receipt.approved || receipt.rrn === undefined) return undefined;
  const image = signatureImageOf(options, receipt.trace);
  if (image === undefined) return undefined;
  return uploadSignature(context, { trace: receipt.trace, rrn: receipt.rrn, image });
}

export function addSignCommand(
  terminal: Command,
  run: (work: () => Promise<{ output: string; exitCode: number }>) => Promise<void>,
  contextOf: (options: SignCommandOptions) => SimulatorContext,
  exitDeclined: number,
): void {
  withSignatureOptions(
    terminal
      .command('sign')
      .description('terminal simulator: upload the cardholder signature of an earlier approved sale (0820, 60.3 800)')
      .option('--tid <id>', 'terminal id, field 41 (required)')
      .option('--trace <n>', 'the sale\'s trace (field 11), as on its receipt (required)')
      .option('--rrn <rrn>', 'the sale\'s reference number (field 37), as on its receipt (required)')
      .option('--host <host>', "the host channel's address (default: the key file's)")
      .option('--port <port>', "the host channel's port (default: the key file's)")
      .option('--timeout-ms <ms>', 'how long to wait for the host for each part')
      .option('--json', 'print one JSON line'),
  ).action(async (options: SignCommandOptions) => {
    await run(async () => {
      const context = contextOf(options);
      const traceText = options.trace ?? '';
      if (!/^\d{1,6}$/.test(traceText)) throw new BastionError(options.trace === undefined ? 'CLI_ERR_ARGUMENT_MISSING' : 'SIM_ERR_ARGUMENT', '--trace is required: 1 to 6 digits', { argument: '--trace' });
      const trace = traceText.padStart(6, '0');
      if (options.rrn === undefined) throw new BastionError('CLI_ERR_ARGUMENT_MISSING', '--rrn is required', { argument: '--rrn' });
      const image = signatureImageOf({ ...options, sign: options.sign ?? options.signature === undefined }, trace);
      if (image === undefined) throw new BastionError('SIM_ERR_ARGUMENT', 'give --sign or --signature', { argument: '--signature' });
      const result = await uploadSignature(context, { trace, rrn: options.rrn, image });
      return { output: options.json === true ? toJsonLine(result) : signatureText(result), exitCode: result.stored ? 0 : exitDeclined };
    });
  });
}

