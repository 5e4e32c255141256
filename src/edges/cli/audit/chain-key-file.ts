import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { auditChainKeyBytes } from '../../../domain/audit/index.js';
import { BastionError } from '../../../lib/errors/index.js';

/**
 * The audit chain key lives in a file of its own: BASTION_AUDIT_KEY_FILE, by default
 * `<BASTION_DATA_DIR>/keys/audit-chain.key`, 64 hexadecimal characters, mode 0600 in a 0700
 * folder. Every host process sharing one database needs a copy of the same file. See
 * docs/audit.md for why it is keyed and what that does and does not protect.
 */
export const auditKeyFileVariable = 'BASTION_AUDIT_KEY_FILE';

/** A key file is 64 hex characters and a newline; anything much larger is not one. */
const keyFileBytesMax = 256;

export function auditKeyFilePath(environment: NodeJS.ProcessEnv, dataDir: string): string {
  const configured = environment[auditKeyFileVariable];
  return configured !== undefined && configured !== '' ? configured : join(dataDir, 'keys', 'audit-chain.key');
}

/** The key, or undefined when the file does not exist. */
export function readAuditChainKey(path: string): Buffer | undefined {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    throw keyFileError(path, 'cannot be read');
  }
  if (size > keyFileBytesMax) throw keyFileError(path, `must hold ${auditChainKeyBytes * 2} hexadecimal characters`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch {
    throw keyFileError(path, 'cannot be read');
  }
  if (!new RegExp(`^[0-9a-fA-F]{${auditChainKeyBytes * 2}}$`).test(text)) throw keyFileError(path, `must hold ${auditChainKeyBytes * 2} hexadecimal characters`);
  return Buffer.from(text, 'hex');
}

/**
 * The key, created from the CSPRNG on first use. Creation is atomic and exclusive (written to a
 * private temporary file, then hard-linked into place), so two processes starting together end
 * up with the same key and a reader never sees half a file.
 */
export function readOrCreateAuditChainKey(path: string): Buffer {
  const existing = readAuditChainKey(path);
  if (existing !== undefined) return existing;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${randomBytes(8).toString('hex')}.tmp`;
  const descriptor = openSync(temporary, 'wx', 0o600);
  try {
    writeFileSync(descriptor, `${randomBytes(auditChainKeyBytes).toString('hex')}\n`);
    // A lost key makes the whole log unverifiable: on disk before it is used.
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
  try {
    linkSync(temporary, path);
  } catch (error) {
    if (!isErrno(error, 'EEXIST')) throw keyFileError(path, 'cannot be created');
  } finally {
    unlinkSync(temporary);
  }
  const key = readAuditChainKey(path);
  if (key === undefined) throw keyFileError(path, 'vanished while it was being created');
  return key;
}

function keyFileError(path: string, problem: string): BastionError {
  return new BastionError('AUDIT_ERR_KEY', `the audit key file ${path} ${problem}`, { argument: auditKeyFileVariable });
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}
