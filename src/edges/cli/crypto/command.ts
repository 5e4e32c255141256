import { Command, Option } from 'commander';
import { flagName } from './arg-spec.js';
import { runBatch } from './batch.js';
import { allOps } from './ops/index.js';
import { formatErrorText, formatText, outcomeOf } from './output.js';
import type { OpSpec } from './op-spec.js';
import { renderCryptoReference } from './reference.js';
import { runOp } from './run-op.js';
import type { CliIo } from '../io.js';

/** Exit status for bad input (a coded error); 0 is success, 1 an internal failure. */
export const exitBadInput = 2;

function addOpCommand(parent: Command, op: OpSpec, io: CliIo, setExit: (code: number) => void): void {
  const path = op.name.split('.');
  let group = parent;
  for (const segment of path.slice(0, -1)) {
    group = group.commands.find((command) => command.name() === segment) ?? group.command(segment).description(`${segment} operations`);
  }
  const command = group.command(path[path.length - 1] as string).description(op.summary);
  for (const [name, spec] of Object.entries(op.args)) {
    const flag = `--${flagName(name)} <value>`;
    const description = `${spec.description}${spec.required === true ? ' (required)' : ''}`;
    const option = new Option(flag, description);
    if (spec.kind === 'hex-list') option.argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), ...value.split(',')]);
    command.addOption(option);
  }
  command.option('--json', 'print {"ok":true,"result":{...}} or {"ok":false,"error":{...}} as one JSON line');
  command.action((options: Record<string, unknown>) => {
    const { json, ...raw } = options;
    const outcome = outcomeOf(() => runOp(op.name, raw));
    if (json === true) io.stdout(`${JSON.stringify(outcome)}\n`);
    else if (outcome.ok) io.stdout(`${formatText(outcome.result)}\n`);
    else io.stderr(`${formatErrorText(outcome.error)}\n`);
    setExit(outcome.ok ? 0 : exitBadInput);
  });
}

/** `bastion crypto …`: the payment cryptography calculator. */
export function cryptoCommand(io: CliIo, setExit: (code: number) => void): Command {
  const crypto = new Command('crypto').description('payment cryptography calculator: hex in, readable text out (--json for scripts)');
  for (const op of allOps) addOpCommand(crypto, op, io, setExit);
  crypto
    .command('batch')
    .description('read one JSON request a line on stdin ({"op":"kcv","args":{...}}) and write one JSON result a line')
    .action(async () => {
      const { failed } = await runBatch(io.stdin, io.stdoutStream);
      setExit(failed === 0 ? 0 : exitBadInput);
    });
  crypto
    .command('reference', { hidden: true })
    .description('print the Markdown reference of every operation (docs/crypto-cli.md)')
    .action(() => {
      io.stdout(renderCryptoReference());
    });
  return crypto;
}
