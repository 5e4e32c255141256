import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  readCompressedNumeric,
  readNumeric,
  readNumericBigInt,
  readText,
  readUnsigned,
  writeCompressedNumeric,
  writeNumeric,
  writeText,
  writeUnsigned,
} from './formats.js';
import { expectIsoError, hex } from './test-helpers.js';

// Visa's public test PAN (ActiveMerchant's Stripe EMV remote test card); it must never appear in errors.
const testPan = '4761739001010119';

describe('n (numeric BCD)', () => {
  it('reads the digits of amounts, dates and codes, leading zeros kept', () => {
    expect(readNumeric(hex('000000002000'))).toBe('000000002000');
    expect(readNumeric(hex('0840'))).toBe('0840');
    expect(readNumeric(hex('250228'))).toBe('250228');
    expect(readNumeric(hex(''))).toBe('');
    expect(readNumericBigInt(hex('000000002000'))).toBe(2000n);
    expect(readNumericBigInt(hex('999999999999'))).toBe(999_999_999_999n);
    expect(readNumericBigInt(hex(''))).toBe(0n);
  });

  it('refuses a nibble above 9 with the byte offset and tag', () => {
    expectIsoError(() => readNumeric(hex('00000A002000'), 0x9f02), 'ISO_ERR_ENCODING', { tag: '9F02', offset: 2 });
    expectIsoError(() => readNumeric(hex('0F')), 'ISO_ERR_ENCODING', { offset: 0 });
    expectIsoError(() => readNumericBigInt(hex('12 34 5F'), 0x9f03), 'ISO_ERR_ENCODING', { tag: '9F03', offset: 2 });
  });

  it('writes right-justified with zero padding', () => {
    expect(writeNumeric('2000', 6)).toEqual(hex('000000002000'));
    expect(writeNumeric(2000n, 6)).toEqual(hex('000000002000'));
    expect(writeNumeric('840', 2)).toEqual(hex('0840'));
    expect(writeNumeric('', 1)).toEqual(hex('00'));
    expect(writeNumeric(0n, 2)).toEqual(hex('0000'));
  });

  it('refuses non-digits, negative numbers and too many digits, without echoing the value', () => {
    expectIsoError(() => writeNumeric(`${testPan}X`, 10, 'pan'), 'ISO_ERR_FIELD_VALUE', { argument: 'pan' }, [testPan]);
    expectIsoError(() => writeNumeric(-5n, 6, 'amount'), 'ISO_ERR_FIELD_VALUE', { argument: 'amount' });
    expectIsoError(() => writeNumeric(testPan, 6, 'amount'), 'ISO_ERR_FIELD_VALUE', { argument: 'amount', length: 16, lengthMax: 12 }, [testPan]);
  });

  it('round trips (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.bigInt({ min: 0n, max: 10n ** 20n - 1n }), (lengthBytes, value) => {
        fc.pre(value.toString().length <= lengthBytes * 2);
        expect(readNumericBigInt(writeNumeric(value, lengthBytes))).toBe(value);
      }),
      { numRuns: 200 },
    );
  });
});

describe('cn (compressed numeric)', () => {
  it('reads digits up to the F padding', () => {
    expect(readCompressedNumeric(hex('4761739001010119'))).toBe(testPan);
    expect(readCompressedNumeric(hex('476173900101011F'))).toBe('476173900101011');
    expect(readCompressedNumeric(hex('12FFFF'))).toBe('12');
    expect(readCompressedNumeric(hex('FF'))).toBe('');
  });

  it('refuses a digit after padding or a nibble A–E, without echoing the PAN', () => {
    expectIsoError(() => readCompressedNumeric(hex('4761739001010F19'), 0x5a), 'ISO_ERR_ENCODING', { tag: '5A', offset: 7 }, [testPan.slice(0, 12)]);
    expectIsoError(() => readCompressedNumeric(hex('47617390010101A9'), 0x5a), 'ISO_ERR_ENCODING', { tag: '5A', offset: 7 });
  });

  it('writes left-justified with F padding', () => {
    expect(writeCompressedNumeric(testPan, 10)).toEqual(hex('4761739001010119FFFF'));
    expect(writeCompressedNumeric('123', 2)).toEqual(hex('123F'));
    expectIsoError(() => writeCompressedNumeric(testPan, 7, 'pan'), 'ISO_ERR_FIELD_VALUE', { argument: 'pan' }, [testPan]);
    expectIsoError(() => writeCompressedNumeric('12 34', 7, 'pan'), 'ISO_ERR_FIELD_VALUE', { argument: 'pan' });
  });

  it('round trips (property)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{0,19}$/), (digits) => {
        expect(readCompressedNumeric(writeCompressedNumeric(digits, 10))).toBe(digits);
      }),
      { numRuns: 200 },
    );
  });
});

describe('a, an, ans (text)', () => {
  it('reads text in each character set', () => {
    expect(readText(hex('56495341'), 'a')).toBe('VISA');
    expect(readText(hex('3030'), 'an')).toBe('00');
    expect(readText(hex('5465737420436172642031'), 'ans')).toBe('Test Card 1');
  });

  it.each([
    ['a digit in a', '5631', 'a', 1],
    ['a space in an', '5920', 'an', 1],
    ['a control byte in ans', '41 0A 42', 'ans', 1],
    ['a byte above 0x7E in ans', '41 A0', 'ans', 1],
  ])('refuses %s', (_, value, format, offset) => {
    expectIsoError(() => readText(hex(value), format as 'a' | 'an' | 'ans', 0x50), 'ISO_ERR_ENCODING', { tag: '50', offset });
  });

  it('writes text and refuses characters the format forbids', () => {
    expect(writeText('Y1', 'an')).toEqual(hex('5931'));
    expect(writeText('Shop 42, Main St', 'ans')).toEqual(Buffer.from('Shop 42, Main St'));
    expectIsoError(() => writeText('Y 1', 'an', 'arc'), 'ISO_ERR_FIELD_VALUE', { argument: 'arc' });
    expectIsoError(() => writeText('café', 'ans', 'name'), 'ISO_ERR_FIELD_VALUE', { argument: 'name' });
    expectIsoError(() => writeText('日本', 'ans', 'name'), 'ISO_ERR_FIELD_VALUE', { argument: 'name' });
  });
});

describe('b as an unsigned number', () => {
  it('reads big-endian numbers up to six bytes', () => {
    expect(readUnsigned(hex('00100000'))).toBe(0x100000);
    expect(readUnsigned(hex('001C'))).toBe(28);
    expect(readUnsigned(hex('FFFFFFFFFFFF'))).toBe(2 ** 48 - 1);
    expect(readUnsigned(hex(''))).toBe(0);
    expectIsoError(() => readUnsigned(hex('01020304050607'), 0x9f1b), 'ISO_ERR_LENGTH', { tag: '9F1B', length: 7 });
  });

  it('writes big-endian numbers and refuses what does not fit', () => {
    expect(writeUnsigned(0x100000, 4)).toEqual(hex('00100000'));
    expect(writeUnsigned(40_000n, 4)).toEqual(hex('00009C40'));
    expectIsoError(() => writeUnsigned(0x1_0000_0000, 4, 'floorLimit'), 'ISO_ERR_FIELD_VALUE', { argument: 'floorLimit', lengthBytes: 4 });
    expectIsoError(() => writeUnsigned(-1, 4, 'floorLimit'), 'ISO_ERR_FIELD_VALUE', { argument: 'floorLimit' });
    expectIsoError(() => writeUnsigned(1.5, 4, 'floorLimit'), 'ISO_ERR_FIELD_VALUE', { argument: 'floorLimit' });
  });
});
