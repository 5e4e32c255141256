import { equalBytes } from '../../lib/crypto/index.js';
import { BastionError } from '../../lib/errors/index.js';
import type { KeyAlgorithm, KeyType, KeyUnderLmk } from '../../ports/hsm.js';
import { CachedKey, type KeyUse } from './cached-key.js';
import { KeyCache, type KeyCacheOptions } from './key-cache.js';
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
    cacheOptions: KeyCacheOptions = {},
  ) {
    this.cache = new KeyCache(cacheEntriesMax, cacheOptions);
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
    const opened = this.openKey(key, allowed, argument);
    const copy = Buffer.from(opened.clearKey);
    opened.release();
    return copy;
  }

  /**
   * `key` opened and checked exactly as `open` does (usage, integrity, KCV), without copying the
   * clear key out: the operation asks the result for the object it needs (`use`), which is kept
   * with the cached key for the next call, and calls `release` when done.
   */
  openKey(key: KeyUnderLmk, allowed: readonly KeyType[], argument: string): OpenedKey {
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
    const cacheOn = this.cache.enabled;
    const cached = cacheOn ? this.cache.get(key) : undefined;
    if (cached !== undefined) return new OpenedKey(this, key, allowed, argument, cached);
    const clear = this.lmk.unwrapKey(key.type, key.algorithm, key.ciphertext, argument);
    if (clear.length !== keyLengthBytes[key.algorithm] || !equalBytes(keyKcv(key.algorithm, clear), key.kcv)) {
      clear.fill(0);
      throw new BastionError('HSM_ERR_KEY_INTEGRITY', `${argument} (${key.type}) does not match its KCV`, { argument, type: key.type });
    }
    const entry = new CachedKey(clear, key);
    this.cache.set(entry);
    return new OpenedKey(this, key, allowed, argument, entry, !cacheOn);
  }

  /** Keys in the cache, and the objects (cipher contexts) prepared from them. */
  get cacheCounts(): { readonly keys: number; readonly preparedObjects: number } {
    return { keys: this.cache.size, preparedObjects: this.cache.preparedCount };
  }

  /** Forgets every cached clear key (wiping them) and every object prepared from one. */
  forget(): void {
    this.cache.clear();
  }
}

/**
 * A key an operation has opened: ask it for the prepared object of a use, then release it. The
 * object comes from the cached key when there is one; a key evicted in between (a cache smaller
 * than the keys one operation opens) is opened again, checks and all; with the cache off the
 * object is made from a clear key that `release` wipes.
 */
export class OpenedKey {
  constructor(
    private readonly keyring: Keyring,
    private readonly key: KeyUnderLmk,
    private readonly allowed: readonly KeyType[],
    private readonly argument: string,
    private readonly entry: CachedKey,
    private readonly transient = false,
  ) {}

  /** The clear key, not a copy: for the keyring's own `open`, which copies it. */
  get clearKey(): Buffer {
    return this.entry.clearKey;
  }

  use<T>(use: KeyUse<T>): T {
    if (!this.entry.wiped) return this.entry.prepared(use, this.argument);
    const again = this.keyring.openKey(this.key, this.allowed, this.argument);
    try {
      return again.use(use);
    } finally {
      again.release();
    }
  }

  /** Done with the key: wipes it unless the cache keeps it. */
  release(): void {
    if (this.transient) this.entry.wipe();
  }
}
