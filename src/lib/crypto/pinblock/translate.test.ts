import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../bytes.js';
import { decryptPinBlock, encryptPinBlock, PinBlockCipher } from './cipher.js';
import type { PinBlockFormat } from './format.js';
import { PinBlockTranslator, translatePinBlock } from './translate.js';
import { digitStrings, expectCryptoError } from '../test-helpers.js';

const hex = (text: string): Buffer => fromHex(text);

// Keys and blocks of published vectors (see cipher.test.ts for their sources).
const neapayKey = hex('AB9292288227277226252525224665FE');
const ep2Key = hex('C1D0F8FB4958670DBA40AB1F3752EF0D');
const psecAesKey = hex('00112233445566778899AABBCCDDEEFF');
const tdesKey = hex('0123456789ABCDEFFEDCBA9876543210');

describe('translate known answers', () => {
  // Expected values compose published vectors: the decrypted PIN re-encoded under the target
  // format (layout as in ISO 9564-1) and enciphered with TDES / AES from node:crypto directly.
  it('format 0 TDES → format 0 TDES (the switch hot path)', () => {
    const translated = translatePinBlock({ format: 0, key: neapayKey }, { format: 0, key: tdesKey }, hex('B4BF8522DFFB6FFB'), '4356876509876788');
    // TDES(0123…3210, 04125C89AF678987), the isosim clear block.
    expect(toHex(translated)).toBe('9CBBC59480E86283');
  });

  it('format 4 AES (ep2) → format 0 TDES', () => {
    const translated = translatePinBlock(
      { format: 4, key: ep2Key },
      { format: 0, key: neapayKey },
      hex('CC17F65586BFD0953010226C4FC5B3CA'),
      '432198765432109870',
    );
    // Clear format 0 block 0412B39ABCDEF678 under the isosim key.
    expect(toHex(translated)).toBe('AD9D8C33AD925259');
  });

  it('format 0 TDES → format 4 AES with a fixed random half', () => {
    const translated = translatePinBlock({ format: 0, key: neapayKey }, { format: 4, key: psecAesKey }, hex('B4BF8522DFFB6FFB'), '4356876509876788', {
      fill: hex('FFFFFFFFFFFFFFFF'),
    });
    expect(toHex(translated)).toBe('53C021E874A1EE6B48D1546CFFBAE639');
  });

  it('format 0 → format 3, 1 and 2 under one TDES key', () => {
    const source = { format: 0, key: tdesKey };
    const block = encryptPinBlock(0, tdesKey, '1234', '5555555551234567');
    expect(toHex(translatePinBlock(source, { format: 3, key: tdesKey }, block, '5555555551234567', { fill: hex('FFFFFFFFFFFFFFFF') }))).toBe('5F58BF6070565524');
    expect(toHex(translatePinBlock(source, { format: 2, key: tdesKey }, block, '5555555551234567'))).toBe('9859240AE52820C3');
    expect(toHex(translatePinBlock(source, { format: 1, key: tdesKey }, block, '5555555551234567', { fill: hex('0123456789ABCDEF') }))).toBe('5DE09A3C3F8856B0');
  });

  it('format 1 → format 2 needs no PAN', () => {
    expect(toHex(translatePinBlock({ format: 1, key: tdesKey }, { format: 2, key: tdesKey }, hex('5DE09A3C3F8856B0')))).toBe('9859240AE52820C3');
  });

  it('a translator built once serves many blocks', () => {
    const translator = new PinBlockTranslator({ format: 0, key: neapayKey }, { format: 0, key: tdesKey });
    for (let i = 0; i < 3; i++) expect(toHex(translator.translate(hex('B4BF8522DFFB6FFB'), '4356876509876788'))).toBe('9CBBC59480E86283');
    expect(translator.sourceFormat).toBe(0);
    expect(translator.targetFormat).toBe(0);
  });

  it('accepts a held PinBlockCipher for either side', () => {
    const zone = new PinBlockCipher(0, tdesKey);
    expect(toHex(new PinBlockTranslator({ format: 0, key: neapayKey }, zone).translate(hex('B4BF8522DFFB6FFB'), '4356876509876788'))).toBe('9CBBC59480E86283');
    const terminal = new PinBlockCipher(0, neapayKey);
    expect(toHex(translatePinBlock(terminal, zone, hex('B4BF8522DFFB6FFB'), '4356876509876788'))).toBe('9CBBC59480E86283');
  });

  it('leaves the caller block untouched', () => {
    const block = hex('B4BF8522DFFB6FFB');
    translatePinBlock({ format: 0, key: neapayKey }, { format: 3, key: tdesKey }, block, '4356876509876788');
    expect(toHex(block)).toBe('B4BF8522DFFB6FFB');
  });
});

describe('translate errors', () => {
  const block = hex('B4BF8522DFFB6FFB');
  const pan = '4356876509876788';

  it('names the side whose key or format is wrong', () => {
    expectCryptoError(() => new PinBlockTranslator({ format: 0, key: new Uint8Array(15) }, { format: 0, key: tdesKey }), 'CRYPTO_ERR_KEY_LENGTH', 'sourceKey');
    expectCryptoError(() => new PinBlockTranslator({ format: 0, key: tdesKey }, { format: 4, key: new Uint8Array(8) }), 'CRYPTO_ERR_KEY_LENGTH', 'targetKey');
    expectCryptoError(() => new PinBlockTranslator({ format: 9, key: tdesKey }, { format: 0, key: tdesKey }), 'CRYPTO_ERR_PINBLOCK_FORMAT', 'sourceFormat');
    expectCryptoError(() => new PinBlockTranslator({ format: 0, key: tdesKey }, { format: 5, key: tdesKey }), 'CRYPTO_ERR_PINBLOCK_FORMAT', 'targetFormat');
  });

  it('requires the PAN when either side binds it', () => {
    expectCryptoError(() => translatePinBlock({ format: 0, key: neapayKey }, { format: 1, key: tdesKey }, block), 'CRYPTO_ERR_PAN', 'pan');
    expectCryptoError(() => translatePinBlock({ format: 1, key: tdesKey }, { format: 4, key: psecAesKey }, hex('5DE09A3C3F8856B0')), 'CRYPTO_ERR_PAN', 'pan');
  });

  it('rejects a fill the target format does not take', () => {
    expectCryptoError(
      () => translatePinBlock({ format: 0, key: neapayKey }, { format: 0, key: tdesKey }, block, pan, { fill: hex('FFFFFFFFFFFFFFFF') }),
      'CRYPTO_ERR_FILL',
      'fill',
    );
  });

  it('refuses a source block that does not decode (wrong key, wrong PAN, wrong length)', () => {
    const secrets = ['B4BF8522DFFB6FFB', pan, toHex(tdesKey), toHex(neapayKey)];
    expectCryptoError(() => translatePinBlock({ format: 0, key: tdesKey }, { format: 0, key: neapayKey }, block, pan), 'CRYPTO_ERR_PINBLOCK_INVALID', 'encryptedPinBlock', secrets);
    expectCryptoError(
      () => translatePinBlock({ format: 0, key: neapayKey }, { format: 0, key: tdesKey }, block, '4356876509876798'),
      'CRYPTO_ERR_PINBLOCK_INVALID',
      'encryptedPinBlock',
      secrets,
    );
    expectCryptoError(() => translatePinBlock({ format: 4, key: psecAesKey }, { format: 0, key: tdesKey }, block, pan), 'CRYPTO_ERR_PINBLOCK_INVALID', 'encryptedPinBlock');
  });
});

describe('translate properties', () => {
  const pin = digitStrings(4, 12);
  const pan = digitStrings(12, 19);
  const fill = fc.uint8Array({ minLength: 8, maxLength: 8 });
  const format = fc.constantFrom<PinBlockFormat>(0, 1, 2, 3, 4);
  const keyFor = (f: PinBlockFormat): fc.Arbitrary<Uint8Array> =>
    fc.constantFrom(...(f === 4 ? [16, 24, 32] : [8, 16, 24])).chain((length) => fc.uint8Array({ minLength: length, maxLength: length }));
  const side = format.chain((f) => keyFor(f).map((key) => ({ format: f, key })));
  // A fill every format that takes one accepts: A–F nibbles suit format 3 as well as 1 and 4.
  const fillFor = (f: PinBlockFormat, bytes: Uint8Array): { fill?: Uint8Array } =>
    f === 0 || f === 2 ? {} : { fill: f === 3 ? Buffer.from(bytes.map((b) => 0xaa + (b % 6) * 0x11)) : bytes };

  it('A → B → A gives back the original block', () => {
    fc.assert(
      fc.property(side, side, pin, pan, fill, fill, (a, b, p, n, fillA, fillB) => {
        const original = encryptPinBlock(a.format, a.key, p, n, fillFor(a.format, fillA));
        const there = translatePinBlock(a, b, original, n, fillFor(b.format, fillB));
        expect(decryptPinBlock(b.format, b.key, there, n)).toBe(p);
        const back = translatePinBlock(b, a, there, n, fillFor(a.format, fillA));
        expect(toHex(back)).toBe(toHex(original));
      }),
      { numRuns: 200 },
    );
  });

  it('translation equals decrypt then encrypt with the same fill', () => {
    fc.assert(
      fc.property(side, side, pin, pan, fill, (a, b, p, n, f) => {
        const block = encryptPinBlock(a.format, a.key, p, n, fillFor(a.format, f));
        const viaTranslator = new PinBlockTranslator(a, b).translate(block, n, fillFor(b.format, f));
        const viaPin = encryptPinBlock(b.format, b.key, decryptPinBlock(a.format, a.key, block, n), n, fillFor(b.format, f));
        expect(toHex(viaTranslator)).toBe(toHex(viaPin));
      }),
      { numRuns: 200 },
    );
  });
});
