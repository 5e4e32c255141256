import { randomFillSync } from 'node:crypto';
import { BastionError } from '../../lib/errors/index.js';
import { LocalMasterKey } from './local-master-key.js';
import { workerLmkAad, type WorkerLmk } from './worker-protocol.js';

const wrappingKeyBytes = 32;

/**
 * The LMK ready to travel to one worker thread in its `workerData`: the development LMK by name,
 * else sealed (AES-GCM) under 32 random bytes made for that worker alone. The wrapping key is put
 * in `transfer` — pass it as the Worker's `transferList`, so that it is moved, not copied — and
 * `wipeSentLmk` wipes what is left on this side once the Worker has been constructed.
 */
export function sealLmkForWorker(lmk: LocalMasterKey, transfer: ArrayBuffer[]): WorkerLmk {
  if (lmk.development) return { development: true };
  const wrappingKey = new ArrayBuffer(wrappingKeyBytes);
  const wrappingBytes = new Uint8Array(wrappingKey);
  randomFillSync(wrappingBytes);
  const sealed = lmk.sealUnder(wrappingBytes, workerLmkAad);
  transfer.push(wrappingKey);
  return { development: false, wrappingKey, iv: new Uint8Array(sealed.iv), ciphertext: new Uint8Array(sealed.ciphertext), tag: new Uint8Array(sealed.tag) };
}

/** The parent's copies of what `sealLmkForWorker` made, wiped once the Worker constructor has cloned (or moved) them. */
export function wipeSentLmk(sent: WorkerLmk, transfer: readonly ArrayBuffer[]): void {
  for (const buffer of transfer) if (buffer.byteLength > 0) new Uint8Array(buffer).fill(0);
  if (!sent.development) sent.ciphertext.fill(0);
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** In the worker: the LMK its parent sent, opened; what it came in (the wrapping key, the sealed copy) is wiped. */
export function openLmkFromParent(sent: WorkerLmk): LocalMasterKey {
  if (sent.development) return LocalMasterKey.development();
  const wrappingKey = new Uint8Array(sent.wrappingKey);
  try {
    const lmk = LocalMasterKey.unsealFrom(wrappingKey, { iv: asBuffer(sent.iv), ciphertext: asBuffer(sent.ciphertext), tag: asBuffer(sent.tag) }, workerLmkAad);
    if (lmk === undefined) throw new BastionError('HSM_ERR_UNAVAILABLE', 'the worker could not open the LMK its parent sent');
    return lmk;
  } finally {
    wrappingKey.fill(0);
    sent.ciphertext.fill(0);
  }
}
