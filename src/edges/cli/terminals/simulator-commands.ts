import type { Command } from 'commander';
import { combineKeyComponents, fromHex, toHex } from '../../../lib/crypto/index.js';
import { BastionError } from '../../../lib/errors/index.js';
import { parseAmountMinor } from '../../terminal-simulator/amount.js';
import { findTestCard, parseEntryMethod } from '../../terminal-simulator/card-reader.js';
import { EXCHANGE_TIMEOUT_MS_DEFAULT, EXCHANGE_TIMEOUT_MS_MAX } from '../../terminal-simulator/client.js';
import { formatReceipt, receiptJson } from '../../terminal-simulator/receipt.js';
import { provisionSimulatedTerminal } from '../../terminal-simulator/state.js';
import { signInTerminal, transact, type SignInResult } from '../../terminal-simulator/terminal.js';
import type { CliIo } from '../io.js';
import { toJsonLine } from '../merchants/services.js';
import { dataDirFromEnvironment } from '../store/configured-store.js';
import { exitDeclined, exitNoTrustedAnswer, hostOption, portOption, required, runSimulatorCommand, simulatorContextOf, type ConnectionOptions } from './simulator-cli.js';
import { addSignCommand, signAfterSale, signatureImageOf, signatureText, withSignatureOptions, type SignatureOptions } from './signature-commands.js';

/**
 * `bastion terminal inject | sign-in | sale | balance`: the terminal simulator, a real client of
 * the host's channel that holds its own keys in BASTION_DATA_DIR/simulator (docs/terminal-simulator.md).
 * These commands never open the database: they are the terminal, not the host. Their exit
 * status is runSimulatorCommand's (simulator-cli.ts).
 */
// Still exported from here for the commands that import them from this file.
export { exitDeclined, exitNoTrustedAnswer, runSimulatorCommand };

interface InjectOptions {
  readonly tid?: string;
  readonly mid?: string;
  readonly host?: string;
  readonly port?: string;
  readonly component: string[];
  readonly macVariant?: string;
  readonly plainTracks?: boolean;
  readonly tlsCa?: string;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly tlsServerName?: string;
}

interface CardOptions extends ConnectionOptions, SignatureOptions {
  readonly card?: string;
  readonly pin?: string;
  readonly entry?: string;
  readonly amount?: string;
  readonly dropResponse?: boolean;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function withConnectionOptions(command: Command): Command {
  return command
    .option('--tid <id>', 'terminal id, field 41 (required)')
    .option('--host <host>', "the host channel's address (default: the key file's)")
    .option('--port <port>', "the host channel's port (default: the key file's)")
    .option('--timeout-ms <ms>', `how long to wait for the host, 1 to ${EXCHANGE_TIMEOUT_MS_MAX} (default ${EXCHANGE_TIMEOUT_MS_DEFAULT})`)
    .option('--json', 'print one JSON line instead of the receipt');
}

function withCardOptions(command: Command): Command {
  return withConnectionOptions(command)
    .option('--card <card>', 'a test card by profile (approve-chip-pin …) or PAN, see docs/test-cards.md (required)')
    .option('--pin <pin>', 'the PIN the cardholder types (4 to 12 digits); none: no PIN')
    .option('--entry <method>', 'chip, swipe or contactless (default: chip for chip cards, else swipe)');
}

export function addSimulatorCommands(terminal: Command, io: CliIo, setExit: (code: number) => void): void {
  terminal
    .command('inject')
    .description('terminal simulator: inject a TMK from its clear components (bastion terminal keys) into a simulated terminal key file')
    .option('--tid <id>', 'terminal id, field 41 (required)')
    .option('--mid <id>', 'merchant id, field 42 (required)')
    .option('--host <host>', "the host channel's address (required)")
    .option('--port <port>', "the host channel's port (required)")
    .option('--component <hex>', 'a clear TMK component, as printed by bastion terminal keys; give each one (2 to 9)', collect, [])
    .option('--mac-variant <variant>', 'ECB MAC with a double-length MAK: des-left (default) or tdes, as the host has on record')
    .option('--plain-tracks', 'send track 2 in clear (53 digit 3 = 0); by default it is enciphered under the TDK')
    .option('--tls-ca <file>', 'connect over TLS, trusting this CA certificate (PEM)')
    .option('--tls-cert <file>', 'client certificate for mutual TLS (PEM)')
    .option('--tls-key <file>', 'client private key for mutual TLS (PEM)')
    .option('--tls-server-name <name>', "the name the host's certificate must carry (default: --host)")
    .action(async (options: InjectOptions) => {
      await runSimulatorCommand(io, setExit, () => Promise.resolve(inject(options)));
    });

  withConnectionOptions(terminal.command('sign-in').description('terminal simulator: sign in (0800) and install the new working keys after checking their KCVs')).action(async (options: ConnectionOptions) => {
    await runSimulatorCommand(io, setExit, async () => {
      const result = await signInTerminal(simulatorContextOf(options));
      return { output: options.json === true ? toJsonLine(result) : signInText(result), exitCode: result.signedIn ? 0 : exitDeclined };
    });
  });

  withSignatureOptions(withCardOptions(terminal.command('sale').description('terminal simulator: a sale (0200, 000000) with a test card; prints the receipt')))
    .option('--amount <yuan>', 'the amount in yuan, at most 2 decimals, e.g. 12.34 (required)')
    .option('--drop-response', 'send the sale but discard the reply, as if it never came: it stays a pending reversal, sent before the next transaction (or by bastion terminal reverse); exit 4')
    .action(async (options: CardOptions) => {
      await runSimulatorCommand(io, setExit, async () => transactAndPrint(options, 'sale'));
    });

  addSignCommand(terminal, (work) => runSimulatorCommand(io, setExit, work), simulatorContextOf, exitDeclined);

  withCardOptions(terminal.command('balance').description('terminal simulator: a balance inquiry (0200, 310000) with a test card; prints the receipt')).action(async (options: CardOptions) => {
    await runSimulatorCommand(io, setExit, async () => transactAndPrint(options, 'balance-inquiry'));
  });
}

async function transactAndPrint(options: CardOptions, kind: 'sale' | 'balance-inquiry'): Promise<{ output: string; exitCode: number }> {
  const context = simulatorContextOf(options);
  const amountMinor = kind === 'sale' ? parseAmountMinor(required(options.amount, '--amount')) : undefined;
  const card = findTestCard(required(options.card, '--card'));
  const entry = parseEntryMethod(options.entry, card);
  // A signature file is checked before the sale, not found wanting after the approval.
  if (kind === 'sale' && (options.sign === true || options.signature !== undefined)) signatureImageOf(options, '000000');
  const dropResponse = kind === 'sale' && options.dropResponse === true;
  const receipt = await transact(context, { kind, card, entry, ...(amountMinor === undefined ? {} : { amountMinor }), ...(options.pin === undefined ? {} : { pin: options.pin }), ...(dropResponse ? { dropResponse } : {}) });
  const printed = options.json === true ? toJsonLine(receiptJson(receipt)) : formatReceipt(receipt);
  if (dropResponse) return { output: printed, exitCode: exitNoTrustedAnswer };
  const signed = kind === 'sale' ? await signAfterSale(context, receipt, options) : undefined;
  if (signed === undefined) return { output: printed, exitCode: receipt.approved ? 0 : exitDeclined };
  return { output: printed + (options.json === true ? toJsonLine({ signature: signed }) : signatureText(signed)), exitCode: signed.stored ? 0 : exitDeclined };
}

function inject(options: InjectOptions): { output: string; exitCode: number } {
  const terminalId = required(options.tid, '--tid');
  const merchantId = required(options.mid, '--mid');
  if (!/^[ -~]{15}$/.test(merchantId)) throw new BastionError('SIM_ERR_ARGUMENT', 'a merchant id is 15 printable characters', { argument: '--mid' });
  const host = hostOption(required(options.host, '--host'));
  const port = portOption(required(options.port, '--port'));
  const macVariant = options.macVariant ?? 'des-left';
  if (macVariant !== 'des-left' && macVariant !== 'tdes') throw new BastionError('SIM_ERR_ARGUMENT', '--mac-variant must be des-left or tdes', { argument: '--mac-variant' });
  if (options.component.length < 2 || options.component.length > 9) {
    throw new BastionError('SIM_ERR_ARGUMENT', 'give the TMK as 2 to 9 --component values, one per custodian', { argument: '--component' });
  }
  const components = options.component.map((text, index) => {
    const compact = text.replace(/\s/g, '');
    if (!/^([0-9A-Fa-f]{32}|[0-9A-Fa-f]{48})$/.test(compact)) {
      throw new BastionError('SIM_ERR_ARGUMENT', `component ${index + 1} must be 32 or 48 hex digits (spaces allowed)`, { argument: '--component' });
    }
    return fromHex(compact, '--component');
  });
  if (components.some((component) => component.length !== components[0]?.length)) {
    throw new BastionError('SIM_ERR_ARGUMENT', 'every component must have the same length', { argument: '--component' });
  }
  const tmk = combineKeyComponents('tdes', components);
  const tls = options.tlsCa === undefined && options.tlsCert === undefined && options.tlsKey === undefined && options.tlsServerName === undefined
    ? undefined
    : {
        ...(options.tlsCa === undefined ? {} : { caFile: absolute(options.tlsCa) }),
        ...(options.tlsCert === undefined ? {} : { certFile: absolute(options.tlsCert) }),
        ...(options.tlsKey === undefined ? {} : { keyFile: absolute(options.tlsKey) }),
        ...(options.tlsServerName === undefined ? {} : { serverName: options.tlsServerName }),
      };
  try {
    const path = provisionSimulatedTerminal({
      dataDir: dataDirFromEnvironment(),
      terminalId,
      merchantId,
      hostAddress: { host, port, ...(tls === undefined ? {} : { tls }) },
      tmk: tmk.key,
      macVariant,
      encryptTracks: options.plainTracks !== true,
    });
    const kcv = toHex(tmk.kcv).slice(0, 6);
    return {
      output: [
        `terminal ${terminalId}: TMK injected (${tmk.key.length === 16 ? 'tdes-2key' : 'tdes-3key'}), KCV ${kcv}: compare it with the KCV bastion terminal keys printed`,
        `host ${host}:${port}${tls === undefined ? '' : ' over TLS'}, MAC ${macVariant}, track 2 ${options.plainTracks === true ? 'in clear' : 'enciphered under the TDK'}`,
        `key file ${path} (mode 0600; it holds clear keys, as the device would)`,
        'next: bastion terminal sign-in --tid ' + terminalId,
        '',
      ].join('\n'),
      exitCode: 0,
    };
  } finally {
    tmk.key.fill(0);
    for (const component of components) component.fill(0);
  }
}

function signInText(result: SignInResult): string {
  const notice = result.notice === undefined ? '' : `${result.notice}\n`;
  if (!result.signedIn) return `terminal ${result.terminalId}: sign-in DECLINED, ${result.responseCode} ${result.responseMeaning} (trace ${result.trace}); the keys it had are kept\n${notice}`;
  const kcvs = result.kcvs;
  return `terminal ${result.terminalId}: signed in, batch ${result.batchNumber}, trace ${result.trace}; working keys installed after their KCVs matched (PIK ${kcvs?.pik ?? '-'}, MAK ${kcvs?.mak ?? '-'}, TDK ${kcvs?.tdk ?? '-'})\n${notice}`;
}

function absolute(file: string): string {
  return file.startsWith('/') ? file : `${process.cwd()}/${file}`;
}
