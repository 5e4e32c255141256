import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../bytes.js';
import { decodeIso4PinField, decodePinBlock, encodeIso4PanField, encodeIso4PinField, encodePinBlock } from './clear.js';
import { digitStrings, expectCryptoError } from '../test-helpers.js';

const hex = (text: string): Buffer => fromHex(text);

describe('encodePinBlock / decodePinBlock known answers', () => {
  // [format, pin, pan, fill, clear block, source]
  const vectors: readonly (readonly [0 | 1 | 2 | 3, string, string | undefined, string | undefined, string, string])[] = [
    [0, '1234', '5555555551234567', undefined, '041261AAAAEDCBA9', 'psec tests/test_pinblock.py'],
    [0, '123456789012', '5555555551234567', undefined, '0C1261032D8226A9', 'psec tests/test_pinblock.py'],
    [0, '123456789', '5555555551234567', undefined, '091261032D8DCBA9', 'psec tests/test_pinblock.py'],
    [0, '1234567890', '5555555551234567', undefined, '0A1261032D82CBA9', 'psec tests/test_pinblock.py'],
    [0, '1234', '43219876543210987', undefined, '0412AC89ABCDEF67', 'EFTlab / ID TECH ISO-0 example (17-digit PAN)'],
    [0, '92389', '4000001234562', undefined, '0592789FFFEDCBA9', 'Thales host command manual, format 01 example (13-digit PAN)'],
    // Derived by hand from the ISO 9564-1 layout: 19-digit PAN → PAN field 0000789012345678.
    [0, '1234', '1234567890123456789', undefined, '04124C6FEDCBA987', 'ISO 9564-1 layout, hand-derived'],
    // 12-digit PAN: 11 digits before the check digit, zero-padded on the left → 0000040000012345.
    [0, '1234', '400000123456', undefined, '041230FFFFFEDCBA', 'ISO 9564-1 layout, hand-derived'],
    // Format 1: the fill comes from the rightmost 14 − N nibbles of the fill value.
    [1, '1234', undefined, '0123456789ABCDEF', '1412346789ABCDEF', 'ISO 9564-1 layout, hand-derived'],
    [1, '123456789012', undefined, '0123456789ABCDEF', '1C123456789012EF', 'ISO 9564-1 layout, hand-derived'],
    [2, '1234', undefined, undefined, '241234FFFFFFFFFF', 'psec tests/test_pinblock.py'],
    [2, '123456789', undefined, undefined, '29123456789FFFFF', 'psec tests/test_pinblock.py'],
    [2, '1234567890', undefined, undefined, '2A1234567890FFFF', 'psec tests/test_pinblock.py'],
    [2, '123456789012', undefined, undefined, '2C123456789012FF', 'psec tests/test_pinblock.py'],
    [3, '1234', '5555555551234567', 'FFFFFFFFFFFFFFFF', '341261AAAAEDCBA9', 'psec tests/test_pinblock.py'],
    [3, '123456789012', '5555555551234567', 'FFFFFFFFFFFFFFFF', '3C1261032D8226A9', 'psec tests/test_pinblock.py'],
    // IBM CCA "ISO Format 3" example: IPB 36123456AFBECDDC, PAN block 0000222333444555. IBM's
    // account number 111222333444555 is given without its check digit, so the Luhn digit 9 is
    // appended here to make the 12 digits before the check digit the same.
    [3, '123456', '1112223334445559', 'AAAAAAAAAFBECDDC', '361216759CFA8889', 'IBM CCA documentation, ISO format 3'],
  ];

  it.each(vectors)('format %i, PIN %s, PAN %s', (format, pin, pan, fill, block) => {
    const encoded = encodePinBlock(format, pin, pan, fill === undefined ? {} : { fill: hex(fill) });
    expect(toHex(encoded)).toBe(block);
    expect(decodePinBlock(format, hex(block), pan)).toBe(pin);
  });

  it('ignores a PAN for formats that do not bind one', () => {
    expect(toHex(encodePinBlock(2, '1234', '5555555551234567'))).toBe('241234FFFFFFFFFF');
    expect(decodePinBlock(2, hex('241234FFFFFFFFFF'), '5555555551234567')).toBe('1234');
  });

  it('draws format 1 and 3 fill from the injected random source', () => {
    const fixed = (lengthBytes: number): Uint8Array => new Uint8Array(lengthBytes).fill(0x0d);
    expect(toHex(encodePinBlock(1, '1234', undefined, { random: fixed }))).toBe('1412340D0D0D0D0D');
    // 0x0D mod 6 = 1 → fill nibble B; PAN field 0000555555123456.
    expect(toHex(encodePinBlock(3, '1234', '5555555551234567', { random: fixed }))).toBe('341261EEEEA98FED');
  });

  it('does not modify the caller block on decode', () => {
    const block = hex('041261AAAAEDCBA9');
    decodePinBlock(0, block, '5555555551234567');
    expect(toHex(block)).toBe('041261AAAAEDCBA9');
  });
});

describe('format 4 fields', () => {
  it('builds the PIN field with fill A and the caller random half', () => {
    // psec tests/test_pinblock.py: first half 441234AAAAAAAAAA.
    const field = encodeIso4PinField('1234', { fill: hex('548ED7FD65495950') });
    expect(toHex(field)).toBe('441234AAAAAAAAAA548ED7FD65495950');
    expect(toHex(encodeIso4PinField('123456789012', { fill: hex('0011223344556677') }))).toBe('4C123456789012AA0011223344556677');
  });

  it('decodes the PIN field', () => {
    expect(decodeIso4PinField(hex('441234AAAAAAAAAA548ED7FD65495950'))).toBe('1234'); // psec
  });

  it('builds the PAN field', () => {
    expect(toHex(encodeIso4PanField('112233445566778899'))).toBe('61122334455667788990000000000000'); // psec
    expect(toHex(encodeIso4PanField('123456789012'))).toBe('01234567890120000000000000000000');
    expect(toHex(encodeIso4PanField('1234567890123456789'))).toBe('71234567890123456789000000000000');
  });

  // psec tests/test_pinblock.py decode_pin_field_iso_4 error cases, by reason.
  it.each([
    ['541234AAAAAAAAAA548ED7FD65495950', 'control'],
    ['43123AAAAAAAAAAA548ED7FD65495950', 'length'],
    ['441234ABCDEFABCD548ED7FD65495950', 'fill'],
    ['4412D4AAAAAAAAAA548ED7FD65495950', 'digit'],
  ])('rejects PIN field %s (%s)', (field, reason) => {
    const error = expectCryptoError(() => decodeIso4PinField(hex(field)), 'CRYPTO_ERR_PINBLOCK_INVALID', 'pinField', [field, '1234']);
    expect(error.details.reason).toBe(reason);
  });

  it('rejects PIN fields that are not 16 bytes', () => {
    expectCryptoError(() => decodeIso4PinField(hex('441234AAAAAAAAAA548ED7FD6549595000')), 'CRYPTO_ERR_PINBLOCK_INVALID', 'pinField');
    expectCryptoError(() => decodeIso4PinField(hex('341261AAAAEDCB')), 'CRYPTO_ERR_PINBLOCK_INVALID', 'pinField');
  });
});

describe('encode errors', () => {
  const pan = '5555555551234567';

  it.each([
    ['123', 'CRYPTO_ERR_PIN_LENGTH'],
    ['1234567890123', 'CRYPTO_ERR_PIN_LENGTH'],
    ['', 'CRYPTO_ERR_PIN_LENGTH'],
    ['123A', 'CRYPTO_ERR_PIN_DIGITS'],
    ['12 34', 'CRYPTO_ERR_PIN_DIGITS'],
  ] as const)('PIN %j → %s', (pin, code) => {
    for (const format of [0, 1, 2, 3] as const) {
      expectCryptoError(() => encodePinBlock(format, pin, pan, format === 1 || format === 3 ? { fill: hex('FFFFFFFFFFFFFFFF') } : {}), code, 'pin', [pan]);
    }
  });

  it.each(['55555555512', '55555555551234567890', '5555555555555A', ''])('PAN %j → CRYPTO_ERR_PAN', (badPan) => {
    expectCryptoError(() => encodePinBlock(0, '1234', badPan), 'CRYPTO_ERR_PAN', 'pan', [badPan, '1234']);
    expectCryptoError(() => encodePinBlock(3, '1234', badPan), 'CRYPTO_ERR_PAN', 'pan', [badPan, '1234']);
  });

  it('requires a PAN for formats 0 and 3', () => {
    expectCryptoError(() => encodePinBlock(0, '1234'), 'CRYPTO_ERR_PAN', 'pan');
    expectCryptoError(() => encodePinBlock(3, '1234'), 'CRYPTO_ERR_PAN', 'pan');
  });

  it.each([4, 5, -1, 1.5])('format %d is not a clear 8-byte format', (format) => {
    expectCryptoError(() => encodePinBlock(format, '1234', pan), 'CRYPTO_ERR_PINBLOCK_FORMAT', 'format');
    expectCryptoError(() => decodePinBlock(format, hex('041261AAAAEDCBA9'), pan), 'CRYPTO_ERR_PINBLOCK_FORMAT', 'format');
  });

  it('rejects bad caller fill', () => {
    expectCryptoError(() => encodePinBlock(0, '1234', pan, { fill: hex('FFFFFFFFFFFFFFFF') }), 'CRYPTO_ERR_FILL', 'fill');
    expectCryptoError(() => encodePinBlock(2, '1234', pan, { fill: hex('FFFFFFFFFFFFFFFF') }), 'CRYPTO_ERR_FILL', 'fill');
    expectCryptoError(() => encodePinBlock(1, '1234', pan, { fill: hex('FFFFFFFFFFFFFF') }), 'CRYPTO_ERR_FILL', 'fill');
    expectCryptoError(() => encodePinBlock(3, '1234', pan, { fill: hex('FFFFFFFFFFFFFFFFFF') }), 'CRYPTO_ERR_FILL', 'fill');
    // Format 3 fill digits must be A–F where they are used (the rightmost 10 nibbles for 4 digits)...
    expectCryptoError(() => encodePinBlock(3, '1234', pan, { fill: hex('FFFFFFFFFFFFFFF9') }), 'CRYPTO_ERR_FILL', 'fill', ['1234']);
    // ...and only there: the six leftmost nibbles are not used by a 4-digit PIN.
    expect(toHex(encodePinBlock(3, '1234', pan, { fill: hex('000000FFFFFFFFFF') }))).toBe('341261AAAAEDCBA9');
    // A random source that returns the wrong amount is refused rather than read past its end.
    expectCryptoError(() => encodePinBlock(1, '1234', pan, { random: () => new Uint8Array(2) }), 'CRYPTO_ERR_FILL', 'fill');
  });
});

describe('decode errors', () => {
  const pan = '5555555551234567';

  // psec tests/test_pinblock.py decode_pinblock_iso_0 / _2 / _3 error cases, by reason.
  it.each([
    [0, '241261AAAAEDCBA9', 'control'],
    [0, '0F1261AAAAEDCBA9', 'length'],
    [0, '021261AAAAEDCBA9', 'length'],
    [0, '041261AAAAEDCBAA', 'fill'],
    [0, '051261AAAAEDCBA9', 'digit'],
    [2, '041234FFFFFFFFFF', 'control'],
    [2, '2F123456789012FF', 'length'],
    [2, '22123456789012FF', 'length'],
    [2, '2C123456789012CF', 'fill'],
    [2, '2C12345678901FFF', 'digit'],
    [3, '241261AAAAEDCBA9', 'control'],
    [3, '3F1261AAAAEDCBA9', 'length'],
    [3, '321261AAAAEDCBA9', 'length'],
    [3, '341261AAAAEDCBA2', 'fill'],
    [3, '351261AAAAEDCBA9', 'digit'],
    // Format 1 fill may hold any nibble, but the control and digits are still checked.
    [1, '041234FFFFFFFFFF', 'control'],
    [1, '14123A0000000000', 'digit'],
    [1, '1D1234567890123F', 'length'],
  ] as const)('format %i block %s (%s)', (format, block, reason) => {
    const error = expectCryptoError(() => decodePinBlock(format, hex(block), pan), 'CRYPTO_ERR_PINBLOCK_INVALID', 'pinBlock', [block, pan]);
    expect(error.details.reason).toBe(reason);
  });

  it('rejects a format 0 block decoded with the wrong PAN', () => {
    const error = expectCryptoError(() => decodePinBlock(0, hex('041261AAAAEDCBA9'), '5555555551234577'), 'CRYPTO_ERR_PINBLOCK_INVALID', 'pinBlock');
    expect(error.details.reason).toBe('fill');
  });

  it('rejects blocks that are not 8 bytes', () => {
    expectCryptoError(() => decodePinBlock(0, hex('041261AAAAEDCB'), pan), 'CRYPTO_ERR_PINBLOCK_INVALID', 'pinBlock');
    expectCryptoError(() => decodePinBlock(2, hex('29123456789FFF'), pan), 'CRYPTO_ERR_PINBLOCK_INVALID', 'pinBlock');
    expectCryptoError(() => decodePinBlock(3, hex('341261AAAAEDCBA9AA'), pan), 'CRYPTO_ERR_PINBLOCK_INVALID', 'pinBlock');
  });

  it('checks the PAN before the block', () => {
    expectCryptoError(() => decodePinBlock(0, hex('051261AAAAEDCBA9'), '55555555512'), 'CRYPTO_ERR_PAN', 'pan');
    expectCryptoError(() => decodePinBlock(3, hex('351261AAAAEDCBA9'), '5555555551234A'), 'CRYPTO_ERR_PAN', 'pan');
    expectCryptoError(() => decodePinBlock(3, hex('351261AAAAEDCBA9')), 'CRYPTO_ERR_PAN', 'pan');
  });
});

describe('round trips', () => {
  const pin = digitStrings(4, 12);
  const pan = digitStrings(12, 19);
  const fill = fc.uint8Array({ minLength: 8, maxLength: 8 });

  it('decode(encode(x)) = x for formats 0–3, PINs of 4–12 and PANs of 12–19 digits', () => {
    fc.assert(
      fc.property(fc.constantFrom(0, 1, 2, 3), pin, pan, fill, (format, p, a, f) => {
        const options = format === 1 ? { fill: f } : {};
        const block = encodePinBlock(format, p, a, options);
        expect(block.length).toBe(8);
        expect((block[0] ?? 0) >> 4).toBe(format);
        expect(decodePinBlock(format, block, a)).toBe(p);
      }),
      { numRuns: 200 },
    );
  });

  it('format 3 with random fill decodes, and its fill nibbles are all A–F', () => {
    fc.assert(
      fc.property(pin, pan, (p, a) => {
        const block = encodePinBlock(3, p, a);
        expect(decodePinBlock(3, block, a)).toBe(p);
      }),
      { numRuns: 200 },
    );
  });

  it('format 4 PIN field round trip', () => {
    fc.assert(
      fc.property(pin, fill, (p, f) => {
        const field = encodeIso4PinField(p, { fill: f });
        expect(toHex(field.subarray(8))).toBe(toHex(f));
        expect(decodeIso4PinField(field)).toBe(p);
      }),
      { numRuns: 200 },
    );
  });
});
