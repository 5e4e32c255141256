import type { CachedKey } from './cached-key.js';

/**
 * Clear keys the software HSM has already unwrapped and checked, with the objects prepared from
 * them (cipher contexts, so key schedules), so that a busy terminal's MAK is neither opened with
 * AES-GCM nor given a new key schedule on every message. Bounded (least recently used entries go
 * first) and wiped on eviction: the clear key is zeroed and its prepared objects dropped with it.
 * Entries are found by everything that was authenticated — type, algorithm, ciphertext and KCV —
 * so a relabelled key never hits the entry of the key it was copied from.
 * Never logged, never serialised.
 */
export const keyCacheEntriesMax = 4096;

export class KeyCache {
  private readonly entries = new Map<string, CachedKey>();

  constructor(private readonly entriesMax: number = keyCacheEntriesMax) {}

  /** Whether this cache keeps anything (a bound of 0 turns it off). */
  get enabled(): boolean {
    return this.entriesMax > 0;
  }

  get(id: string): CachedKey | undefined {
    const key = this.entries.get(id);
    if (key !== undefined) {
      // Map keeps insertion order: re-inserting marks the entry as most recently used.
      this.entries.delete(id);
      this.entries.set(id, key);
    }
    return key;
  }

  set(id: string, key: CachedKey): void {
    if (this.entriesMax === 0) return;
    const previous = this.entries.get(id);
    if (previous !== undefined && previous !== key) previous.wipe();
    this.entries.delete(id);
    this.entries.set(id, key);
    while (this.entries.size > this.entriesMax) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.get(oldest)?.wipe();
      this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  /** Prepared objects (cipher contexts) held over all entries: for tests and status, O(entries). */
  get preparedCount(): number {
    let count = 0;
    for (const key of this.entries.values()) count += key.preparedCount;
    return count;
  }

  clear(): void {
    for (const key of this.entries.values()) key.wipe();
    this.entries.clear();
  }

  toJSON(): { entries: number } {
    return { entries: this.entries.size };
  }
}
