import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newCardId, newIssuerReference } from './ids.js';

describe('simulator ids', () => {
  it('are a prefix and 32 letters of an alphabet without digits or hex letters', () => {
    expect(newCardId()).toMatch(/^card_[ghjkmnpqrstvwxyz]{32}$/);
    expect(newIssuerReference()).toMatch(/^iss_[ghjkmnpqrstvwxyz]{32}$/);
  });

  it('issuer references sort by the time they were made (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 48 - 2 }), fc.integer({ min: 1, max: 10 ** 9 }), (earlierMs, laterByMs) => {
      const laterMs = Math.min(earlierMs + laterByMs, 2 ** 48 - 1);
      expect(newIssuerReference(earlierMs) < newIssuerReference(laterMs)).toBe(true);
    }));
  });

  it('issuer references of one millisecond still differ (80 random bits)', () => {
    const made = new Set(Array.from({ length: 10_000 }, () => newIssuerReference(1_763_780_000_000)));
    expect(made.size).toBe(10_000);
  });

  it('encodes the milliseconds in the first 12 letters, most significant first', () => {
    // 0x0123456789ab: each nibble is the alphabet letter of its value.
    expect(newIssuerReference(0x0123456789ab).slice(4, 16)).toBe('ghjkmnpqrstv');
    expect(newIssuerReference(0).slice(4, 16)).toBe('gggggggggggg');
  });
});
