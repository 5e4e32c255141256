import { describe, expect, it } from 'vitest';
import { RandomBytePool } from './random.js';

describe('RandomBytePool', () => {
  it('hands every byte of a block out once, in order, then draws a new block', () => {
    const pool = new RandomBytePool(16);
    const firstBlock = Buffer.concat([pool.take(10), pool.take(6)].map((bytes) => Buffer.from(bytes)));
    // 16 bytes used: the next take needs a new block, not the old bytes again.
    const next = Buffer.from(pool.take(10));
    expect(firstBlock).toHaveLength(16);
    expect(next.equals(firstBlock.subarray(0, 10))).toBe(false);
  });

  it('draws a new block when a take does not fit in what is left', () => {
    const pool = new RandomBytePool(16);
    const first = Buffer.from(pool.take(10));
    const second = Buffer.from(pool.take(10));
    expect(second.equals(first)).toBe(false);
  });

  it('gives bytes that look uniform: every value about as often over many takes', () => {
    const pool = new RandomBytePool();
    const counts = new Array<number>(256).fill(0);
    for (let index = 0; index < 25_600; index++) for (const byte of pool.take(10)) counts[byte] = (counts[byte] ?? 0) + 1;
    // 1,000 expected per value; a CSPRNG stays well within ±25% (about 8 standard deviations).
    expect(Math.min(...counts)).toBeGreaterThan(750);
    expect(Math.max(...counts)).toBeLessThan(1250);
  });

  it('refuses sizes it cannot serve', () => {
    expect(() => new RandomBytePool(0)).toThrow(RangeError);
    const pool = new RandomBytePool(8);
    expect(() => pool.take(0)).toThrow(RangeError);
    expect(() => pool.take(9)).toThrow(RangeError);
    expect(() => pool.take(1.5)).toThrow(RangeError);
  });
});
