import { describe, expect, it } from 'vitest';
import { fromHex } from '../bytes.js';
import { expectCryptoError } from '../test-helpers.js';
import { pvv, PvvCalculator, verifyPvv } from './pvv.js';

const pvk = fromHex('0123456789ABCDEFFEDCBA9876543210');

describe('pvv known answers (psec tests/test_pin.py)', () => {
  it.each([
    ['1', '4524', '1122334455667788', '8523'],
    ['2', '1912', '1122334455667788', '3244'],
    ['1', '0570', '1122334455667718', '3144'],
    ['1', '8299', '1122334455667708', '4422'],
  ])('PVKI %s PIN %s → %#', (pvki, pin, pan, expected) => {
    expect(pvv(pvk, pvki, pan, pin)).toBe(expected);
    expect(verifyPvv(pvk, pvki, pan, pin, expected)).toBe(true);
  });

  it('uses the 11 digits before the check digit and the 4 leftmost PIN digits', () => {
    const calculator = new PvvCalculator(pvk);
    // Same TSP as the first psec vector (33445566778 1 4524): the check digit and the digits left
    // of the 11 do not count, so a 19-, 16- and 12-digit PAN all give 8523.
    expect(calculator.compute('1', '9991122334455667780', '4524')).toBe('8523');
    expect(calculator.compute('1', '1122334455667781', '4524')).toBe('8523');
    expect(calculator.compute('1', '334455667788', '4524')).toBe('8523');
    expect(calculator.compute('1', '1122334455667788', '452499')).toBe('8523');
    expect(calculator.verify('1', '1122334455667788', '4525', '8523')).toBe(false);
  });
});

describe('pvv errors (psec tests/test_pin.py cases)', () => {
  const pan = '1122334455667788';

  it('needs a double-length PVK', () => {
    expectCryptoError(() => pvv(new Uint8Array(4), '1', pan, '0000'), 'CRYPTO_ERR_KEY_LENGTH', 'pvk');
    expectCryptoError(() => pvv(new Uint8Array(0), '1', pan, '0000'), 'CRYPTO_ERR_KEY_LENGTH', 'pvk');
  });

  it.each(['A', '11', ''])('PVKI %j', (pvki) => {
    expectCryptoError(() => pvv(pvk, pvki, pan, '0000'), 'CRYPTO_ERR_PVKI', 'pvki', [pan]);
  });

  it.each([
    ['000', 'CRYPTO_ERR_PIN_LENGTH'],
    ['', 'CRYPTO_ERR_PIN_LENGTH'],
    ['A000', 'CRYPTO_ERR_PIN_DIGITS'],
    ['000D', 'CRYPTO_ERR_PIN_DIGITS'],
  ] as const)('PIN %j → %s', (pin, code) => {
    expectCryptoError(() => pvv(pvk, '1', pan, pin), code, 'pin', [pan]);
  });

  it.each(['11223344556', '1122334455A', ''])('PAN %j', (badPan) => {
    expectCryptoError(() => pvv(pvk, '1', badPan, '0000'), 'CRYPTO_ERR_PAN', 'pan', [badPan]);
  });

  it('verify needs a four-digit value', () => {
    expectCryptoError(() => verifyPvv(pvk, '1', pan, '4524', '852'), 'CRYPTO_ERR_ARGUMENT', 'pvv');
  });
});
