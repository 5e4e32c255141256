import { flagName, type ArgSpec } from './arg-spec.js';
import { allOps } from './ops/index.js';
import type { OpExample, OpSpec } from './op-spec.js';
import { formatText } from './output.js';

/**
 * Renders docs/crypto-cli.md from the operation specs, so the reference can't drift from the
 * code: `npm run docs:crypto` writes it and a test fails when the file is stale.
 */
function kindText(spec: ArgSpec): string {
  switch (spec.kind) {
    case 'int':
      return `integer ${spec.min}–${spec.max}`;
    case 'enum':
      return spec.choices.map((choice) => `\`${choice}\``).join(' / ');
    case 'hex-list':
      return 'list of hex';
    default:
      return spec.kind;
  }
}

function quoteShell(value: string): string {
  return /^[A-Za-z0-9._,:/=+-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

export function exampleArgv(op: OpSpec, example: OpExample): string[] {
  const argv = ['crypto', ...op.name.split('.')];
  for (const [name, value] of Object.entries(example.args)) {
    const values = Array.isArray(value) ? (value as readonly string[]) : [String(value)];
    for (const item of values) argv.push(`--${flagName(name)}`, item);
  }
  return argv;
}

function renderOp(op: OpSpec): string {
  const lines: string[] = [];
  lines.push(`### \`${op.name}\``, '', `\`bastion crypto ${op.name.split('.').join(' ')}\` — ${op.summary}`, '');
  lines.push('| argument (batch) | flag | value | required | meaning |', '|---|---|---|---|---|');
  for (const [name, spec] of Object.entries(op.args)) {
    lines.push(`| \`${name}\` | \`--${flagName(name)}\` | ${kindText(spec)} | ${spec.required === true ? 'yes' : 'no'} | ${spec.description} |`);
  }
  lines.push('', '| result field | meaning |', '|---|---|');
  for (const [name, meaning] of Object.entries(op.results)) lines.push(`| \`${name}\` | ${meaning} |`);
  for (const example of op.examples) {
    lines.push('', `Example${example.title === undefined ? '' : `: ${example.title}`}${example.random === true ? ' (random: your output differs)' : ''}`, '');
    lines.push('```console', `$ bastion ${exampleArgv(op, example).map(quoteShell).join(' ')}`, formatText(example.result), '```', '');
    lines.push('```console', `$ echo '${JSON.stringify({ op: op.name, args: example.args })}' | bastion crypto batch`, JSON.stringify({ ok: true, result: example.result }), '```');
  }
  return lines.join('\n');
}

export function renderCryptoReference(): string {
  const intro = `# \`bastion crypto\` — the payment cryptography calculator

<!-- Generated from src/edges/cli/crypto/ops/*.ts by \`npm run docs:crypto\`; a test fails if it is stale. -->

Hex in, readable text out. Every operation is a command (\`bastion crypto pinblock encode …\`) and a
batch operation named by the command path joined with dots (\`pinblock.encode\`).

- **Flags** are the argument names in kebab-case (\`--encrypted-pin-block\`); hex may be upper or
  lower case, and spaces inside hex are ignored. Lists repeat the flag or separate values by commas.
- **\`--json\`** prints one line: \`{"ok":true,"result":{…}}\` or \`{"ok":false,"error":{…}}\`.
- **Batch mode**: \`bastion crypto batch\` reads one JSON request a line on stdin,
  \`{"op":"kcv","args":{"algorithm":"tdes","key":"…"}}\` (argument names in camelCase, numbers as
  JSON numbers or strings, lists as arrays), and writes one JSON outcome a line in the same order.
  A failing line does not stop the batch. Lines over 1 MiB are refused with \`CLI_ERR_INPUT_TOO_LARGE\`.
- **Results** are uppercase hex for bytes. MACs and cryptograms are full blocks unless the table
  says otherwise: truncate them as your protocol requires.
- **Errors**: bad input exits with status 2 and prints \`error CODE: message (argument: name)\` on
  stderr, never a stack trace; codes are listed in [errors.md](errors.md). In batch mode the exit
  status is 0 when every line succeeded and 2 when any failed.
- **Known answers**: every example below is checked by the test suite, through the command line and
  through batch mode. Where an operation uses random fill (PIN block formats 1, 3, 4; TR-31
  padding) an argument lets you supply it, so results can be compared with published vectors.
- This is an engineer's tool: it handles clear keys and PINs by design. The host never does; it
  goes through the HSM port.

## Operations

| op | what it does |
|---|---|
${allOps.map((op) => `| [\`${op.name}\`](#${op.name.replace(/\./g, '')}) | ${op.summary} |`).join('\n')}
`;
  return `${intro}\n${allOps.map(renderOp).join('\n\n')}\n`;
}
