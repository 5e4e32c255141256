import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex } from '../bytes.js';
import { digitStrings, expectCryptoError } from '../test-helpers.js';
import { cvv, CvvCalculator, verifyCvv } from './cvv.js';

const classicCvk = fromHex('0123456789ABCDEFFEDCBA9876543210');

describe('cvv known answers', () => {
  it.each([
    // Visa CVV example PAN 4123456789012345, expiry 8701, service code 101: e6tech elements,
    // Atalla simulator GenerateCVVTest (8-digit output 56149820).
    [classicCvk, '4123456789012345', '8701', '101', '561'],
    // The same card with service code 111: Visa CVV walk-through (intermediate 8D5625FA78011A0C).
    [classicCvk, '4123456789012345', '8701', '111', '856'],
    // psec psec/cvv.py generate_cvv docstring.
    [classicCvk, '1234567890123456', '9912', '220', '170'],
    // psec tests/test_cvv.py.
    [fromHex('99999999999999998888888888888888'), '2222222222222222', '3333', '111', '361'],
    // CVV2 (000) and iCVV (999) of the Visa example card, computed with node:crypto directly.
    [classicCvk, '4123456789012345', '8701', '000', '636'],
    [classicCvk, '4123456789012345', '8701', '999', '651'],
  ])('CVK … PAN %# → %s', (cvk, pan, expiry, serviceCode, expected) => {
    expect(cvv(cvk, pan, expiry, serviceCode)).toBe(expected);
    expect(verifyCvv(cvk, pan, expiry, serviceCode, expected)).toBe(true);
  });

  it('verify rejects other values', () => {
    const calculator = new CvvCalculator(classicCvk);
    expect(calculator.verify('4123456789012345', '8701', '101', '562')).toBe(false);
    expect(calculator.verify('4123456789012345', '8702', '101', '561')).toBe(false);
    expect(calculator.verify('4123456789012345', '8701', '101', '561')).toBe(true);
  });

  it('always yields three digits, for PANs of 12 to 19 digits', () => {
    const calculator = new CvvCalculator(classicCvk);
    fc.assert(
      fc.property(digitStrings(12, 19), digitStrings(4, 4), digitStrings(3, 3), (pan, expiry, serviceCode) => {
        expect(calculator.compute(pan, expiry, serviceCode)).toMatch(/^[0-9]{3}$/);
      }),
      { numRuns: 200 },
    );
  });
});

describe('cvv errors (psec tests/test_cvv.py cases)', () => {
  const pan = '5555555551234567';

  it('needs a double-length CVK', () => {
    expectCryptoError(() => cvv(new Uint8Array(8), pan, '2012', '220'), 'CRYPTO_ERR_KEY_LENGTH', 'cvk');
    expectCryptoError(() => cvv(new Uint8Array(24), pan, '2012', '220'), 'CRYPTO_ERR_KEY_LENGTH', 'cvk');
  });

  it.each(['55555555512345671234', '555555555123456A', '55555555512'])('PAN %s', (badPan) => {
    expectCryptoError(() => cvv(classicCvk, badPan, '2012', '220'), 'CRYPTO_ERR_PAN', 'pan', [badPan]);
  });

  it.each(['201', '20120', '201A'])('expiry %s', (expiry) => {
    expectCryptoError(() => cvv(classicCvk, pan, expiry, '220'), 'CRYPTO_ERR_EXPIRY', 'expiry', [pan]);
  });

  it.each(['2202', '22', '22A'])('service code %s', (serviceCode) => {
    expectCryptoError(() => cvv(classicCvk, pan, '2012', serviceCode), 'CRYPTO_ERR_SERVICE_CODE', 'serviceCode', [pan]);
  });

  it('verify needs a three-digit value', () => {
    expectCryptoError(() => verifyCvv(classicCvk, pan, '2012', '220', '12'), 'CRYPTO_ERR_ARGUMENT', 'cvv');
  });
});
