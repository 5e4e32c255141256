import { createHmac } from 'node:crypto';
import { BastionError } from '../../lib/errors/index.js';
import type { KeyUnderLmk, SealedPan } from '../../ports/hsm.js';
import type { Keyring } from './keyring.js';
import { assertPan } from '../../lib/crypto/pan.js';
import { gcmOpen, gcmSeal } from './local-master-key.js';

/**
 * PAN protection: AES-256-GCM under a DEK, the purpose label as additional data (so a PAN
 * ciphertext can't pass for another kind of sealed value), and an HMAC-SHA-256 look-up hash under
 * a HASH key, so that equal PANs are found without storing them or an unkeyed hash (the PAN space
 * is small enough to brute-force any unkeyed hash).
 */
export const panSealLabel = Buffer.from('bastion/card-data/pan/v1', 'latin1');
const panLookupLabel = Buffer.from('bastion/card-data/pan-lookup/v1\u0000', 'latin1');

export function encryptPan(keyring: Keyring, dek: KeyUnderLmk, pan: string): SealedPan {
  assertPan(pan);
  const key = keyring.open(dek, ['DEK'], 'dek');
  const plaintext = Buffer.from(pan, 'latin1');
  try {
    return gcmSeal(key, plaintext, panSealLabel);
  } finally {
    key.fill(0);
    plaintext.fill(0);
  }
}

export function decryptPan(keyring: Keyring, dek: KeyUnderLmk, sealed: SealedPan): string {
  const key = keyring.open(dek, ['DEK'], 'dek');
  try {
    const plaintext = gcmOpen(key, sealed, panSealLabel);
    const pan = plaintext?.toString('latin1');
    plaintext?.fill(0);
    if (pan === undefined || !/^[0-9]{12,19}$/.test(pan)) {
      throw new BastionError('HSM_ERR_DATA_INTEGRITY', 'the sealed PAN does not open under this data key: it was altered or sealed under another key', {
        argument: 'sealed',
      });
    }
    return pan;
  } finally {
    key.fill(0);
  }
}

export function panLookupHash(keyring: Keyring, hashKey: KeyUnderLmk, pan: string): Buffer {
  assertPan(pan);
  const key = keyring.open(hashKey, ['HASH'], 'hashKey');
  try {
    return createHmac('sha256', key).update(panLookupLabel).update(pan, 'latin1').digest();
  } finally {
    key.fill(0);
  }
}
