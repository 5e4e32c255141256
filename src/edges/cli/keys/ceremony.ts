import { toHex } from '../../../lib/crypto/index.js';
import { BastionError } from '../../../lib/errors/index.js';
import { lmkComponentCountMax, lmkComponentCountMin, lmkCheckValue, LocalMasterKey } from '../../../adapters/hsm/local-master-key.js';
import { custodianNameLengthMax, lmkFilePath, readLmkStatus, sealLmk } from '../../../adapters/hsm/lmk-file.js';
import type { CliIo } from '../io.js';
import type { PromptReader } from './prompt-reader.js';

/**
 * The key ceremony that forms the LMK (dual control, SECURITY.md): two or more custodians each
 * give their name and type their own component; the same person may not enter two components.
 * Each component's KCV is shown so its custodian can compare it with the one on their sheet, then
 * the LMK's KCV, which every later `bastion keys status` and host start-up repeats. Components
 * are never echoed, printed or stored; the LMK is sealed under a passphrase (lmk-file.ts).
 *
 * The software cannot tell two people from one person typing two names: the names go into the
 * sealed file and the audit log, and the ceremony's witnesses make sure they are true.
 */
export interface CeremonyOptions {
  readonly io: CliIo;
  readonly reader: PromptReader;
  readonly dataDir: string;
  readonly custodianCount: number;
  /** BASTION_LMK_PASSPHRASE when set; otherwise asked for, twice. */
  readonly passphrase: string | undefined;
  readonly nowMs: number;
}

export interface CeremonyResult {
  readonly path: string;
  readonly kcv: string;
  readonly algorithm: string;
  readonly custodians: readonly string[];
}

/** What identifies a custodian: case, spacing and Unicode form do not make a new person. */
function custodianIdentity(name: string): string {
  return name.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
}

function checkedName(answer: string, index: number): string {
  const name = answer.normalize('NFC').trim().replace(/\s+/g, ' ');
  // Control characters could rewrite the terminal or the audit log's lines.
  if (name.length === 0 || name.length > custodianNameLengthMax || /\p{Cc}/u.test(name)) {
    throw new BastionError('HSM_ERR_CEREMONY', `custodian ${index}'s name must be 1 to ${custodianNameLengthMax} printable characters`, {
      argument: `custodian ${index}`,
    });
  }
  return name;
}

/** 32 or 64 hex digits; spaces and dashes between groups are allowed. The value never enters an error. */
function parseComponent(answer: string, index: number, expectedLength: number | undefined): Buffer {
  const digits = answer.replace(/[\s-]+/g, '');
  const lengthOk = expectedLength === undefined ? digits.length === 32 || digits.length === 64 : digits.length === expectedLength;
  if (!/^[0-9A-Fa-f]*$/.test(digits) || !lengthOk) {
    const wanted = expectedLength === undefined ? '32 or 64' : String(expectedLength);
    throw new BastionError('HSM_ERR_CEREMONY', `custodian ${index}'s component must be ${wanted} hexadecimal digits (got ${digits.length} characters); nothing was saved`, {
      argument: `custodian ${index}`,
      length: digits.length,
    });
  }
  return Buffer.from(digits, 'hex');
}

export async function runKeyCeremony(options: CeremonyOptions): Promise<CeremonyResult> {
  const { io, reader, custodianCount } = options;
  if (!Number.isInteger(custodianCount) || custodianCount < lmkComponentCountMin || custodianCount > lmkComponentCountMax) {
    throw new BastionError('HSM_ERR_CEREMONY', `the LMK needs ${lmkComponentCountMin} to ${lmkComponentCountMax} custodians, got ${custodianCount}`, {
      argument: 'custodians',
    });
  }
  if (readLmkStatus(options.dataDir) !== undefined) {
    throw new BastionError('HSM_ERR_LMK_EXISTS', `an LMK already exists (${lmkFilePath(options.dataDir)}); a ceremony never replaces it`, {
      argument: 'BASTION_DATA_DIR',
    });
  }
  io.stdout(`Key ceremony: forming the local master key (LMK) from ${custodianCount} components, one per custodian.\n`);
  const names: string[] = [];
  const identities = new Set<string>();
  const components: Buffer[] = [];
  try {
    for (let index = 1; index <= custodianCount; index++) {
      const name = checkedName(await reader.read(`Custodian ${index} of ${custodianCount}, your name: `), index);
      if (identities.has(custodianIdentity(name))) {
        throw new BastionError('HSM_ERR_CEREMONY', `${name} has already entered a component: each component must come from a different custodian; nothing was saved`, {
          argument: `custodian ${index}`,
        });
      }
      const answer = await reader.read(`${name}, type your component (32 or 64 hex digits; it is not shown): `, { secret: true });
      const component = parseComponent(answer, index, components[0]?.length === undefined ? undefined : components[0].length * 2);
      if (components.some((earlier) => earlier.equals(component))) {
        component.fill(0);
        throw new BastionError('HSM_ERR_CEREMONY', `custodian ${index}'s component repeats an earlier one: each custodian brings their own; nothing was saved`, {
          argument: `custodian ${index}`,
        });
      }
      identities.add(custodianIdentity(name));
      names.push(name);
      components.push(component);
      io.stdout(`  custodian ${index}, ${name}: component KCV ${toHex(lmkCheckValue(component))}\n`);
    }
    const lmk = LocalMasterKey.fromComponents(components);
    try {
      io.stdout(`LMK (${lmk.algorithm.toUpperCase()}) KCV: ${toHex(lmk.kcv)}\n`);
      const passphrase = options.passphrase ?? (await askPassphrase(reader));
      const path = await sealLmk({ dataDir: options.dataDir, lmk, passphrase, custodians: names, nowMs: options.nowMs });
      io.stdout(`Sealed under the passphrase in ${path} (mode 0600). Keep the passphrase apart from this file and its backups.\n`);
      return { path, kcv: toHex(lmk.kcv), algorithm: lmk.algorithm, custodians: names };
    } finally {
      lmk.destroy();
    }
  } finally {
    for (const component of components) component.fill(0);
  }
}

async function askPassphrase(reader: PromptReader): Promise<string> {
  const first = await reader.read('Passphrase to seal the LMK (at least 12 characters; not shown): ', { secret: true });
  const second = await reader.read('The same passphrase again: ', { secret: true });
  if (first !== second) throw new BastionError('HSM_ERR_PASSPHRASE', 'the two passphrases differ; nothing was saved', { argument: 'passphrase' });
  return first;
}

/** The development LMK: no custodians, no passphrase, and a warning that cannot be missed. */
export async function createDevelopmentLmk(io: CliIo, dataDir: string, nowMs: number): Promise<CeremonyResult> {
  io.stderr(
    [
      'WARNING: creating the DEVELOPMENT LMK. Its key comes from a seed published in Bastion\'s source code:',
      'WARNING: anyone can rebuild it, and with it every key stored under it. Use it for tests and demos only,',
      'WARNING: never with real cards. A host refuses it unless it, too, is started with --dev.',
      '',
    ].join('\n'),
  );
  const lmk = LocalMasterKey.development();
  const path = await sealLmk({ dataDir, lmk, custodians: [], nowMs });
  io.stdout(`DEVELOPMENT LMK (${lmk.algorithm.toUpperCase()}) KCV: ${toHex(lmk.kcv)}\nMarked as development in ${path}.\n`);
  return { path, kcv: toHex(lmk.kcv), algorithm: lmk.algorithm, custodians: [] };
}
