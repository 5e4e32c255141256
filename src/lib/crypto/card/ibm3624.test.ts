import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex } from '../bytes.js';
import { digitStrings, expectCryptoError } from '../test-helpers.js';
import { Ibm3624Calculator, ibm3624NaturalPin, ibm3624Offset, ibm3624PinFromOffset, verifyIbm3624Offset } from './ibm3624.js';

// psec tests/test_pin.py (generate_ibm3624_pin / generate_ibm3624_offset).
const pvk = fromHex('0123456789ABCDEFFEDCBA9876543210');
const table = '1234567890123456';

describe('IBM 3624 known answers (psec tests/test_pin.py)', () => {
  it.each([
    ['1122334455667788', '4524'],
    // 14 PAN digits, F-padded (psec pan_pad "F" and "f").
    ['11223344556677', '5518'],
    ['11223344556677ff', '5518'],
    // psec pan_verify_offset 1 / 2, length 14, pad "1": the caller passes the padded 16 characters.
    ['1223344556677811', '3675'],
    ['2233445566778811', '5550'],
  ])('natural PIN of %s is %s', (validationData, natural) => {
    expect(ibm3624NaturalPin(pvk, validationData, table, 4)).toBe(natural);
    expect(ibm3624Offset(pvk, validationData, table, natural)).toBe('0000');
  });

  it.each([
    ['4524', '0000'],
    ['5635', '1111'],
    ['0000', '6586'],
    ['1111', '7697'],
    ['1234', '7710'],
  ])('PIN %s has offset %s', (pin, offset) => {
    expect(ibm3624Offset(pvk, '1122334455667788', table, pin)).toBe(offset);
    expect(ibm3624PinFromOffset(pvk, '1122334455667788', table, offset)).toBe(pin);
    expect(verifyIbm3624Offset(pvk, '1122334455667788', table, pin, offset)).toBe(true);
  });

  it('verify rejects a wrong PIN', () => {
    expect(verifyIbm3624Offset(pvk, '1122334455667788', table, '1235', '7710')).toBe(false);
  });

  it('treats an 8-byte PVK as single DES', () => {
    const single = fromHex('0123456789ABCDEF');
    expect(ibm3624NaturalPin(single, '1122334455667788', table, 12)).toBe(ibm3624NaturalPin(fromHex('0123456789ABCDEF0123456789ABCDEF'), '1122334455667788', table, 12));
  });

  it('offset and pinFromOffset are inverse for PINs of 4 to 12 digits', () => {
    const calculator = new Ibm3624Calculator(pvk, table);
    const validation = fc.string({ unit: fc.constantFrom('0', '5', '9', 'A', 'c', 'F'), minLength: 1, maxLength: 16 });
    fc.assert(
      fc.property(validation, digitStrings(4, 12), (data, pin) => {
        const offset = calculator.offset(data, pin);
        expect(offset).toHaveLength(pin.length);
        expect(calculator.pinFromOffset(data, offset)).toBe(pin);
        expect(calculator.verify(data, pin, offset)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('IBM 3624 errors (psec tests/test_pin.py cases)', () => {
  it('rejects PVKs of the wrong length', () => {
    expectCryptoError(() => ibm3624Offset(new Uint8Array(4), '1122334455667788', table, '0000'), 'CRYPTO_ERR_KEY_LENGTH', 'pvk');
  });

  it.each(['123456789012345', '12345678901234567', '123456789012345A'])('decimalisation table %s', (badTable) => {
    expectCryptoError(() => ibm3624Offset(pvk, '1122334455667788', badTable, '0000'), 'CRYPTO_ERR_DECIMALIZATION_TABLE', 'decimalizationTable');
  });

  it.each(['', '11223344556677889', '112233445566778X'])('validation data %j', (data) => {
    expectCryptoError(() => ibm3624Offset(pvk, data, table, '1234'), 'CRYPTO_ERR_VALIDATION_DATA', 'validationData');
  });

  it.each([
    ['000', 'CRYPTO_ERR_PIN_LENGTH'],
    ['0000000000000', 'CRYPTO_ERR_PIN_LENGTH'],
    ['000A', 'CRYPTO_ERR_PIN_DIGITS'],
  ] as const)('PIN %s → %s', (pin, code) => {
    expectCryptoError(() => ibm3624Offset(pvk, '1122334455667788', table, pin), code, 'pin');
  });

  it('rejects bad offsets and PIN lengths', () => {
    expectCryptoError(() => verifyIbm3624Offset(pvk, '1122334455667788', table, '1234', '77100'), 'CRYPTO_ERR_ARGUMENT', 'offset');
    expectCryptoError(() => ibm3624PinFromOffset(pvk, '1122334455667788', table, '771'), 'CRYPTO_ERR_ARGUMENT', 'offset');
    expectCryptoError(() => ibm3624PinFromOffset(pvk, '1122334455667788', table, '77A0'), 'CRYPTO_ERR_ARGUMENT', 'offset');
    expectCryptoError(() => ibm3624NaturalPin(pvk, '1122334455667788', table, 13), 'CRYPTO_ERR_PIN_LENGTH', 'pinLength');
  });
});
