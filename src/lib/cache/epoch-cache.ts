/**
 * A bounded cache of rows read from a database that other writers may change, kept correct by an
 * epoch: a number the store changes whenever any cached row may have gone stale (a write this
 * process made, a commit by another process or node). An entry is served only while the epoch is
 * the one it was read under, and a value is stored only if the epoch did not move while it was
 * being read — so a read that raced a write is used once and never kept. `undefined` as an epoch
 * means the store cannot tell right now: nothing is served and nothing is kept.
 *
 * Least recently used entries go first once `entriesMax` is reached. Pure: no I/O, no timers.
 */
export class EpochCache<K, V> {
  readonly #entries = new Map<K, { readonly value: V; readonly epoch: number }>();

  constructor(private readonly entriesMax: number) {
    if (!Number.isInteger(entriesMax) || entriesMax < 0) throw new RangeError('entriesMax must be a non-negative integer');
  }

  /** The value kept for `key` under `epoch`, or undefined (an entry of an older epoch is dropped). */
  get(key: K, epoch: number | undefined): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    if (epoch === undefined || entry.epoch !== epoch) return undefined;
    // Map keeps insertion order: re-inserting marks the entry as most recently used.
    this.#entries.set(key, entry);
    return entry.value;
  }

  /**
   * Keeps `value`, read under `epochBefore` (taken before the read began), if the epoch is still
   * the same (`epochAfter`, taken once the read has returned). Otherwise forgets `key`.
   */
  set(key: K, value: V, epochBefore: number | undefined, epochAfter: number | undefined): void {
    this.#entries.delete(key);
    if (epochBefore === undefined || epochBefore !== epochAfter || this.entriesMax === 0) return;
    this.#entries.set(key, { value, epoch: epochBefore });
    if (this.#entries.size > this.entriesMax) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
  }

  /**
   * The value for `key`: the one kept under the current epoch, or else `load`ed and kept (frozen)
   * if the epoch stood while it loaded. `fresh` always loads. `epoch` is asked before the load and
   * after it. A value `load` does not find (undefined) is not kept.
   */
  async readThrough(key: K, epoch: () => number | undefined, load: () => Promise<V | undefined>, fresh = false): Promise<V | undefined> {
    const before = epoch();
    if (!fresh) {
      const kept = this.get(key, before);
      if (kept !== undefined) return kept;
    }
    const loaded = await load();
    if (loaded === undefined) return undefined;
    const value = Object.freeze(loaded);
    this.set(key, value, before, epoch());
    return value;
  }

  delete(key: K): void {
    this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }
}
