import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EpochCache } from './epoch-cache.js';

describe('EpochCache', () => {
  it('serves an entry only under the epoch it was read in, and drops it once the epoch moves', () => {
    const cache = new EpochCache<string, string>(10);
    cache.set('t1', 'row-1', 5, 5);
    expect(cache.get('t1', 5)).toBe('row-1');
    expect(cache.get('t1', 6)).toBeUndefined();
    // Dropped, not just hidden: going back to the old epoch does not bring it back.
    expect(cache.get('t1', 5)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('keeps nothing read while the epoch moved, or while the store could not tell', () => {
    const cache = new EpochCache<string, string>(10);
    cache.set('raced', 'old-row', 5, 6);
    expect(cache.get('raced', 5)).toBeUndefined();
    expect(cache.get('raced', 6)).toBeUndefined();
    cache.set('blind', 'row', undefined, undefined);
    expect(cache.get('blind', undefined)).toBeUndefined();
    cache.set('kept', 'row', 7, 7);
    expect(cache.get('kept', undefined)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('a refused set forgets what was kept for the key before', () => {
    const cache = new EpochCache<string, string>(10);
    cache.set('t1', 'row-1', 1, 1);
    cache.set('t1', 'row-2', 1, 2);
    expect(cache.get('t1', 1)).toBeUndefined();
  });

  it('drops the least recently used entry beyond its bound; a bound of 0 keeps nothing', () => {
    const cache = new EpochCache<string, number>(2);
    cache.set('a', 1, 0, 0);
    cache.set('b', 2, 0, 0);
    expect(cache.get('a', 0)).toBe(1); // a is now the most recently used
    cache.set('c', 3, 0, 0);
    expect(cache.get('b', 0)).toBeUndefined();
    expect(cache.get('a', 0)).toBe(1);
    expect(cache.get('c', 0)).toBe(3);
    const none = new EpochCache<string, number>(0);
    none.set('a', 1, 0, 0);
    expect(none.get('a', 0)).toBeUndefined();
    expect(() => new EpochCache(-1)).toThrow(RangeError);
  });

  it('readThrough loads once per epoch, keeps a frozen value, loads again when fresh, and keeps neither a missing value nor one that raced a write', async () => {
    const cache = new EpochCache<string, { row: number }>(10);
    let epoch = 1;
    let loads = 0;
    const load = (row: number | undefined) => () => {
      loads += 1;
      return Promise.resolve(row === undefined ? undefined : { row });
    };
    const first = await cache.readThrough('t1', () => epoch, load(1));
    expect(Object.isFrozen(first)).toBe(true);
    expect(await cache.readThrough('t1', () => epoch, load(2))).toBe(first);
    expect(loads).toBe(1);
    expect(await cache.readThrough('t1', () => epoch, load(3), true)).toEqual({ row: 3 });
    expect(await cache.readThrough('t1', () => epoch, load(4))).toEqual({ row: 3 });
    expect(await cache.readThrough('gone', () => epoch, load(undefined))).toBeUndefined();
    expect(cache.get('gone', epoch)).toBeUndefined();
    const raced = await cache.readThrough('t2', () => epoch, () => {
      epoch += 1;
      return Promise.resolve({ row: 5 });
    });
    expect(raced).toEqual({ row: 5 });
    expect(cache.get('t2', epoch)).toBeUndefined();
  });

  it('never serves a value other than the last one stored for the key under the current epoch (model check)', () => {
    type Step = { op: 'set'; key: number; value: number; moveDuringRead: boolean } | { op: 'get'; key: number } | { op: 'move' } | { op: 'blind'; on: boolean };
    const step = fc.oneof(
      fc.record({ op: fc.constant('set' as const), key: fc.integer({ min: 0, max: 5 }), value: fc.integer(), moveDuringRead: fc.boolean() }),
      fc.record({ op: fc.constant('get' as const), key: fc.integer({ min: 0, max: 5 }) }),
      fc.record({ op: fc.constant('move' as const) }),
      fc.record({ op: fc.constant('blind' as const), on: fc.boolean() }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 200 }), fc.integer({ min: 1, max: 4 }), (steps: Step[], entriesMax) => {
        const cache = new EpochCache<number, number>(entriesMax);
        // The truth: what the database holds now, by key; and the epoch the store reports.
        const database = new Map<number, number>();
        let epoch = 0;
        let blind = false;
        const now = () => (blind ? undefined : epoch);
        for (const s of steps) {
          if (s.op === 'move') epoch += 1;
          else if (s.op === 'blind') blind = s.on;
          else if (s.op === 'set') {
            // A read of `key` that returns what the database held when it began; a write that
            // lands during the read changes the database and moves the epoch.
            const before = now();
            const read = database.get(s.key) ?? 0;
            if (s.moveDuringRead) {
              database.set(s.key, s.value);
              epoch += 1;
            }
            cache.set(s.key, read, before, now());
          } else {
            const served = cache.get(s.key, now());
            if (served !== undefined) expect(served).toBe(database.get(s.key) ?? 0);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
