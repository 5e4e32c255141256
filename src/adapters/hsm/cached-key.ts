import type { KeyAlgorithm, KeyType, KeyUnderLmk } from '../../ports/hsm.js';

/**
 * What an operation prepares a clear key for: a MAC of one algorithm and variant, a PIN block
 * cipher of one format, a PVV calculator … `prepare` builds the object (its cipher contexts, and
 * so its key schedules) from the clear key; the object must keep its own copy of the key, because
 * the keyring wipes the clear key it was built from when the entry is evicted. Uses are compared
 * by identity: each is a module constant, so an object made for one use is never handed out for
 * another (a MAC object is never a PIN cipher, a des-left MAC never a tdes one).
 */
export interface KeyUse<T> {
  /** For reading code and test names only; never part of any cache id. */
  readonly name: string;
  prepare(clearKey: Buffer, argument: string): T;
}

/**
 * A clear key the keyring has opened and checked, with the objects prepared from it, at most one
 * per use, and its own copy of what was authenticated (type, algorithm, KCV, ciphertext): the key
 * cache finds an entry only for a key that matches all of it. Wiped as a whole: the clear key is
 * zeroed and the prepared objects are dropped (their OpenSSL contexts, and the key copies they
 * hold, go with the garbage collector, as the objects an operation made per call always did).
 * Never logged, never serialised.
 */
export class CachedKey {
  readonly #clear: Buffer;
  readonly #type: KeyType;
  readonly #algorithm: KeyAlgorithm;
  readonly #kcv: Buffer;
  readonly #ciphertext: Buffer;
  readonly #prepared = new Map<KeyUse<unknown>, unknown>();
  #wiped = false;

  /** `clearKey` is taken over (and wiped with the entry); `key` is copied. */
  constructor(clearKey: Buffer, key: KeyUnderLmk) {
    this.#clear = clearKey;
    this.#type = key.type;
    this.#algorithm = key.algorithm;
    this.#kcv = Buffer.from(key.kcv);
    this.#ciphertext = Buffer.from(key.ciphertext);
  }

  /** Whether `key` is the key this entry was opened from: every authenticated field, in full. */
  matches(key: KeyUnderLmk): boolean {
    return key.type === this.#type && key.algorithm === this.#algorithm && this.#kcv.equals(key.kcv) && this.#ciphertext.equals(key.ciphertext);
  }

  sameKeyAs(other: CachedKey): boolean {
    return other.matches({ type: this.#type, algorithm: this.#algorithm, kcv: this.#kcv, ciphertext: this.#ciphertext });
  }

  get ciphertext(): Buffer {
    return this.#ciphertext;
  }

  /** The clear key itself (not a copy): callers copy it before it leaves the keyring. */
  get clearKey(): Buffer {
    return this.#clear;
  }

  get wiped(): boolean {
    return this.#wiped;
  }

  /** Objects prepared so far (one per use asked for). */
  get preparedCount(): number {
    return this.#prepared.size;
  }

  /**
   * The object prepared for `use`, built on first need. If `use.prepare` throws (a key that does
   * not suit the use), nothing is kept and the next call throws the same way.
   */
  prepared<T>(use: KeyUse<T>, argument: string): T {
    if (this.#wiped) throw new Error('a wiped key was used: the keyring must open it again');
    const known = this.#prepared.get(use);
    // Keyed by the use object, so what is stored under `use` was made by `use.prepare`: a T.
    if (known !== undefined) return known as T;
    const made = use.prepare(this.#clear, argument);
    this.#prepared.set(use, made);
    return made;
  }

  wipe(): void {
    this.#wiped = true;
    this.#clear.fill(0);
    this.#prepared.clear();
  }

  toJSON(): { prepared: number } {
    return { prepared: this.#prepared.size };
  }
}
