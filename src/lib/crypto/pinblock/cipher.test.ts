import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../bytes.js';
import { decryptPinBlock, encryptPinBlock, PinBlockCipher } from './cipher.js';
import { digitStrings, expectCryptoError } from '../test-helpers.js';

const hex = (text: string): Buffer => fromHex(text);

// rkbalgi/isosim internal/iso/crypto_ops_test.go (checked there against the neapay calculator).
const neapayKey = 'AB9292288227277226252525224665FE';
// ep2 EFT/POS 2000 Security Specification 8.0.0, section 8.4 (via psec tests/test_pinblock.py).
const ep2Key = 'C1D0F8FB4958670DBA40AB1F3752EF0D';
const ep2Block = 'CC17F65586BFD0953010226C4FC5B3CA';
const ep2Pan = '432198765432109870';
const psecAesKey = '00112233445566778899AABBCCDDEEFF';
const tdesKey = '0123456789ABCDEFFEDCBA9876543210';

describe('encryptPinBlock / decryptPinBlock known answers', () => {
  it('format 0 under TDES (isosim / neapay)', () => {
    expect(toHex(encryptPinBlock(0, hex(neapayKey), '1234', '4356876509876788'))).toBe('B4BF8522DFFB6FFB');
    expect(decryptPinBlock(0, hex(neapayKey), hex('B4BF8522DFFB6FFB'), '4356876509876788')).toBe('1234');
  });

  it('formats 1, 2 and 3 under TDES: the published clear blocks enciphered', () => {
    // Clear blocks from clear.test.ts (psec / hand-derived), enciphered with TDES-ECB.
    expect(toHex(encryptPinBlock(3, hex(tdesKey), '1234', '5555555551234567', { fill: hex('FFFFFFFFFFFFFFFF') }))).toBe('5F58BF6070565524');
    expect(toHex(encryptPinBlock(2, hex(tdesKey), '1234'))).toBe('9859240AE52820C3');
    expect(toHex(encryptPinBlock(1, hex(tdesKey), '1234', undefined, { fill: hex('0123456789ABCDEF') }))).toBe('5DE09A3C3F8856B0');
    expect(decryptPinBlock(3, hex(tdesKey), hex('5F58BF6070565524'), '5555555551234567')).toBe('1234');
    expect(decryptPinBlock(2, hex(tdesKey), hex('9859240AE52820C3'))).toBe('1234');
    expect(decryptPinBlock(1, hex(tdesKey), hex('5DE09A3C3F8856B0'))).toBe('1234');
  });

  it('single DES and three-key TDES keys agree with their double-length equivalents', () => {
    const k1 = '0123456789ABCDEF';
    const viaDes = encryptPinBlock(0, hex(k1), '1234', '5555555551234567');
    expect(toHex(viaDes)).toBe(toHex(encryptPinBlock(0, hex(k1 + k1), '1234', '5555555551234567')));
    expect(toHex(encryptPinBlock(0, hex(tdesKey + tdesKey.slice(0, 16)), '1234', '5555555551234567'))).toBe(
      toHex(encryptPinBlock(0, hex(tdesKey), '1234', '5555555551234567')),
    );
    expect(decryptPinBlock(0, hex(k1), viaDes, '5555555551234567')).toBe('1234');
  });

  it('format 4 with a caller-supplied random half (psec deterministic vector)', () => {
    const block = encryptPinBlock(4, hex(psecAesKey), '1234', '1234567890123456789', { fill: hex('FFFFFFFFFFFFFFFF') });
    expect(toHex(block)).toBe('28B41FDDD29B743E93124BD8E32D921E');
    expect(decryptPinBlock(4, hex(psecAesKey), block, '1234567890123456789')).toBe('1234');
  });

  it('format 4: the ep2 vector decrypts, and re-encrypts with its random half', () => {
    expect(decryptPinBlock(4, hex(ep2Key), hex(ep2Block), ep2Pan)).toBe('1234');
    // The random half of the ep2 PIN field is 146C6601F4A8035C.
    expect(toHex(encryptPinBlock(4, hex(ep2Key), '1234', ep2Pan, { fill: hex('146C6601F4A8035C') }))).toBe(ep2Block);
  });

  it('format 4 takes the random half from the injected source', () => {
    const block = encryptPinBlock(4, hex(psecAesKey), '1234', '1234567890123456789', { random: (n) => new Uint8Array(n).fill(0xff) });
    expect(toHex(block)).toBe('28B41FDDD29B743E93124BD8E32D921E');
  });

  it('a PinBlockCipher instance serves many blocks', () => {
    const cipher = new PinBlockCipher(0, hex(neapayKey));
    for (let i = 0; i < 3; i++) {
      expect(toHex(cipher.encrypt('1234', '4356876509876788'))).toBe('B4BF8522DFFB6FFB');
      expect(cipher.decrypt(hex('B4BF8522DFFB6FFB'), '4356876509876788')).toBe('1234');
    }
  });
});

describe('encrypt / decrypt errors', () => {
  it('rejects keys of the wrong length for the format', () => {
    const secret = 'AABBCCDDEEFF00112233445566778899AA';
    expectCryptoError(() => encryptPinBlock(0, hex(secret), '1234', '4356876509876788'), 'CRYPTO_ERR_KEY_LENGTH', 'key', [secret]);
    expectCryptoError(() => encryptPinBlock(4, hex('0123456789ABCDEF'), '1234', '4356876509876788'), 'CRYPTO_ERR_KEY_LENGTH', 'key', ['0123456789ABCDEF']);
    expectCryptoError(() => new PinBlockCipher(1, new Uint8Array(32)), 'CRYPTO_ERR_KEY_LENGTH', 'key');
  });

  it('rejects unknown formats', () => {
    expectCryptoError(() => encryptPinBlock(5, hex(tdesKey), '1234', '4356876509876788'), 'CRYPTO_ERR_PINBLOCK_FORMAT', 'format');
    expectCryptoError(() => decryptPinBlock(-1, hex(tdesKey), hex('B4BF8522DFFB6FFB'), '4356876509876788'), 'CRYPTO_ERR_PINBLOCK_FORMAT', 'format');
  });

  it('requires a PAN for formats 0, 3 and 4', () => {
    for (const format of [0, 3] as const) expectCryptoError(() => encryptPinBlock(format, hex(tdesKey), '1234'), 'CRYPTO_ERR_PAN', 'pan');
    expectCryptoError(() => encryptPinBlock(4, hex(psecAesKey), '1234'), 'CRYPTO_ERR_PAN', 'pan');
    expectCryptoError(() => decryptPinBlock(4, hex(ep2Key), hex(ep2Block)), 'CRYPTO_ERR_PAN', 'pan');
  });

  it.each(['', '43219876543210987099', '4321987654321098A'])('format 4 rejects PAN %j', (pan) => {
    expectCryptoError(() => decryptPinBlock(4, hex(ep2Key), hex(ep2Block), pan), 'CRYPTO_ERR_PAN', 'pan', [pan, ep2Key, ep2Block]);
    expectCryptoError(() => encryptPinBlock(4, hex(ep2Key), '1234', pan), 'CRYPTO_ERR_PAN', 'pan', [pan, ep2Key]);
  });

  it('rejects bad PINs', () => {
    expectCryptoError(() => encryptPinBlock(4, hex(psecAesKey), '123', '1234567890123456789'), 'CRYPTO_ERR_PIN_LENGTH', 'pin');
    expectCryptoError(() => encryptPinBlock(0, hex(tdesKey), '12345F', '1234567890123456789'), 'CRYPTO_ERR_PIN_DIGITS', 'pin', ['12345F']);
  });

  it('rejects encrypted blocks of the wrong length', () => {
    expectCryptoError(() => decryptPinBlock(4, hex(ep2Key), hex(`${ep2Block}00`), ep2Pan), 'CRYPTO_ERR_PINBLOCK_INVALID', 'encryptedPinBlock', [ep2Block]);
    expectCryptoError(() => decryptPinBlock(0, hex(tdesKey), hex(ep2Block), ep2Pan), 'CRYPTO_ERR_PINBLOCK_INVALID', 'encryptedPinBlock', [ep2Block]);
  });

  it('rejects fill the format does not take', () => {
    expectCryptoError(() => encryptPinBlock(0, hex(tdesKey), '1234', ep2Pan, { fill: hex('FFFFFFFFFFFFFFFF') }), 'CRYPTO_ERR_FILL', 'fill');
    expectCryptoError(() => encryptPinBlock(4, hex(psecAesKey), '1234', ep2Pan, { fill: hex('FFFF') }), 'CRYPTO_ERR_FILL', 'fill');
  });

  // psec tests/test_pinblock.py decipher_pinblock_iso_4 error cases (AES-128 and AES-192 keys).
  it.each([
    ['E60B15B90ABDF14CEE337C97440F0D6E', '7D5AF4C33667A2098626027FB7A9A1B7', '4266229809609384667', 'control'],
    ['C7BBEBA16C5AD97D5866450718C03750', '2F9C910447F17293EC95DEDE1E3CA201', '8220499325458689523', 'digit'],
    ['820F6C7C12355BDFF1AB6CE12E8EED89', 'CCF310A8300B46C925A86B1098089301', '939589847393485609', 'fill'],
    ['4FE3F0311936FBCE44F17159F1659CF09B2BF8913BB514A1', '51334B00A6CBA3EC7B1C6F871F060AFC', '2129100799029059903', 'length'],
  ])('format 4 key %s rejects a malformed block (%s)', (key, block, pan, reason) => {
    const error = expectCryptoError(() => decryptPinBlock(4, hex(key), hex(block), pan), 'CRYPTO_ERR_PINBLOCK_INVALID', 'encryptedPinBlock', [key, block, pan]);
    expect(error.details.reason).toBe(reason);
  });

  it('rejects a format 0 block under the wrong key or PAN', () => {
    expectCryptoError(() => decryptPinBlock(0, hex(tdesKey), hex('B4BF8522DFFB6FFB'), '4356876509876788'), 'CRYPTO_ERR_PINBLOCK_INVALID', 'encryptedPinBlock');
    expectCryptoError(() => decryptPinBlock(0, hex(neapayKey), hex('B4BF8522DFFB6FFB'), '4356876509876778'), 'CRYPTO_ERR_PINBLOCK_INVALID', 'encryptedPinBlock');
  });
});

describe('decrypt(encrypt(x)) = x', () => {
  const pin = digitStrings(4, 12);
  const pan = digitStrings(12, 19);
  const fill = fc.uint8Array({ minLength: 8, maxLength: 8 });

  it('formats 0–3 under DES / TDES keys of 8, 16 and 24 bytes', () => {
    const key = fc.constantFrom(8, 16, 24).chain((length) => fc.uint8Array({ minLength: length, maxLength: length }));
    fc.assert(
      fc.property(fc.constantFrom(0, 1, 2, 3), key, pin, pan, fill, (format, k, p, a, f) => {
        const block = encryptPinBlock(format, k, p, a, format === 1 ? { fill: f } : {});
        expect(block.length).toBe(8);
        expect(decryptPinBlock(format, k, block, a)).toBe(p);
      }),
      { numRuns: 200 },
    );
  });

  it('format 4 under AES-128, -192 and -256', () => {
    const key = fc.constantFrom(16, 24, 32).chain((length) => fc.uint8Array({ minLength: length, maxLength: length }));
    fc.assert(
      fc.property(key, pin, pan, fc.option(fill, { nil: undefined }), (k, p, a, f) => {
        const block = encryptPinBlock(4, k, p, a, f === undefined ? {} : { fill: f });
        expect(block.length).toBe(16);
        expect(decryptPinBlock(4, k, block, a)).toBe(p);
      }),
      { numRuns: 200 },
    );
  });
});
