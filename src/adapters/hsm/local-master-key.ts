import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { equalBytes, keyCheckValue, toHex } from '../../lib/crypto/index.js';
import { BastionError } from '../../lib/errors/index.js';
import type { KeyAlgorithm, KeyType } from '../../ports/hsm.js';
import { kcvLengthBytes } from './key-profiles.js';

/**
 * The local master key (LMK) of the software HSM: an AES key that lives only in this object's
 * private field, in memory. Every other key is stored enciphered under it with AES-GCM, the key's
 * type and algorithm being the additional authenticated data: a PIK relabelled as a MAK (or a
 * DEK as a HASH key) fails authentication, so the type a caller presents is the type the key was
 * made for. Whole-key authenticated encryption also means a stored key can't be spliced or
 * altered bit by bit the way ECB-enciphered key halves can.
 *
 * The LMK is AES-256 when custodians enter 64-hex-digit components (recommended) and AES-128
 * with 32-digit components. Nonces are random (96 bits): NIST SP 800-38D bounds one key to 2^32
 * random-nonce encryptions, far beyond the keys one LMK will ever wrap (a million terminals
 * signing in daily for a decade is under 2^32 working keys).
 */
export type LmkAlgorithm = 'aes-128' | 'aes-256';

export const lmkComponentLengthsBytes: readonly number[] = [16, 32];
export const lmkComponentCountMin = 2;
export const lmkComponentCountMax = 9;

/**
 * The development LMK is SHA-256 of this published text. Anyone can rebuild it, which is the
 * point: it exists so that tests and demos run without a ceremony, and nothing under it is secret.
 */
export const developmentLmkSeed = 'Bastion development LMK - published in the source code - never use it for real cards';

const wrapFormatVersion = 0x01;
const nonceLengthBytes = 12;
const tagLengthBytes = 16;

export interface SealedBytes {
  readonly iv: Buffer;
  readonly ciphertext: Buffer;
  readonly tag: Buffer;
}

function gcmName(keyLength: number): 'aes-128-gcm' | 'aes-256-gcm' {
  return keyLength === 16 ? 'aes-128-gcm' : 'aes-256-gcm';
}

function keyAad(type: KeyType, algorithm: KeyAlgorithm): Buffer {
  return Buffer.from(`bastion/key-under-lmk/v1/${type}/${algorithm}`, 'latin1');
}

/** AES-GCM seal of `plaintext` under `key` with `aad`. */
export function gcmSeal(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): SealedBytes {
  const iv = randomBytes(nonceLengthBytes);
  const cipher = createCipheriv(gcmName(key.length), key, iv, { authTagLength: tagLengthBytes });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, ciphertext, tag: cipher.getAuthTag() };
}

/** The plaintext, or undefined when the tag does not verify (wrong key, altered data or AAD). */
export function gcmOpen(key: Uint8Array, sealed: SealedBytes, aad: Uint8Array): Buffer | undefined {
  if (sealed.iv.length !== nonceLengthBytes || sealed.tag.length !== tagLengthBytes) return undefined;
  const decipher = createDecipheriv(gcmName(key.length), key, sealed.iv, { authTagLength: tagLengthBytes });
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.tag);
  try {
    return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
  } catch {
    return undefined;
  }
}

/** The check value custodians compare: the AES CMAC of zeros, 3 bytes (AES has no encrypt-zeros KCV worth showing). */
export function lmkCheckValue(keyOrComponent: Uint8Array): Buffer {
  return keyCheckValue('aes', keyOrComponent, { lengthBytes: kcvLengthBytes });
}

export class LocalMasterKey {
  readonly #key: Buffer;
  readonly algorithm: LmkAlgorithm;
  readonly kcv: Buffer;
  readonly development: boolean;

  private constructor(key: Buffer, development: boolean) {
    this.#key = key;
    this.algorithm = key.length === 16 ? 'aes-128' : 'aes-256';
    this.kcv = lmkCheckValue(key);
    this.development = development;
  }

  /**
   * The LMK as the XOR of custodians' components: 2 to 9, all 16 or all 32 bytes, all different,
   * and not combining to zeros (two equal components would cancel out).
   */
  static fromComponents(components: readonly Uint8Array[]): LocalMasterKey {
    if (components.length < lmkComponentCountMin || components.length > lmkComponentCountMax) {
      throw new BastionError('HSM_ERR_CEREMONY', `the LMK needs ${lmkComponentCountMin} to ${lmkComponentCountMax} components, got ${components.length}`, {
        argument: 'components',
        count: components.length,
      });
    }
    const length = (components[0] as Uint8Array).length;
    const combined = Buffer.alloc(length);
    components.forEach((component, index) => {
      if (!lmkComponentLengthsBytes.includes(component.length) || component.length !== length) {
        throw new BastionError('HSM_ERR_CEREMONY', 'every LMK component must be 16 or 32 bytes (32 or 64 hex digits), all of one length', {
          argument: `components[${index}]`,
          length: component.length,
        });
      }
      for (let earlier = 0; earlier < index; earlier++) {
        if (equalBytes(components[earlier] as Uint8Array, component)) {
          throw new BastionError('HSM_ERR_COMPONENTS', `component ${index + 1} repeats component ${earlier + 1}`, { argument: `components[${index}]` });
        }
      }
      for (let i = 0; i < length; i++) combined[i] = (combined[i] as number) ^ (component[i] as number);
    });
    if (combined.every((byte) => byte === 0)) {
      combined.fill(0);
      throw new BastionError('HSM_ERR_COMPONENTS', 'the components combine to an all-zero key', { argument: 'components' });
    }
    return new LocalMasterKey(combined, false);
  }

  /** The published development LMK (AES-256): tests and demos only. */
  static development(): LocalMasterKey {
    return new LocalMasterKey(createHash('sha256').update(developmentLmkSeed, 'utf8').digest(), true);
  }

  /** Opens an LMK sealed by `sealUnder`; undefined when `wrappingKey` or `aad` is wrong or the seal was altered. */
  static unsealFrom(wrappingKey: Uint8Array, sealed: SealedBytes, aad: Uint8Array): LocalMasterKey | undefined {
    const key = gcmOpen(wrappingKey, sealed, aad);
    if (key === undefined || !lmkComponentLengthsBytes.includes(key.length)) return undefined;
    return new LocalMasterKey(key, false);
  }

  /** The LMK sealed under a passphrase-derived key, for the sealed file. The clear LMK never leaves. */
  sealUnder(wrappingKey: Uint8Array, aad: Uint8Array): SealedBytes {
    return gcmSeal(wrappingKey, this.#key, aad);
  }

  /** A key enciphered under the LMK: version (1) || nonce (12) || ciphertext || tag (16). */
  wrapKey(type: KeyType, algorithm: KeyAlgorithm, clearKey: Uint8Array): Buffer {
    const { iv, ciphertext, tag } = gcmSeal(this.#key, clearKey, keyAad(type, algorithm));
    return Buffer.concat([Buffer.of(wrapFormatVersion), iv, ciphertext, tag]);
  }

  /** The clear key, or HSM_ERR_KEY_INTEGRITY when the ciphertext, type or algorithm was altered. */
  unwrapKey(type: KeyType, algorithm: KeyAlgorithm, wrapped: Uint8Array, argument = 'key'): Buffer {
    const minimum = 1 + nonceLengthBytes + tagLengthBytes;
    const opened =
      wrapped.length > minimum && wrapped[0] === wrapFormatVersion
        ? gcmOpen(
            this.#key,
            {
              iv: Buffer.from(wrapped.subarray(1, 1 + nonceLengthBytes)),
              ciphertext: Buffer.from(wrapped.subarray(1 + nonceLengthBytes, wrapped.length - tagLengthBytes)),
              tag: Buffer.from(wrapped.subarray(wrapped.length - tagLengthBytes)),
            },
            keyAad(type, algorithm),
          )
        : undefined;
    if (opened === undefined) {
      throw new BastionError('HSM_ERR_KEY_INTEGRITY', `${argument} (${type}) does not open under this LMK: it was altered, relabelled, or made under another LMK`, {
        argument,
        type,
      });
    }
    return opened;
  }

  /** Overwrites the key in memory; the object is useless afterwards. */
  destroy(): void {
    this.#key.fill(0);
  }

  /** What logs and JSON see: the KCV, never the key. */
  toJSON(): { algorithm: LmkAlgorithm; kcv: string; development: boolean } {
    return { algorithm: this.algorithm, kcv: toHex(this.kcv), development: this.development };
  }

  [inspect.custom](): string {
    return `LocalMasterKey(${this.algorithm}, KCV ${toHex(this.kcv)}${this.development ? ', DEVELOPMENT' : ''})`;
  }
}
