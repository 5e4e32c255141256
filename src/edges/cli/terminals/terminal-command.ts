import { Command } from 'commander';
import { TERMINAL_LIST_LIMIT_DEFAULT, validateMacVariant, type Terminal } from '../../../domain/terminals/index.js';
import type { KeyUnderLmk } from '../../../ports/hsm.js';
import type { CliIo } from '../io.js';
import { formatTable, requiredOption, runWithServices, toJsonLine, wholeNumberOption } from '../merchants/services.js';
import { addSettleCommand } from './settle-command.js';
import { addParamsCommand } from './params-commands.js';
import { addPreAuthCommands } from './preauth-commands.js';
import { addRefundCommand } from './refund-command.js';
import { addReverseCommand, addVoidCommand } from './reverse-command.js';
import { addSignOutCommand } from './sign-out-command.js';
import { addSimulatorCommands } from './simulator-commands.js';
import { addTmkCommand } from './tmk-command.js';

interface AddOptions {
  readonly tid?: string;
  readonly mid?: string;
  readonly serial?: string;
  readonly model?: string;
  readonly macVariant?: string;
  readonly json?: boolean;
}

interface ListOptions {
  readonly mid?: string;
  readonly limit?: string;
  readonly after?: string;
  readonly json?: boolean;
}

/** `bastion terminal …`: register and list terminals, generate their TMKs, and the terminal simulator (inject, sign-in, sale, balance). */
export function terminalCommand(io: CliIo, setExit: (code: number) => void): Command {
  const terminal = new Command('terminal').description('POS terminals the host accepts (field 41), each bound to a merchant');
  terminal
    .command('add')
    .description('register a terminal (status new) bound to an active merchant')
    .option('--tid <id>', 'terminal id, field 41: 8 letters or digits, unique across the acquirer (required)')
    .option('--mid <id>', 'merchant id, field 42, of the merchant it is bound to (required)')
    .option('--serial <text>', "the device's serial number, unique (required)")
    .option('--model <text>', 'terminal model (required)')
    .option('--mac-variant <variant>', 'ECB MAC with a double-length MAK: des-left or tdes (default des-left)')
    .option('--json', 'print the terminal as one JSON line')
    .action(async (options: AddOptions) => {
      await runWithServices(io, setExit, async ({ terminals }) => {
        const added = await terminals.add({
          terminalId: requiredOption(options.tid, '--tid'),
          merchantId: requiredOption(options.mid, '--mid'),
          serialNumber: requiredOption(options.serial, '--serial'),
          model: requiredOption(options.model, '--model'),
          ...(options.macVariant === undefined ? {} : { macVariant: validateMacVariant(options.macVariant) }),
        });
        return options.json === true ? toJsonLine(publicView(added)) : `terminal ${added.terminalId} added for merchant ${added.merchantId}: ${added.model}, serial ${added.serialNumber}, MAC ${added.macVariant}, ${added.status}\n`;
      });
    });
  terminal
    .command('list')
    .description('list terminals in terminal-id order')
    .option('--mid <id>', 'only the terminals of this merchant')
    .option('--limit <n>', `how many, 1 to 1000 (default ${TERMINAL_LIST_LIMIT_DEFAULT})`)
    .option('--after <tid>', 'start after this terminal id (the last one of the previous page)')
    .option('--json', 'print one JSON line per terminal')
    .action(async (options: ListOptions) => {
      await runWithServices(io, setExit, async ({ terminals }) => {
        const list = await terminals.list({
          ...(options.limit === undefined ? {} : { limit: Number(wholeNumberOption(options.limit, '--limit', 'TERMINAL_ERR_ARGUMENT', 7)) }),
          ...(options.after === undefined ? {} : { after: options.after }),
          ...(options.mid === undefined ? {} : { merchantId: options.mid }),
        });
        if (options.json === true) return list.map((entry) => toJsonLine(publicView(entry))).join('');
        if (list.length === 0) return 'no terminals\n';
        return formatTable(
          ['TID', 'MID', 'STATUS', 'MODEL', 'SERIAL', 'MAC', 'BATCH', 'SIGNED IN', 'TMK KCV', 'MAC FAILS'],
          list.map((entry) => [
            entry.terminalId,
            entry.merchantId,
            entry.status,
            entry.model,
            entry.serialNumber,
            entry.macVariant,
            entry.batchNumber,
            entry.lastSignInLocalDate ?? '-',
            entry.tmk === undefined ? '-' : hex(entry.tmk.kcv),
            entry.macFailureCount.toString(),
          ]),
        );
      });
    });
  addTmkCommand(terminal, io, setExit);
  addSimulatorCommands(terminal, io, setExit);
  addParamsCommand(terminal, io, setExit);
  addSettleCommand(terminal, io, setExit);
  addReverseCommand(terminal, io, setExit);
  addVoidCommand(terminal, io, setExit);
  addRefundCommand(terminal, io, setExit);
  addSignOutCommand(terminal, io, setExit);
  addPreAuthCommands(terminal, io, setExit);
  return terminal;
}

/**
 * What a person or a script may see of a terminal: everything but key ciphertext. Ciphertext
 * under the LMK is not secret, but nobody needs it on a screen; check values identify the keys.
 */
function publicView(terminal: Terminal): Record<string, unknown> {
  const { tmk, workingKeys, ...rest } = terminal;
  return {
    ...rest,
    tmk: tmk === undefined ? undefined : { type: tmk.type, ...keySummary(tmk) },
    workingKeys:
      workingKeys === undefined
        ? undefined
        : { pik: keySummary(workingKeys.pik), mak: keySummary(workingKeys.mak), tdk: workingKeys.tdk === undefined ? undefined : keySummary(workingKeys.tdk) },
  };
}

function keySummary(key: KeyUnderLmk): { algorithm: string; kcv: string } {
  return { algorithm: key.algorithm, kcv: hex(key.kcv) };
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').toUpperCase();
}
