import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatTrack2, parseTrack2, TRACK2_LENGTH_MAX } from './track2.js';

describe('track 2', () => {
  it('reads PAN, expiry, service code and the CVV at the start of the discretionary data', () => {
    expect(parseTrack2('6212340000000019=3112220123000000')).toEqual({ pan: '6212340000000019', expiry: '3112', serviceCode: '220', cvv: '123' });
    // The chip's tag 57 separates with the nibble D.
    expect(parseTrack2('6212340000000019D3112220123000000')?.cvv).toBe('123');
  });

  it('refuses what is not one of its tracks', () => {
    for (const track of ['', '6212340000000019', '6212340000000019=3112', '6212340000000019=311222012', '62123400000=3112220123', 'x212340000000019=3112220123', `6212340000000000012=3112220123${'0'.repeat(9)}`]) {
      expect(parseTrack2(track), track).toBeUndefined();
    }
  });

  it('formats what it reads, within the 37 characters of ISO/IEC 7813', () => {
    const digits = (min: number, max: number) => fc.string({ unit: fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '7', '8', '9'), minLength: min, maxLength: max });
    fc.assert(
      fc.property(digits(12, 19), digits(4, 4), digits(3, 3), digits(3, 3), (pan, expiry, serviceCode, cvv) => {
        const track = formatTrack2({ pan, expiry, serviceCode, cvv });
        expect(track.length).toBeLessThanOrEqual(TRACK2_LENGTH_MAX);
        expect(parseTrack2(track)).toEqual({ pan, expiry, serviceCode, cvv });
      }),
    );
  });
});
