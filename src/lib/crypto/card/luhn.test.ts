import { describe, expect, it } from 'vitest';
import { expectCryptoError } from '../test-helpers.js';
import { isLuhnValid, luhnCheckDigit } from './luhn.js';

describe('Luhn', () => {
  it.each([
    ['7992739871', '3'], // Wikipedia "Luhn algorithm" worked example
    ['411111111111111', '1'], // the well-known Visa test PAN 4111 1111 1111 1111
    ['400000123456', '2'], // Thales host command manual, format 01 example PAN 4000 0012 3456 2
    ['111222333444555', '9'],
    ['0', '0'],
    ['1', '8'],
  ])('check digit of %s is %s', (payload, digit) => {
    expect(luhnCheckDigit(payload)).toBe(digit);
    expect(isLuhnValid(payload + digit)).toBe(true);
  });

  it.each(['79927398710', '79927398714', '4111111111111112', '4000001234563', '17'])('%s is not valid', (digits) => {
    expect(isLuhnValid(digits)).toBe(false);
  });

  it('detects every single-digit change', () => {
    const pan = '4000001234562';
    for (let i = 0; i < pan.length; i++) {
      for (let d = 0; d <= 9; d++) {
        const changed = pan.slice(0, i) + String(d) + pan.slice(i + 1);
        expect(isLuhnValid(changed)).toBe(changed === pan);
      }
    }
  });

  it('rejects input that is not decimal digits', () => {
    expectCryptoError(() => luhnCheckDigit(''), 'CRYPTO_ERR_PAN', 'pan');
    expectCryptoError(() => luhnCheckDigit('4111 1111'), 'CRYPTO_ERR_PAN', 'pan');
    expectCryptoError(() => isLuhnValid('411111111111111A'), 'CRYPTO_ERR_PAN', 'pan', ['411111111111111A']);
    expectCryptoError(() => isLuhnValid('4'), 'CRYPTO_ERR_PAN', 'pan');
  });
});
