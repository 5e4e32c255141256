import { equalBytes } from '../../lib/crypto/index.js';
import { BastionError } from '../../lib/errors/index.js';
import type { KeyAlgorithm, KeyType, KeyUnderLmk } from '../../ports/hsm.js';
import { KeyCache } from './key-cache.js';
import { assertTypeAndAlgorithm, kcvLengthBytes, keyKcv, keyLengthBytes } from './key-profiles.js';
import type { LocalMasterKey } from './local-master-key.js';

/**
 * Between the LMK and the operations: wraps new keys, and opens a presented key only after
 * checking that its type suits the operation (HSM_ERR_KEY_USAGE), that it opens under the LMK with
 * that type and algorithm, and that the clear key matches its KCV (HSM_ERR_KEY_INTEGRITY).
 */
export class Keyring {
  private readonly cache: KeyCache;

  constructor(
    private readonly lmk: LocalMasterKey,
    cacheEntriesMax?: number,
  ) {
    this.cache = new KeyCache(cacheEntriesMax);
  }

  get lmkKcv(): Buffer {
    return this.lmk.kcv;
  }

  get development(): boolean {
    return this.lmk.development;
  }

  wrap(type: KeyType, algorithm: KeyAlgorithm, clearKey: Uint8Array): KeyUnderLmk {
    assertTypeAndAlgorithm(type, algorithm);
    return { type, algorithm, ciphertext: this.lmk.wrapKey(type, algorithm, clearKey), kcv: keyKcv(algorithm, clearKey) };
  }

  /**
   * A copy of the clear key of `key`, which must be one of `allowed` types. `argument` names the
   * key in errors (`mak`, `sourceKey` …); the message says which type was given, never the key.
   */
  open(key: KeyUnderLmk, allowed: readonly KeyType[], argument: string): Buffer {
    assertTypeAndAlgorithm(key.type, key.algorithm, argument);
    if (!allowed.includes(key.type)) {
      throw new BastionError('HSM_ERR_KEY_USAGE', `${argument} must be a ${allowed.join(' or ')} key, not a ${key.type}`, {
        argument,
        type: key.type,
      });
    }
    if (!Buffer.isBuffer(key.ciphertext) || !Buffer.isBuffer(key.kcv) || key.kcv.length !== kcvLengthBytes) {
      throw new BastionError('HSM_ERR_KEY_INTEGRITY', `${argument} is not a key under the LMK: ciphertext and a ${kcvLengthBytes}-byte KCV are required`, {
        argument,
        type: key.type,
      });
    }
    const id = `${key.type}\u0000${key.algorithm}\u0000${key.kcv.toString('hex')}\u0000${key.ciphertext.toString('base64')}`;
    const cached = this.cache.get(id);
    if (cached !== undefined) return Buffer.from(cached);
    const clear = this.lmk.unwrapKey(key.type, key.algorithm, key.ciphertext, argument);
    if (clear.length !== keyLengthBytes[key.algorithm] || !equalBytes(keyKcv(key.algorithm, clear), key.kcv)) {
      clear.fill(0);
      throw new BastionError('HSM_ERR_KEY_INTEGRITY', `${argument} (${key.type}) does not match its KCV`, { argument, type: key.type });
    }
    this.cache.set(id, clear);
    return Buffer.from(clear);
  }

  /** Forgets every cached clear key (wiping them). */
  forget(): void {
    this.cache.clear();
  }
}
