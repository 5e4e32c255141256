import { createHmac } from 'node:crypto';
import { keyCheckValue, type BlockAlgorithm } from '../../lib/crypto/index.js';
import { BastionError } from '../../lib/errors/index.js';
import { keyAlgorithms, keyTypes, type KeyAlgorithm, type KeyType } from '../../ports/hsm.js';

/**
 * What each key type may be: its algorithms (the first is the default for generateKey) and how
 * it may leave the HSM. Working keys (PIK, MAK, TDK) leave only under their TMK at sign-in; the
 * keys that protect stored data (DEK, HASH) never leave.
 */
interface KeyTypeProfile {
  readonly algorithms: readonly KeyAlgorithm[];
  readonly exportUnderKek: boolean;
  readonly exportAsComponents: boolean;
}

const zoneKey = { exportUnderKek: true, exportAsComponents: true } as const;
const terminalWorkingKey = { exportUnderKek: false, exportAsComponents: false } as const;
const issuerKey = { algorithms: ['tdes-2key'], exportUnderKek: true, exportAsComponents: true } as const;

export const keyTypeProfiles: Readonly<Record<KeyType, KeyTypeProfile>> = {
  TMK: { algorithms: ['tdes-2key', 'tdes-3key', 'sm4'], ...zoneKey },
  PIK: { algorithms: ['tdes-2key', 'tdes-3key', 'aes-128', 'aes-256', 'sm4'], ...terminalWorkingKey },
  MAK: { algorithms: ['des', 'tdes-2key', 'tdes-3key', 'sm4'], ...terminalWorkingKey },
  TDK: { algorithms: ['tdes-2key', 'tdes-3key', 'sm4'], ...terminalWorkingKey },
  ZPK: { algorithms: ['tdes-2key', 'tdes-3key', 'aes-128', 'aes-256', 'sm4'], ...zoneKey },
  ZEK: { algorithms: ['tdes-2key', 'tdes-3key', 'sm4'], ...zoneKey },
  'IMK-AC': issuerKey,
  PVK: issuerKey,
  CVK: issuerKey,
  DEK: { algorithms: ['aes-256'], exportUnderKek: false, exportAsComponents: false },
  HASH: { algorithms: ['hmac-sha256'], exportUnderKek: false, exportAsComponents: false },
  KEK: { algorithms: ['tdes-2key', 'tdes-3key', 'aes-128', 'aes-256', 'sm4'], ...zoneKey },
};

export const keyLengthBytes: Readonly<Record<KeyAlgorithm, number>> = {
  des: 8,
  'tdes-2key': 16,
  'tdes-3key': 24,
  'aes-128': 16,
  'aes-256': 32,
  sm4: 16,
  'hmac-sha256': 32,
};

/** The block cipher of a key algorithm; undefined for HMAC keys. */
export function blockCipherOf(algorithm: KeyAlgorithm): BlockAlgorithm | undefined {
  switch (algorithm) {
    case 'des':
      return 'des';
    case 'tdes-2key':
    case 'tdes-3key':
      return 'tdes';
    case 'aes-128':
    case 'aes-256':
      return 'aes';
    case 'sm4':
      return 'sm4';
    case 'hmac-sha256':
      return undefined;
  }
}

export function isDesFamily(algorithm: KeyAlgorithm): boolean {
  return algorithm === 'des' || algorithm === 'tdes-2key' || algorithm === 'tdes-3key';
}

/** Length of the check value every KeyUnderLmk carries (six hex digits, as HSMs print it). */
export const kcvLengthBytes = 3;

/**
 * The 3-byte KCV of a clear key: the crypto library's default for block ciphers (DES / TDES
 * encrypt zeros, AES / SM4 CMAC of zeros), and for HMAC keys the HMAC of an empty message.
 */
export function keyKcv(algorithm: KeyAlgorithm, key: Uint8Array): Buffer {
  const cipher = blockCipherOf(algorithm);
  if (cipher === undefined) return createHmac('sha256', key).update(Buffer.alloc(0)).digest().subarray(0, kcvLengthBytes);
  return keyCheckValue(cipher, key, { lengthBytes: kcvLengthBytes });
}

/** Throws HSM_ERR_KEY_TYPE unless `type` and `algorithm` are known and go together. */
export function assertTypeAndAlgorithm(type: string, algorithm: string, argument = 'key'): asserts algorithm is KeyAlgorithm {
  if (!(keyTypes as readonly string[]).includes(type)) {
    throw new BastionError('HSM_ERR_KEY_TYPE', `${argument} has an unknown key type`, { argument });
  }
  if (!(keyAlgorithms as readonly string[]).includes(algorithm)) {
    throw new BastionError('HSM_ERR_KEY_TYPE', `${argument} has an unknown key algorithm`, { argument });
  }
  const allowed = keyTypeProfiles[type as KeyType].algorithms as readonly string[];
  if (!allowed.includes(algorithm)) {
    throw new BastionError('HSM_ERR_KEY_TYPE', `a ${type} may be ${allowed.join(', ')}, not ${algorithm}`, { argument, type, algorithm });
  }
}
