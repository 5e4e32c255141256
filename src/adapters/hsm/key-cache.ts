import type { KeyUnderLmk } from '../../ports/hsm.js';
import type { CachedKey } from './cached-key.js';

/**
 * Clear keys the software HSM has already unwrapped and checked, with the objects prepared from
 * them (cipher contexts, so key schedules), so that a busy terminal's MAK is neither opened with
 * AES-GCM nor given a new key schedule on every message. Bounded (least recently used entries go
 * first) and wiped on eviction: the clear key is zeroed and its prepared objects dropped with it.
 *
 * An entry is found by everything that was authenticated — type, algorithm, KCV and ciphertext —
 * compared in full against the entry's own copy of them (CachedKey.matches), so a relabelled key
 * never hits the entry of the key it was copied from. A 32-bit fingerprint of the ciphertext only
 * narrows the search: keys whose fingerprints collide share a bucket and are told apart by the
 * full comparison. This costs a fraction of building a string id (hex and base64) per call.
 * Never logged, never serialised.
 */
export const keyCacheEntriesMax = 4096;

/** FNV-1a over the ciphertext (for a key the LMK wrapped, it ends in its GCM tag). */
export function ciphertextFingerprint(ciphertext: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < ciphertext.length; i++) {
    hash ^= ciphertext[i] as number;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export interface KeyCacheOptions {
  /** The fingerprint function; tests pass a constant one to make every key collide. */
  readonly fingerprintOf?: (ciphertext: Uint8Array) => number;
}

export class KeyCache {
  /** Every entry, least recently used first (a Map keeps insertion order), with its fingerprint. */
  private readonly order = new Map<CachedKey, number>();
  private readonly buckets = new Map<number, CachedKey[]>();
  private readonly fingerprintOf: (ciphertext: Uint8Array) => number;

  constructor(
    private readonly entriesMax: number = keyCacheEntriesMax,
    options: KeyCacheOptions = {},
  ) {
    this.fingerprintOf = options.fingerprintOf ?? ciphertextFingerprint;
  }

  /** Whether this cache keeps anything (a bound of 0 turns it off). */
  get enabled(): boolean {
    return this.entriesMax > 0;
  }

  /** The entry of exactly this key (type, algorithm, KCV and ciphertext), now the most recently used. */
  get(key: KeyUnderLmk): CachedKey | undefined {
    const bucket = this.buckets.get(this.fingerprintOf(key.ciphertext));
    if (bucket === undefined) return undefined;
    for (const entry of bucket) {
      if (entry.matches(key)) {
        // Re-inserting marks the entry as most recently used.
        const fingerprint = this.order.get(entry) as number;
        this.order.delete(entry);
        this.order.set(entry, fingerprint);
        return entry;
      }
    }
    return undefined;
  }

  /** Keeps `entry` for the key it was opened from (CachedKey.matches), evicting beyond the bound. */
  set(entry: CachedKey): void {
    if (this.entriesMax === 0) return;
    const fingerprint = this.fingerprintOf(entry.ciphertext);
    const bucket = this.buckets.get(fingerprint) ?? [];
    const same = bucket.find((other) => other.sameKeyAs(entry));
    if (same !== undefined) this.remove(same);
    this.order.set(entry, fingerprint);
    bucket.push(entry);
    this.buckets.set(fingerprint, bucket);
    while (this.order.size > this.entriesMax) this.remove(this.order.keys().next().value as CachedKey);
  }

  get size(): number {
    return this.order.size;
  }

  /** Prepared objects (cipher contexts) held over all entries: for tests and status, O(entries). */
  get preparedCount(): number {
    let count = 0;
    for (const entry of this.order.keys()) count += entry.preparedCount;
    return count;
  }

  clear(): void {
    for (const entry of this.order.keys()) entry.wipe();
    this.order.clear();
    this.buckets.clear();
  }

  toJSON(): { entries: number } {
    return { entries: this.order.size };
  }

  private remove(entry: CachedKey): void {
    const fingerprint = this.order.get(entry);
    entry.wipe();
    this.order.delete(entry);
    if (fingerprint === undefined) return;
    const bucket = this.buckets.get(fingerprint);
    if (bucket === undefined) return;
    const rest = bucket.filter((other) => other !== entry);
    if (rest.length === 0) this.buckets.delete(fingerprint);
    else this.buckets.set(fingerprint, rest);
  }
}
