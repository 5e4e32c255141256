import type { Command } from 'commander';
import { signOutTerminal } from '../../terminal-simulator/sign-out.js';
import type { CliIo } from '../io.js';
import { toJsonLine } from '../merchants/services.js';
import { type ConnectionOptions, exitDeclined, runSimulatorCommand, simulatorContextOf, withConnectionOptions } from './simulator-cli.js';

/**
 * `bastion terminal sign-out --tid …`: the simulated terminal signs out (0820, 60.3 002) after
 * sending any pending reversal; answered 00, it forgets its working keys and must sign in again.
 * Exit 0 signed out, 3 refused by the host, 4 no trustworthy answer, 2 bad input.
 */
export function addSignOutCommand(terminal: Command, io: CliIo, setExit: (code: number) => void): void {
  withConnectionOptions(terminal.command('sign-out'))
    .description('terminal simulator: sign out (0820, 60.3 002); the terminal drops its working keys')
    .option('--json', 'print one JSON line')
    .action(async (options: ConnectionOptions) => {
      await runSimulatorCommand(io, setExit, async () => {
        const result = await signOutTerminal(simulatorContextOf(options));
        const text = result.signedOut
          ? `terminal ${result.terminalId}: signed out (trace ${result.trace}); working keys dropped, sign in again before the next transaction\n`
          : `terminal ${result.terminalId}: sign-out refused, ${result.responseCode} ${result.responseMeaning}\n`;
        return { output: options.json === true ? toJsonLine(result) : text, exitCode: result.signedOut ? 0 : exitDeclined };
      });
    });
}
