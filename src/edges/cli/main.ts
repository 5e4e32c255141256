import { Command, CommanderError } from 'commander';
import { auditCommand } from './audit/command.js';
import { benchCommand } from './bench/bench-command.js';
import { cardsCommand } from './cards/cards-command.js';
import { cryptoCommand, exitBadInput } from './crypto/command.js';
import { iso8583Command } from './iso8583/command.js';
import { keysCommand } from './keys/command.js';
import { merchantCommand } from './merchants/merchant-command.js';
import { paramsCommand } from './params/params-command.js';
import { redactSensitive } from '../../lib/errors/index.js';
import { processIo, type CliIo } from './io.js';
import { receiptCommand } from './receipts/receipt-command.js';
import { demoCommand, serveCommand } from './serve/serve-command.js';
import { migrateCommand } from './store/migrate-command.js';
import { terminalCommand } from './terminals/terminal-command.js';

const commanderCodes: Readonly<Record<string, string>> = {
  'commander.unknownCommand': 'CLI_ERR_UNKNOWN_COMMAND',
  'commander.unknownOption': 'CLI_ERR_ARGUMENT_INVALID',
  'commander.optionMissingArgument': 'CLI_ERR_ARGUMENT_MISSING',
  'commander.missingArgument': 'CLI_ERR_ARGUMENT_MISSING',
  'commander.excessArguments': 'CLI_ERR_ARGUMENT_INVALID',
  'commander.invalidArgument': 'CLI_ERR_ARGUMENT_INVALID',
};

/**
 * The `bastion` command. Returns the exit status instead of exiting, so tests can run it
 * in-process; bin/bastion.js sets process.exitCode from it.
 */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  let exitCode = 0;
  const setExit = (code: number): void => {
    exitCode = code;
  };
  const program = new Command('bastion')
    .description('Bastion: a security-first POS acquiring platform')
    .version('0.1.0')
    .showHelpAfterError(false)
    .configureOutput({
      writeOut: (text) => { io.stdout(text); },
      writeErr: (text) => { if (!text.startsWith('error:')) io.stderr(text); },
    });
  program.addCommand(cryptoCommand(io, setExit));
  program.addCommand(iso8583Command(io, setExit));
  program.addCommand(migrateCommand(io, setExit));
  program.addCommand(merchantCommand(io, setExit));
  program.addCommand(terminalCommand(io, setExit));
  program.addCommand(auditCommand(io, setExit));
  program.addCommand(receiptCommand(io, setExit));
  program.addCommand(keysCommand(io, setExit));
  program.addCommand(paramsCommand(io, setExit));
  program.addCommand(cardsCommand(io, setExit));
  program.addCommand(serveCommand(io, setExit));
  program.addCommand(demoCommand(io, setExit));
  program.addCommand(benchCommand(io, setExit));
  program.commands.forEach(function exitOverrideAll(command: Command): void {
    command.exitOverride();
    command.configureOutput({
      writeOut: (text) => { io.stdout(text); },
      writeErr: (text) => { if (!text.startsWith('error:')) io.stderr(text); },
    });
    command.commands.forEach(exitOverrideAll);
  });
  program.exitOverride();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return 0; // --help, --version
      const code = commanderCodes[error.code] ?? 'CLI_ERR_ARGUMENT_INVALID';
      io.stderr(`error ${code}: ${redactSensitive(error.message.replace(/^error: /, ''))}\n`);
      return exitBadInput;
    }
    io.stderr('error CLI_ERR_INTERNAL: internal error\n');
    return 1;
  }
}
