/**
 * Clear keys the software HSM has already unwrapped and checked, so that a busy terminal's MAK is
 * not opened with AES-GCM on every message. Bounded (least recently used entries go first) and
 * wiped on eviction. Entries are found by everything that was authenticated — type, algorithm,
 * ciphertext and KCV — so a relabelled key never hits the entry of the key it was copied from.
 * Never logged, never serialised.
 */
export const keyCacheEntriesMax = 4096;

export class KeyCache {
  private readonly entries = new Map<string, Buffer>();

  constructor(private readonly entriesMax: number = keyCacheEntriesMax) {}

  get(id: string): Buffer | undefined {
    const key = this.entries.get(id);
    if (key !== undefined) {
      // Map keeps insertion order: re-inserting marks the entry as most recently used.
      this.entries.delete(id);
      this.entries.set(id, key);
    }
    return key;
  }

  set(id: string, key: Buffer): void {
    if (this.entriesMax === 0) return;
    this.entries.delete(id);
    this.entries.set(id, key);
    while (this.entries.size > this.entriesMax) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.get(oldest)?.fill(0);
      this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    for (const key of this.entries.values()) key.fill(0);
    this.entries.clear();
  }

  toJSON(): { entries: number } {
    return { entries: this.entries.size };
  }
}
