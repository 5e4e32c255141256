import { isBastionError, type BastionError } from '../../lib/errors/index.js';
import { exitBadInput } from './crypto/command.js';
import type { CliIo } from './io.js';

/**
 * How a command reports an error it did not handle: a coded error is one line on stderr and the
 * exit status `codedExit` gives it (by default exitBadInput, 2); anything else is
 * CLI_ERR_INTERNAL without its text (it may carry driver details) and exit 1. Never a stack trace.
 */
export function reportCommandFailure(io: CliIo, setExit: (code: number) => void, error: unknown, codedExit: (error: BastionError) => number = () => exitBadInput): void {
  if (isBastionError(error)) {
    io.stderr(`error ${error.code}: ${error.message}\n`);
    setExit(codedExit(error));
  } else {
    io.stderr('error CLI_ERR_INTERNAL: internal error\n');
    setExit(1);
  }
}
