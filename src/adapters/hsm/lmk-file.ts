import { randomBytes, scrypt } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fromHex, toHex } from '../../lib/crypto/index.js';
import { BastionError } from '../../lib/errors/index.js';
import { LocalMasterKey, lmkComponentCountMax, type LmkAlgorithm } from './local-master-key.js';

/**
 * The LMK between restarts: `BASTION_DATA_DIR/keys/lmk.sealed` (mode 0600 in a 0700 folder), a
 * small JSON file holding the LMK sealed with AES-256-GCM under a key derived by scrypt from a
 * passphrase (BASTION_LMK_PASSPHRASE, or typed at the ceremony and at start-up). The header —
 * whether it is the development LMK, the algorithm, the LMK's KCV, the custodians' names, the
 * scrypt parameters — is the additional authenticated data, so none of it can be edited.
 *
 * This is the software HSM's main limitation compared with a real HSM: there the LMK never
 * leaves tamper-resistant hardware and is loaded from custodians' smart cards; here whoever gets
 * both this file and the passphrase (or this process's memory) gets the LMK, and with it every
 * key. Keep the passphrase apart from the file and from the backups that contain it.
 *
 * The development LMK's file holds no secret at all: it only says "development" (authenticated
 * by nothing, since the key is public anyway) and the LMK is rebuilt from the published seed, so
 * a host refuses it unless started with --dev.
 */
export const lmkFileFormat = 'bastion-lmk-sealed';
export const lmkFileVersion = 1;
/** A sealed LMK file is well under a kilobyte; anything larger is not one. */
export const lmkFileBytesMax = 16 * 1024;
export const lmkPassphraseLengthMin = 12;
export const lmkPassphraseLengthMax = 1024;
export const custodianNameLengthMax = 64;

/** scrypt cost: 2^17 × 8 × 128 bytes = 128 MiB and about a third of a second per derivation. */
export const lmkScryptParameters = { N: 2 ** 17, r: 8, p: 1 } as const;
/** Bounds on parameters read back from a file, so a crafted file cannot ask for unbounded work. */
const scryptLogNMin = 14;
const scryptLogNMax = 20;
const scryptRMax = 16;
const scryptPMax = 4;
const saltLengthBytes = 16;
const derivedKeyBytes = 32;
const scryptMemoryBytesMax = 1024 * 1024 * 1024;

export interface LmkFileHeader {
  readonly format: typeof lmkFileFormat;
  readonly version: typeof lmkFileVersion;
  readonly development: boolean;
  readonly algorithm: LmkAlgorithm;
  /** Six hex digits, as the ceremony showed them. */
  readonly kcv: string;
  readonly custodians: readonly string[];
  readonly createdAtMs: number;
  readonly kdf: { readonly name: 'scrypt'; readonly N: number; readonly r: number; readonly p: number; readonly salt: string } | null;
}

interface LmkFile extends LmkFileHeader {
  readonly sealed: { readonly iv: string; readonly ciphertext: string; readonly tag: string } | null;
}

export function lmkFilePath(dataDir: string): string {
  return join(dataDir, 'keys', 'lmk.sealed');
}

/** The header's bytes as authenticated: fixed field order, whatever order the file had. */
function headerAad(header: LmkFileHeader): Buffer {
  const { format, version, development, algorithm, kcv, custodians, createdAtMs, kdf } = header;
  return Buffer.from(JSON.stringify([format, version, development, algorithm, kcv, custodians, createdAtMs, kdf]), 'utf8');
}

function deriveKey(passphrase: string, kdf: NonNullable<LmkFileHeader['kdf']>): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      passphrase.normalize('NFC'),
      Buffer.from(kdf.salt, 'base64'),
      derivedKeyBytes,
      { N: kdf.N, r: kdf.r, p: kdf.p, maxmem: scryptMemoryBytesMax },
      (error, key) => {
        if (error === null) resolve(key);
        else reject(new BastionError('HSM_ERR_LMK_FILE', 'the sealed LMK file asks for key-derivation parameters this host cannot use'));
      },
    );
  });
}

function assertPassphrase(passphrase: string | undefined): asserts passphrase is string {
  if (passphrase === undefined || passphrase === '') {
    throw new BastionError('HSM_ERR_PASSPHRASE', 'the LMK passphrase is needed: set BASTION_LMK_PASSPHRASE or type it when asked', { argument: 'passphrase' });
  }
  if (passphrase.length < lmkPassphraseLengthMin || passphrase.length > lmkPassphraseLengthMax) {
    throw new BastionError('HSM_ERR_PASSPHRASE', `the LMK passphrase must be ${lmkPassphraseLengthMin} to ${lmkPassphraseLengthMax} characters`, {
      argument: 'passphrase',
    });
  }
}

export interface SealLmkOptions {
  readonly dataDir: string;
  readonly lmk: LocalMasterKey;
  /** Required unless the LMK is the development one. */
  readonly passphrase?: string;
  readonly custodians: readonly string[];
  readonly nowMs: number;
}

/** Writes the sealed LMK; never replaces an existing file (HSM_ERR_LMK_EXISTS). Returns its path. */
export async function sealLmk(options: SealLmkOptions): Promise<string> {
  const path = lmkFilePath(options.dataDir);
  if (lmkFileExists(path)) throw lmkExists();
  const base = {
    format: lmkFileFormat,
    version: lmkFileVersion,
    development: options.lmk.development,
    algorithm: options.lmk.algorithm,
    kcv: toHex(options.lmk.kcv),
    custodians: [...options.custodians],
    createdAtMs: options.nowMs,
  } as const;
  let file: LmkFile;
  if (options.lmk.development) {
    file = { ...base, kdf: null, sealed: null };
  } else {
    assertPassphrase(options.passphrase);
    const kdf = { name: 'scrypt', ...lmkScryptParameters, salt: randomBytes(saltLengthBytes).toString('base64') } as const;
    const header: LmkFileHeader = { ...base, kdf };
    const wrappingKey = await deriveKey(options.passphrase, kdf);
    const sealed = options.lmk.sealUnder(wrappingKey, headerAad(header));
    wrappingKey.fill(0);
    file = {
      ...header,
      sealed: { iv: sealed.iv.toString('base64'), ciphertext: sealed.ciphertext.toString('base64'), tag: sealed.tag.toString('base64') },
    };
  }
  writeNewFile(path, `${JSON.stringify(file, null, 2)}\n`);
  return path;
}

function lmkFileExists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new BastionError('HSM_ERR_LMK_FILE', 'the sealed LMK file cannot be read', { argument: 'BASTION_DATA_DIR' });
  }
}

function lmkExists(): BastionError {
  return new BastionError('HSM_ERR_LMK_EXISTS', 'an LMK already exists in this data directory; every key is under it, so a ceremony will not replace it', {
    argument: 'BASTION_DATA_DIR',
  });
}

/**
 * Writes a temporary file (0600), flushes it, then links it to its final name: link fails if the
 * name exists, so two ceremonies at once cannot overwrite each other, and a crash leaves either
 * no file or a whole one.
 */
function writeNewFile(path: string, text: string): void {
  const dir = join(path, '..');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw lmkExists();
    throw new BastionError('HSM_ERR_LMK_FILE', 'the sealed LMK file could not be written', { argument: 'BASTION_DATA_DIR' });
  } finally {
    unlinkSync(temporary);
  }
  const dirFd = openSync(dir, 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

function malformed(what: string): BastionError {
  return new BastionError('HSM_ERR_LMK_FILE', `the sealed LMK file is malformed (${what}); restore it from a backup`, { argument: 'lmk.sealed' });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function base64Of(value: unknown, lengthBytes: number | undefined, what: string): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) throw malformed(what);
  const bytes = Buffer.from(value, 'base64');
  if (lengthBytes !== undefined && bytes.length !== lengthBytes) throw malformed(what);
  return value;
}

/** Checks every field of a parsed file; nothing from it is trusted before this. */
function parseLmkFile(text: string): LmkFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw malformed('not JSON');
  }
  if (!isRecord(raw) || raw['format'] !== lmkFileFormat) throw malformed('not a sealed LMK');
  if (raw['version'] !== lmkFileVersion) throw malformed('unknown version');
  const development = raw['development'];
  const algorithm = raw['algorithm'];
  const kcv = raw['kcv'];
  const custodians = raw['custodians'];
  const createdAtMs = raw['createdAtMs'];
  if (typeof development !== 'boolean') throw malformed('development');
  if (algorithm !== 'aes-128' && algorithm !== 'aes-256') throw malformed('algorithm');
  if (typeof kcv !== 'string' || !/^[0-9A-F]{6}$/.test(kcv)) throw malformed('kcv');
  if (
    !Array.isArray(custodians) ||
    custodians.length > lmkComponentCountMax ||
    !custodians.every((name): name is string => typeof name === 'string' && name.length > 0 && name.length <= custodianNameLengthMax)
  ) {
    throw malformed('custodians');
  }
  if (typeof createdAtMs !== 'number' || !Number.isSafeInteger(createdAtMs) || createdAtMs < 0) throw malformed('createdAtMs');
  const base = { format: lmkFileFormat, version: lmkFileVersion, development, algorithm, kcv, custodians, createdAtMs } as const;
  if (development) return { ...base, kdf: null, sealed: null };
  const kdf = raw['kdf'];
  const sealed = raw['sealed'];
  if (!isRecord(kdf) || kdf['name'] !== 'scrypt') throw malformed('kdf');
  const { N, r, p } = kdf;
  if (typeof N !== 'number' || !Number.isInteger(Math.log2(N)) || Math.log2(N) < scryptLogNMin || Math.log2(N) > scryptLogNMax) throw malformed('kdf.N');
  if (typeof r !== 'number' || !Number.isInteger(r) || r < 1 || r > scryptRMax) throw malformed('kdf.r');
  if (typeof p !== 'number' || !Number.isInteger(p) || p < 1 || p > scryptPMax) throw malformed('kdf.p');
  if (!isRecord(sealed)) throw malformed('sealed');
  const algorithmBytes = algorithm === 'aes-128' ? 16 : 32;
  return {
    ...base,
    kdf: { name: 'scrypt', N, r, p, salt: base64Of(kdf['salt'], saltLengthBytes, 'kdf.salt') },
    sealed: {
      iv: base64Of(sealed['iv'], 12, 'sealed.iv'),
      ciphertext: base64Of(sealed['ciphertext'], algorithmBytes, 'sealed.ciphertext'),
      tag: base64Of(sealed['tag'], 16, 'sealed.tag'),
    },
  };
}

/** Reads and checks the file; undefined when there is none. */
function readLmkFile(path: string): LmkFile | undefined {
  let stat;
  try {
    stat = statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new BastionError('HSM_ERR_LMK_FILE', 'the sealed LMK file cannot be read', { argument: 'lmk.sealed' });
  }
  if (!stat.isFile() || stat.size > lmkFileBytesMax) throw malformed('not a small regular file');
  // Like ssh with private keys: a sealed LMK that others may read is refused, not silently used.
  if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
    throw new BastionError('HSM_ERR_LMK_FILE', 'the sealed LMK file is readable or writable by other users; chmod 600 it', { argument: 'lmk.sealed' });
  }
  return parseLmkFile(readFileSync(path, 'utf8'));
}

export interface LmkStatus {
  readonly path: string;
  readonly development: boolean;
  readonly algorithm: LmkAlgorithm;
  readonly kcv: Buffer;
  readonly custodians: readonly string[];
  readonly createdAtMs: number;
}

/** What `bastion keys status` shows; needs no passphrase. Undefined when there is no LMK. */
export function readLmkStatus(dataDir: string): LmkStatus | undefined {
  const path = lmkFilePath(dataDir);
  const file = readLmkFile(path);
  if (file === undefined) return undefined;
  return { path, development: file.development, algorithm: file.algorithm, kcv: fromHex(file.kcv), custodians: file.custodians, createdAtMs: file.createdAtMs };
}

export interface LoadLmkOptions {
  readonly dataDir: string;
  readonly passphrase: string | undefined;
  /** Only a host started with --dev may load the development LMK. */
  readonly allowDev: boolean;
}

/** The LMK for start-up: HSM_ERR_LMK_MISSING, HSM_ERR_LMK_DEV_REFUSED, HSM_ERR_PASSPHRASE or HSM_ERR_LMK_FILE otherwise. */
export async function loadLmk(options: LoadLmkOptions): Promise<LocalMasterKey> {
  const file = readLmkFile(lmkFilePath(options.dataDir));
  if (file === undefined) {
    throw new BastionError('HSM_ERR_LMK_MISSING', 'there is no LMK in this data directory: run `bastion keys ceremony` first', { argument: 'BASTION_DATA_DIR' });
  }
  let lmk: LocalMasterKey | undefined;
  if (file.development) {
    if (!options.allowDev) {
      throw new BastionError('HSM_ERR_LMK_DEV_REFUSED', 'this data directory holds the development LMK, whose key is public; start with --dev to use it, never with real cards');
    }
    lmk = LocalMasterKey.development();
  } else {
    assertPassphrase(options.passphrase);
    const { kdf, sealed } = file;
    if (kdf === null || sealed === null) throw malformed('sealed');
    const wrappingKey = await deriveKey(options.passphrase, kdf);
    lmk = LocalMasterKey.unsealFrom(
      wrappingKey,
      { iv: Buffer.from(sealed.iv, 'base64'), ciphertext: Buffer.from(sealed.ciphertext, 'base64'), tag: Buffer.from(sealed.tag, 'base64') },
      headerAad(file),
    );
    wrappingKey.fill(0);
    if (lmk === undefined) {
      throw new BastionError('HSM_ERR_PASSPHRASE', 'the passphrase does not open the sealed LMK (or the file was altered)', { argument: 'passphrase' });
    }
  }
  if (toHex(lmk.kcv) !== file.kcv || lmk.algorithm !== file.algorithm) {
    lmk.destroy();
    throw malformed('the LMK does not match its check value');
  }
  return lmk;
}
