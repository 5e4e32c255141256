import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { wholeNumberSetting } from './whole-number.js';

const invalid = (): Error => new Error('invalid');

describe('wholeNumberSetting', () => {
  it('is undefined when unset or blank, and the number when it is one in range', () => {
    expect(wholeNumberSetting(undefined, 0, 64, invalid)).toBeUndefined();
    expect(wholeNumberSetting('  ', 0, 64, invalid)).toBeUndefined();
    expect(wholeNumberSetting(' 2 ', 0, 64, invalid)).toBe(2);
    expect(wholeNumberSetting('0', 0, 64, invalid)).toBe(0);
    expect(wholeNumberSetting('64', 0, 64, invalid)).toBe(64);
  });

  it('throws the caller\'s error for anything else', () => {
    for (const value of ['65', '-1', '1.5', 'two', '0x10', '1e2', '2 3', '1000000000000']) {
      expect(() => wholeNumberSetting(value, 0, 64, invalid)).toThrow('invalid');
    }
    expect(() => wholeNumberSetting('0', 1, 200, invalid)).toThrow('invalid');
  });

  it('accepts exactly the whole numbers of its range (property)', () => {
    fc.assert(fc.property(fc.integer({ min: -1000, max: 1000 }), (number) => {
      const inRange = number >= 1 && number <= 200;
      if (inRange) expect(wholeNumberSetting(String(number), 1, 200, invalid)).toBe(number);
      else expect(() => wholeNumberSetting(String(number), 1, 200, invalid)).toThrow('invalid');
    }));
  });
});
