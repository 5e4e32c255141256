import { fileURLToPath } from 'node:url';

/**
 * The commands `bastion demo` prints: each line runs as printed from another shell in any
 * directory, because it names the data directory, Node.js and the `bastion` launcher by absolute
 * path. Lines starting with `#` say what the next one does (a shell ignores them).
 */
export interface DemoCommandsInput {
  readonly dataDir: string;
  readonly terminalId: string;
  /** e.g. http://127.0.0.1:8584 */
  readonly httpBase: string;
  /** Default: this package's bin/bastion.js. */
  readonly binPath?: string;
  /** Default: the Node.js running now. */
  readonly nodePath?: string;
}

/** src/edges/cli/serve and dist/edges/cli/serve are both four folders below the package root. */
export function bastionBinPath(): string {
  return fileURLToPath(new URL('../../../../bin/bastion.js', import.meta.url));
}

/** POSIX shell quoting: bare when only safe characters, else in single quotes. */
export function shellQuote(text: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

export interface DemoCommand {
  readonly purpose: string;
  readonly line: string;
}

export function demoCommands(input: DemoCommandsInput): DemoCommand[] {
  const bastion = `BASTION_DATA_DIR=${shellQuote(input.dataDir)} ${shellQuote(input.nodePath ?? process.execPath)} ${shellQuote(input.binPath ?? bastionBinPath())}`;
  const tid = `--tid ${input.terminalId}`;
  return [
    { purpose: 'sign the terminal in: it gets fresh working keys (PIK, MAK, TDK) under its TMK', line: `${bastion} terminal sign-in ${tid}` },
    { purpose: 'a chip and PIN sale, approved', line: `${bastion} terminal sale ${tid} --amount 12.34 --card approve-chip-pin --pin 1234` },
    { purpose: 'a magnetic-stripe sale (swiped, PIN), approved', line: `${bastion} terminal sale ${tid} --amount 23.45 --card approve-magstripe --pin 1234 --entry swipe` },
    { purpose: 'a contactless sale, approved', line: `${bastion} terminal sale ${tid} --amount 8.00 --card approve-chip-pin --pin 1234 --entry contactless` },
    { purpose: 'a balance inquiry', line: `${bastion} terminal balance ${tid} --card approve-chip-pin --pin 1234` },
    { purpose: 'a sale the issuer declines: the card holds 10.00 (51, insufficient funds)', line: `${bastion} terminal sale ${tid} --amount 50.00 --card insufficient-funds --pin 1234` },
    { purpose: 'the host\'s health', line: `curl -s ${input.httpBase}/healthz` },
    { purpose: 'the host\'s metrics (Prometheus text)', line: `curl -s ${input.httpBase}/metrics` },
    { purpose: 'check the hash chain of the audit log', line: `${bastion} audit verify` },
  ];
}

export function formatDemoCommands(commands: readonly DemoCommand[]): string {
  return ['', 'Try it from another shell (each line runs as printed, from any directory):', '', ...commands.flatMap((command) => [`# ${command.purpose}`, command.line]), ''].join('\n') + '\n';
}
