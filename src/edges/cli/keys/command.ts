import { Command, Option } from 'commander';
import { lmkComponentCountMin } from '../../../adapters/hsm/local-master-key.js';
import { lmkFilePath, readLmkStatus } from '../../../adapters/hsm/lmk-file.js';
import { toHex } from '../../../lib/crypto/index.js';
import { BastionError, isBastionError } from '../../../lib/errors/index.js';
import type { CliIo } from '../io.js';
import { dataDirFromEnvironment } from '../store/configured-store.js';
import { createDevelopmentLmk, runKeyCeremony } from './ceremony.js';
import { openCeremonyAudit, type CeremonyAudit } from './ceremony-audit.js';
import { createPromptReader } from './prompt-reader.js';

/** Exit statuses: done (0), `status` found no LMK (1), refused or failed with a coded error (2). */
export const keysExit = { ok: 0, noLmk: 1, error: 2 } as const;

export const lmkPassphraseVariable = 'BASTION_LMK_PASSPHRASE';

function errorLine(error: unknown): string {
  return isBastionError(error) ? `error ${error.code}: ${error.message}\n` : 'error CLI_ERR_INTERNAL: internal error\n';
}

/** `bastion keys …`: the LMK's ceremony and status. */
export function keysCommand(io: CliIo, setExit: (code: number) => void, environment: NodeJS.ProcessEnv = process.env, nowMs: () => number = Date.now): Command {
  const keys = new Command('keys').description('the local master key (LMK): key ceremony and status');
  keys
    .command('ceremony')
    .description('form the LMK from custodians\' components (each enters their own; nothing is echoed) and seal it in BASTION_DATA_DIR/keys')
    .addOption(new Option('--custodians <count>', 'how many custodians, each with one component (2 to 9)').default(String(lmkComponentCountMin)))
    .option('--dev', 'create the published DEVELOPMENT LMK instead: for tests and demos only, never for real cards')
    .action(async (options: { custodians: string; dev?: boolean }) => {
      const dataDir = dataDirFromEnvironment(environment);
      let audit: CeremonyAudit | undefined;
      try {
        const custodianCount = Number(options.custodians);
        if (!/^[0-9]$/.test(options.custodians)) {
          throw new BastionError('CLI_ERR_ARGUMENT_INVALID', 'custodians must be a whole number from 2 to 9', { argument: 'custodians' });
        }
        if (readLmkStatus(dataDir) !== undefined) {
          throw new BastionError('HSM_ERR_LMK_EXISTS', `an LMK already exists (${lmkFilePath(dataDir)}); a ceremony never replaces it`, { argument: 'BASTION_DATA_DIR' });
        }
        audit = await openCeremonyAudit(environment, nowMs);
        if (options.dev === true) {
          const result = await createDevelopmentLmk(io, dataDir, nowMs());
          await audit.record('success', { development: true, lmkKcv: result.kcv, algorithm: result.algorithm });
        } else {
          const reader = createPromptReader(io);
          const passphrase = environment[lmkPassphraseVariable];
          try {
            const result = await runKeyCeremony({
              io,
              reader,
              dataDir,
              custodianCount,
              passphrase: passphrase === '' ? undefined : passphrase,
              nowMs: nowMs(),
            });
            await audit.record('success', { development: false, lmkKcv: result.kcv, algorithm: result.algorithm, custodians: [...result.custodians] });
          } catch (error) {
            const code = isBastionError(error) ? error.code : 'CLI_ERR_INTERNAL';
            await audit.record(code === 'HSM_ERR_CEREMONY' || code === 'HSM_ERR_COMPONENTS' ? 'denied' : 'failure', { development: false, error: code });
            throw error;
          }
        }
        setExit(keysExit.ok);
      } catch (error) {
        io.stderr(errorLine(error));
        setExit(keysExit.error);
      } finally {
        await audit?.close();
      }
    });
  keys
    .command('status')
    .description('whether an LMK exists, whether it is the development LMK, and its KCV (needs no passphrase)')
    .option('--json', 'print one JSON object')
    .action((options: { json?: boolean }) => {
      try {
        const dataDir = dataDirFromEnvironment(environment);
        const status = readLmkStatus(dataDir);
        if (options.json === true) {
          const lmk =
            status === undefined
              ? null
              : {
                  development: status.development,
                  algorithm: status.algorithm,
                  kcv: toHex(status.kcv),
                  custodians: status.custodians,
                  createdAtMs: status.createdAtMs,
                  path: status.path,
                };
          io.stdout(`${JSON.stringify({ lmk })}\n`);
        } else if (status === undefined) {
          io.stdout(`LMK: none (${lmkFilePath(dataDir)}); run \`bastion keys ceremony\`\n`);
        } else {
          io.stdout(
            [
              status.development ? 'LMK: DEVELOPMENT (its key is public: a host refuses it unless started with --dev)' : 'LMK: present',
              `algorithm: ${status.algorithm.toUpperCase()}`,
              `KCV: ${toHex(status.kcv)}`,
              `custodians: ${status.custodians.length === 0 ? 'none' : status.custodians.join(', ')}`,
              `sealed at: ${new Date(status.createdAtMs).toISOString()}`,
              `file: ${status.path}`,
              '',
            ].join('\n'),
          );
        }
        setExit(status === undefined ? keysExit.noLmk : keysExit.ok);
      } catch (error) {
        io.stderr(errorLine(error));
        setExit(keysExit.error);
      }
    });
  return keys;
}
