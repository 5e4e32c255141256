import type { Command } from 'commander';
import { loadLmk } from '../../../adapters/hsm/lmk-file.js';
import { SoftwareHsm } from '../../../adapters/hsm/software-hsm.js';
import { AuditLog } from '../../../domain/audit/index.js';
import { isKeyAlgorithm, type Terminal } from '../../../domain/terminals/index.js';
import { toHex } from '../../../lib/crypto/index.js';
import { BastionError } from '../../../lib/errors/index.js';
import type { ClearKeyComponent, KeyUnderLmk } from '../../../ports/hsm.js';
import { auditKeyFilePath, readOrCreateAuditChainKey } from '../audit/chain-key-file.js';
import type { CliIo } from '../io.js';
import { lmkPassphraseVariable } from '../keys/command.js';
import { requiredOption, runWithServices } from '../merchants/services.js';
import { dataDirFromEnvironment } from '../store/configured-store.js';
import { operatingSystemActor } from '../actor.js';

/** Components a TMK is split into for injection: one per custodian, as for the LMK. */
export const TMK_COMPONENTS_DEFAULT = 2;
export const TMK_COMPONENTS_MAX = 9;

interface KeysOptions {
  readonly tid?: string;
  readonly components: string;
  readonly algorithm?: string;
  readonly replace?: boolean;
  readonly dev?: boolean;
}

/**
 * `bastion terminal keys --tid …`: a new TMK generated in the HSM, stored under the LMK for the
 * terminal, and shown once as clear components (each with its check value) for the custodians
 * who inject it into the device. The components are never stored; the generation and the export
 * are written to the audit log before anything is shown, so an unrecorded export never happens.
 */
export function addTmkCommand(terminal: Command, io: CliIo, setExit: (code: number) => void): void {
  terminal
    .command('keys')
    .description('generate a terminal master key (TMK) under the LMK and print its KCV and clear components for injection (BASTION_LMK_PASSPHRASE opens the LMK)')
    .option('--tid <id>', 'terminal id, field 41 (required)')
    .option('--components <n>', `how many components, one per custodian, 2 to ${TMK_COMPONENTS_MAX}`, String(TMK_COMPONENTS_DEFAULT))
    .option('--algorithm <name>', 'tdes-2key (default), tdes-3key or sm4')
    .option('--replace', 'replace the TMK the terminal already has (the device must then be injected again)')
    .option('--dev', 'allow the published development LMK: for tests and demos only, never for real cards')
    .action(async (options: KeysOptions) => {
      await runWithServices(io, setExit, async ({ store, terminals }) => {
        const terminalId = requiredOption(options.tid, '--tid');
        const componentCount = parseComponentCount(options.components);
        const algorithm = options.algorithm;
        if (algorithm !== undefined && !isKeyAlgorithm(algorithm)) {
          throw new BastionError('CLI_ERR_ARGUMENT_INVALID', '--algorithm must be tdes-2key, tdes-3key or sm4', { argument: '--algorithm' });
        }
        // Refuse early, before the LMK is opened, what setTmk would refuse anyway.
        const current = await terminals.require({ terminalId });
        assertMayReceiveTmk(current, options.replace === true);

        const dataDir = dataDirFromEnvironment();
        const passphrase = process.env[lmkPassphraseVariable];
        const lmk = await loadLmk({ dataDir, passphrase: passphrase === '' ? undefined : passphrase, allowDev: options.dev === true });
        try {
          const hsm = new SoftwareHsm(lmk);
          const audit = new AuditLog({ store, clock: () => BigInt(Date.now()), chainKey: readOrCreateAuditChainKey(auditKeyFilePath(process.env, dataDir)) });
          const tmk = await hsm.generateKey('TMK', algorithm);
          const components = await hsm.exportKeyAsComponents(tmk, componentCount);
          const stored = await terminals.setTmk(current, tmk, { replace: options.replace === true });
          const event = { actor: operatingSystemActor(), target: `terminal:${stored.terminalId}`, source: 'cli', outcome: 'success' } as const;
          await audit.append({ ...event, action: 'key.generate', details: { keyType: 'TMK', algorithm: tmk.algorithm, kcv: toHex(tmk.kcv), replaced: current.tmk !== undefined } });
          await audit.append({ ...event, action: 'key.export', details: { keyType: 'TMK', kcv: toHex(tmk.kcv), form: 'clear-components', components: componentCount } });
          if (lmk.development) io.stderr('warning: this TMK is under the DEVELOPMENT LMK, whose key is public: never inject it into a terminal that takes real cards\n');
          return formatTmk(stored.terminalId, tmk, components);
        } finally {
          lmk.destroy();
        }
      });
    });
}

function parseComponentCount(text: string): number {
  if (!/^\d$/.test(text) || Number(text) < 2) {
    throw new BastionError('CLI_ERR_ARGUMENT_INVALID', `--components must be a whole number from 2 to ${TMK_COMPONENTS_MAX}`, { argument: '--components' });
  }
  return Number(text);
}

function assertMayReceiveTmk(terminal: Terminal, replace: boolean): void {
  if (terminal.status === 'retired') {
    throw new BastionError('TERMINAL_ERR_RETIRED', `terminal ${terminal.terminalId} is retired`, { terminalId: terminal.terminalId });
  }
  if (terminal.tmk !== undefined && !replace) {
    throw new BastionError('TERMINAL_ERR_STATE', `terminal ${terminal.terminalId} already has a master key (KCV ${toHex(terminal.tmk.kcv)}); pass --replace to replace it`, {
      terminalId: terminal.terminalId,
    });
  }
}

/** The components in groups of four hex digits, the way custodians read them out and key them in. */
function formatTmk(terminalId: string, tmk: KeyUnderLmk, components: readonly ClearKeyComponent[]): string {
  const grouped = (bytes: Uint8Array): string => toHex(bytes).replace(/(.{4})(?=.)/g, '$1 ');
  return [
    `terminal ${terminalId}: new TMK (${tmk.algorithm}) stored under the LMK, KCV ${toHex(tmk.kcv)}`,
    ...components.map((component, index) => `component ${index + 1} of ${components.length}: ${grouped(component.component)}  KCV ${toHex(component.kcv)}`),
    'Give each component to a different custodian for injection. They are shown once and stored nowhere.',
    '',
  ].join('\n');
}

