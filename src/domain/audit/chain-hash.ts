import { createHmac } from 'node:crypto';
import { BastionError } from '../../lib/errors/index.js';
import type { StoredEventFields } from './event.js';

/**
 * The hash chain. Each row's hash is HMAC-SHA-256, under the audit chain key, of a canonical
 * encoding of the row and the previous row's hash:
 *
 *   label "bastion.audit.v1" · seq (int64 BE) · at_ms (int64 BE) · actor · action · target ·
 *   source · outcome · details · prev_hash (32 bytes)
 *
 * where every text is its UTF-8 length (uint32 BE) then its bytes, so no two different rows
 * encode alike ("ab" + "c" ≠ "a" + "bc"). A plain SHA-256 chain would catch accidents but not an
 * attacker with write access to the database, who could recompute every hash after an edit;
 * keyed, the chain can only be rewritten by someone who also holds the key. See docs/audit.md
 * for where the key lives and what the chain does not protect against.
 */
export const auditHashBytes = 32;
export const auditChainKeyBytes = 32;
/** The prev_hash of the first row: fixed, so the start of the log is pinned too. */
export const auditGenesisHash: Buffer = Buffer.alloc(auditHashBytes);
/** Key check values are this long: enough to tell keys apart, too short to matter. */
export const auditKeyCheckBytes = 8;

const rowLabel = 'bastion.audit.v1';
const keyCheckLabel = 'bastion.audit.key-check.v1';

/** The fields the hash covers, as stored. */
export interface ChainedFields extends StoredEventFields {
  readonly seq: bigint;
  readonly atMs: bigint;
  readonly prevHash: Uint8Array;
}

export function assertChainKey(key: Uint8Array): void {
  if (key.length !== auditChainKeyBytes) {
    throw new BastionError('AUDIT_ERR_KEY', `the audit chain key must be ${auditChainKeyBytes} bytes`, { argument: 'chainKey', length: key.length });
  }
}

export function auditRowHash(key: Uint8Array, fields: ChainedFields): Buffer {
  const mac = createHmac('sha256', key);
  mac.update(text(rowLabel));
  mac.update(int64(fields.seq));
  mac.update(int64(fields.atMs));
  for (const field of [fields.actor, fields.action, fields.target, fields.source, fields.outcome, fields.details]) mac.update(text(field));
  // A prev_hash of any other length (a tampered row) still hashes unambiguously: it comes last.
  mac.update(fields.prevHash);
  return mac.digest();
}

/** A short value that identifies the key without revealing it (like a KCV). */
export function auditKeyCheck(key: Uint8Array): Buffer {
  return createHmac('sha256', key).update(text(keyCheckLabel)).digest().subarray(0, auditKeyCheckBytes);
}

function text(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(bytes.length);
  return Buffer.concat([prefix, bytes]);
}

function int64(value: bigint): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigInt64BE(value);
  return bytes;
}
