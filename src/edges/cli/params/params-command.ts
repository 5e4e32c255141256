import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { AuditLog } from '../../../domain/audit/index.js';
import { EmvParamService, keyName, parseEmvParameterFile, type EmvParamImportResult } from '../../../domain/emv-params/index.js';
import { BastionError } from '../../../lib/errors/index.js';
import { operatingSystemActor } from '../actor.js';
import { auditKeyFilePath, readOrCreateAuditChainKey } from '../audit/chain-key-file.js';
import type { CliIo } from '../io.js';
import { formatTable, runWithServices, toJsonLine } from '../merchants/services.js';
import { dataDirFromEnvironment } from '../store/configured-store.js';

/** A parameter file is read whole; a bigger one is refused before parsing. */
export const PARAMETER_FILE_BYTES_MAX = 1_048_576;

/** `bastion params import | list`: the EMV parameter set (CAPKs, AIDs) the host downloads to terminals (docs/emv-parameters.md). */
export function paramsCommand(io: CliIo, setExit: (code: number) => void): Command {
  const params = new Command('params').description('EMV parameters the host downloads to terminals: CA public keys (CAPKs) and AID parameters');
  params
    .command('import')
    .description('replace the parameter set with a file (docs/emv-parameters.md); all or nothing, every CAPK checksum verified')
    .argument('<file>', 'the JSON parameter file, e.g. params/emv-test-parameters.json')
    .option('--json', 'print the result as one JSON line')
    .action(async (file: string, options: { readonly json?: boolean }) => {
      await runWithServices(io, setExit, async ({ store }) => {
        const set = parseEmvParameterFile(readParameterFile(file));
        const audit = new AuditLog({ store, clock: () => BigInt(Date.now()), chainKey: readOrCreateAuditChainKey(auditKeyFilePath(process.env, dataDirFromEnvironment())) });
        const service = new EmvParamService(store, { clock: () => BigInt(Date.now()), audit });
        const result = await service.import(set, operatingSystemActor(), 'cli');
        return options.json === true ? toJsonLine({ ...result, capks: set.capks.length, aids: set.aids.length }) : importText(result, set.capks.length, set.aids.length);
      });
    });
  params
    .command('list')
    .description('list the CAPKs and AIDs the host holds, and the set version')
    .option('--json', 'print one JSON line: version, capks, aids')
    .action(async (options: { readonly json?: boolean }) => {
      await runWithServices(io, setExit, async ({ store }) => {
        const service = new EmvParamService(store, { clock: () => BigInt(Date.now()) });
        const [versions, capks, aids] = [await service.versions(), await service.capks(), await service.aids()];
        if (options.json === true) {
          return toJsonLine({
            ...versions,
            capks: capks.map((capk) => ({ key: keyName(capk), expiryDate: capk.expiryDate, modulusBits: capk.modulus.length * 8, exponent: capk.exponent, checksum: capk.checksum })),
            aids: aids.map((aid) => ({ ...aid })),
          });
        }
        const lines = [`parameter set version ${versions.version} (CAPKs changed at ${versions.capkVersion}, AIDs at ${versions.aidVersion})\n`];
        lines.push(capks.length === 0 ? 'no CAPKs\n' : formatTable(['CAPK', 'EXPIRY', 'BITS', 'EXP', 'CHECKSUM'], capks.map((capk) => [keyName(capk), capk.expiryDate, String(capk.modulus.length * 8), hex(capk.exponent), hex(capk.checksum ?? Buffer.alloc(0))])));
        lines.push(
          aids.length === 0
            ? 'no AIDs\n'
            : formatTable(
                ['AID', 'VERSION', 'TAC DEFAULT', 'TAC ONLINE', 'TAC DENIAL', 'FLOOR', 'CL LIMIT', 'CVM LIMIT'],
                aids.map((aid) => [hex(aid.aid), hex(aid.appVersion), hex(aid.tacDefault), hex(aid.tacOnline), hex(aid.tacDenial), String(aid.floorLimitMinor ?? '-'), String(aid.contactlessTransactionLimitMinor ?? '-'), String(aid.contactlessCvmLimitMinor ?? '-')]),
              ),
        );
        return lines.join('');
      });
    });
  return params;
}

function readParameterFile(file: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    throw new BastionError('PARAMS_ERR_FILE', 'the parameter file cannot be read', { path: '$' });
  }
  if (bytes.length > PARAMETER_FILE_BYTES_MAX) throw new BastionError('PARAMS_ERR_FILE', `the parameter file is over ${PARAMETER_FILE_BYTES_MAX} bytes`, { path: '$' });
  return bytes.toString('utf8');
}

function importText(result: EmvParamImportResult, capkCount: number, aidCount: number): string {
  if (!result.changed) return `parameter set unchanged: version ${result.version} (${capkCount} CAPKs, ${aidCount} AIDs)\n`;
  const part = (label: string, names: readonly string[]): string => (names.length === 0 ? '' : `  ${label}: ${names.join(' ')}\n`);
  return [
    `parameter set imported: version ${result.version} (${capkCount} CAPKs, ${aidCount} AIDs); terminals will be asked to download ${result.capkVersion === result.version ? 'CAPKs and AID parameters' : 'AID parameters'}\n`,
    part('CAPKs added', result.capksAdded),
    part('CAPKs changed', result.capksChanged),
    part('CAPKs removed', result.capksRemoved),
    part('AIDs added', result.aidsAdded),
    part('AIDs changed', result.aidsChanged),
    part('AIDs removed', result.aidsRemoved),
  ].join('');
}

function hex(bytes: Uint8Array | undefined): string {
  return bytes === undefined ? '-' : Buffer.from(bytes).toString('hex').toUpperCase();
}
