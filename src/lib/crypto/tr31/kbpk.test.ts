import { describe, expect, it } from 'vitest';
import { BastionError } from '../../errors/index.js';
import { fromHex, toHex } from '../bytes.js';
import { parseTr31Header } from './header.js';
import { Tr31Kbpk, tr31DeriveKeys, tr31Unwrap, tr31Wrap, type Tr31HeaderFields } from './index.js';
import { derivedKeysVectors, fixedPaddingWraps, publishedKeyBlocks } from './test-vectors.js';

function caught(run: () => unknown): BastionError {
  try {
    run();
  } catch (error) {
    if (error instanceof BastionError) return error;
    throw error;
  }
  throw new Error('expected a BastionError');
}

/** A random source that must be asked for exactly `bytes`, for known answers with default padding. */
function fixedRandom(hex: string): (lengthBytes: number) => Uint8Array {
  return (lengthBytes) => {
    const bytes = fromHex(hex);
    expect(lengthBytes).toBe(bytes.length);
    return bytes;
  };
}

// The two X9.143-2021 examples with certificates count their extended lengths in characters,
// which Bastion reads but does not write (it writes the byte form, as psec does).
const writtenInCharacterForm = (keyBlock: string): boolean => keyBlock.startsWith('D3776') || keyBlock.startsWith('D1840');

describe('unwrap: published key blocks', () => {
  it.each(publishedKeyBlocks.map((vector) => ({ ...vector, label: `${vector.source}: ${vector.keyBlock.slice(0, 16)}` })))(
    '$label',
    ({ kbpk, keyBlock, key }) => {
      const unwrapped = tr31Unwrap(fromHex(kbpk), keyBlock);
      expect(toHex(unwrapped.key)).toBe(key);
      expect(unwrapped.header.keyBlockLength).toBe(keyBlock.length);
      expect(unwrapped.header).toEqual(parseTr31Header(keyBlock).header);
    },
  );

  it('returns the parsed header with every optional block (ANSI X9.143-2021 8.2)', () => {
    const vector = publishedKeyBlocks.find((entry) => entry.source.startsWith('ANSI X9.143-2021 8.2'));
    if (vector === undefined) throw new Error('vector missing');
    expect(tr31Unwrap(fromHex(vector.kbpk), vector.keyBlock).header).toEqual({
      versionId: 'D',
      keyBlockLength: 192,
      keyUsage: 'C0',
      algorithm: 'A',
      modeOfUse: 'V',
      keyVersionNumber: 'A1',
      exportability: 'N',
      numberOfOptionalBlocks: 3,
      reserved: '00',
      optionalBlocks: [
        { id: 'KS', data: 'VM9A' },
        { id: 'TS', data: '2018-06-18T20:42:39.22' },
        { id: 'PB', data: '0000000000' },
      ],
    });
  });

  it('reads the certificate, KBPK check value and time stamp blocks of ANSI X9.143-2021 8.5', () => {
    const vector = publishedKeyBlocks.find((entry) => entry.source.startsWith('ANSI X9.143-2021 8.5'));
    if (vector === undefined) throw new Error('vector missing');
    const { header, key } = tr31Unwrap(fromHex(vector.kbpk), vector.keyBlock);
    expect(key).toHaveLength(1192);
    expect(header.optionalBlocks.map((block) => block.id)).toEqual(['CT', 'KP', 'TS', 'PB']);
    expect(header.optionalBlocks[0]?.data).toHaveLength(1280 - 10);
    expect(header.optionalBlocks[0]?.data.startsWith('00MIIDszCCApugAwIBAgIIKpD5FKMfCZEw')).toBe(true);
    expect(header.optionalBlocks.slice(1)).toEqual([
      { id: 'KP', data: '01D77F007724' },
      { id: 'TS', data: '20200818221218Z' },
      { id: 'PB', data: '000000000' },
    ]);
  });
});

describe('wrap: the same blocks, byte for byte', () => {
  const reproducible = publishedKeyBlocks.filter((vector) => !writtenInCharacterForm(vector.keyBlock));

  it.each(reproducible.map((vector) => ({ ...vector, label: `${vector.source}: ${vector.keyBlock.slice(0, 16)}` })))(
    '$label (header as fields and as text)',
    ({ kbpk, keyBlock, key, padding }) => {
      const { header, headerLengthChars } = parseTr31Header(keyBlock);
      const fields: Tr31HeaderFields = header;
      expect(tr31Wrap(fromHex(kbpk), fields, fromHex(key), { padding: fromHex(padding) })).toBe(keyBlock);
      const headerText = `${keyBlock.charAt(0)}0000${keyBlock.slice(5, headerLengthChars)}`;
      expect(tr31Wrap(fromHex(kbpk), headerText, fromHex(key), { padding: fromHex(padding) })).toBe(keyBlock);
    },
  );

  it.each(fixedPaddingWraps.map((vector) => ({ ...vector, label: vector.source })))('$label', ({ kbpk, header, key, padding, keyBlock }) => {
    expect(tr31Wrap(fromHex(kbpk), header, fromHex(key), { padding: fromHex(padding) })).toBe(keyBlock);
    expect(toHex(tr31Unwrap(fromHex(kbpk), keyBlock).key)).toBe(key);
  });

  it('X9.143-2021 8.5 and 8.6 rewrap to blocks with byte-form extended lengths that unwrap to the same key and blocks', () => {
    for (const vector of publishedKeyBlocks.filter((entry) => writtenInCharacterForm(entry.keyBlock))) {
      const kbpk = new Tr31Kbpk(fromHex(vector.kbpk));
      const original = kbpk.unwrap(vector.keyBlock);
      const rewrapped = kbpk.wrap(original.header, original.key, { padding: fromHex(vector.padding) });
      expect(rewrapped.length).toBe(vector.keyBlock.length);
      expect(rewrapped.slice(16, 22)).toBe('CT0002');
      const again = kbpk.unwrap(rewrapped);
      expect(again.key).toEqual(original.key);
      expect(again.header.optionalBlocks).toEqual(original.header.optionalBlocks);
    }
  });
});

describe('default padding hides the key length', () => {
  // X9.143-2021 8.1, 8.4.1 and 8.4.2 pad a 16-byte key as a 24-byte (TDES) or 32-byte (AES) one.
  it.each([
    'ANSI X9.143-2021 8.1',
    'ANSI X9.143-2021 8.4.1',
    'ANSI X9.143-2021 8.4.2',
  ])('reproduces %s from random bytes alone', (prefix) => {
    const vector = publishedKeyBlocks.find((entry) => entry.source.startsWith(prefix));
    if (vector === undefined) throw new Error('vector missing');
    const { header } = parseTr31Header(vector.keyBlock);
    expect(tr31Wrap(fromHex(vector.kbpk), header, fromHex(vector.key), { random: fixedRandom(vector.padding) })).toBe(vector.keyBlock);
  });

  // Lengths from psec tests/test_tr31.py test_kb_masking_key_length (masked_key_len None and explicit).
  it.each([
    ['A', 'D', 24, undefined, 88],
    ['A', 'D', 16, undefined, 88],
    ['A', 'D', 8, undefined, 88],
    ['A', 'D', 16, 16, 72],
    ['A', 'D', 16, 8, 72],
    ['A', 'D', 8, 0, 56],
    ['B', 'T', 24, undefined, 96],
    ['B', 'T', 16, undefined, 96],
    ['B', 'T', 8, undefined, 96],
    ['B', 'T', 16, 0, 80],
    ['B', 'T', 8, 8, 64],
    ['C', 'T', 16, undefined, 88],
    ['C', 'T', 16, 16, 72],
    ['D', 'A', 32, undefined, 144],
    ['D', 'A', 24, undefined, 144],
    ['D', 'A', 16, undefined, 144],
    ['D', 'A', 24, 24, 112],
    ['D', 'A', 16, 0, 112],
    ['D', 'T', 24, undefined, 112],
    ['D', 'T', 16, undefined, 112],
    ['D', 'T', 8, 8, 80],
    ['D', 'R', 8, undefined, 80],
  ] as const)('version %s algorithm %s, %i-byte key, masked to %s: %i characters', (versionId, algorithm, keyLength, masked, length) => {
    const header: Tr31HeaderFields = { versionId, keyUsage: 'P0', algorithm, modeOfUse: 'E', keyVersionNumber: '00', exportability: 'N' };
    const kbpk = Buffer.alloc(24, 0x45);
    const block = tr31Wrap(kbpk, header, Buffer.alloc(keyLength, 0x46), masked === undefined ? {} : { maskedKeyLengthBytes: masked });
    expect(block).toHaveLength(length);
    expect(block.slice(1, 5)).toBe(String(length).padStart(4, '0'));
    expect(tr31Unwrap(kbpk, block).key).toEqual(Buffer.alloc(keyLength, 0x46));
  });
});

describe('key derivation binding methods (versions B and D)', () => {
  it.each(derivedKeysVectors.map((vector) => ({ ...vector, label: vector.source })))('$label', ({ version, kbpk, kbek, kbak }) => {
    const keys = tr31DeriveKeys(version, fromHex(kbpk));
    expect(toHex(keys.kbek)).toBe(kbek);
    expect(toHex(keys.kbak)).toBe(kbak);
  });

  it('versions A and C use the KBPK XOR 45 and XOR 4D (the TR-31 key variant binding method; psec tr31.py gives the same masks)', () => {
    const keys = tr31DeriveKeys('A', fromHex('89E88CF7931444F334BD7547FC3F380C'));
    expect(toHex(keys.kbek)).toBe('CCADC9B2D65101B671F83002B97A7D49');
    expect(toHex(keys.kbak)).toBe('C4A5C1BADE5909BE79F0380AB1727541');
    expect(tr31DeriveKeys('C', fromHex('89E88CF7931444F334BD7547FC3F380C'))).toEqual(keys);
  });
});

describe('a held KBPK', () => {
  it('wraps and unwraps many blocks of every version with one instance', () => {
    const kbpk = new Tr31Kbpk(fromHex('88E1AB2A2E3DD38C1FA039A536500CC8'));
    for (const versionId of ['A', 'B', 'C', 'D'] as const) {
      for (let i = 0; i < 5; i++) {
        const key = Buffer.alloc(16, i);
        const header: Tr31HeaderFields = { versionId, keyUsage: 'K0', algorithm: 'T', modeOfUse: 'B', keyVersionNumber: '00', exportability: 'E' };
        expect(kbpk.unwrap(kbpk.wrap(header, key)).key).toEqual(key);
      }
    }
  });

  it('keeps its own copy of the KBPK', () => {
    const bytes = fromHex('DD7515F2BFC17F85CE48F3CA25CB21F6');
    const kbpk = new Tr31Kbpk(bytes);
    bytes.fill(0);
    const vector = publishedKeyBlocks[1];
    if (vector === undefined) throw new Error('vector missing');
    expect(toHex(kbpk.unwrap(vector.keyBlock).key)).toBe(vector.key);
  });
});

describe('errors', () => {
  const kbpkE = Buffer.alloc(16, 0x45); // psec's b"E" * 16

  function expectNoSecrets(error: BastionError, ...secrets: string[]): void {
    const text = `${error.message} ${JSON.stringify(error.details)}`;
    for (const secret of secrets.filter((value) => value.length >= 16)) expect(text.toUpperCase()).not.toContain(secret.toUpperCase());
  }

  it.each([
    [8, 'B0088M3TC00E000062C2C14D8785A01A9E8283525CA96F490D0CC6346FC7C2AC1E6FF354468910379AA5BBA6'],
    [7, 'A0088M3TC00E000062C2C14D8785A01A9E8283525CA96F490D0CC6346FC7C2AC1E6FF354468910379AA5BBA6'],
    [19, 'D0112P0AE00E0000DDF7B73888F22B757600010215895621B94A4E8DA57DD3E01BB66FF046A4E6B89B8F5C30BDD3A946205FDF791C3548E4'],
  ])('a %i-byte KBPK is refused (psec test_kb_unwrap_exceptions)', (length, keyBlock) => {
    const error = caught(() => tr31Unwrap(Buffer.alloc(length, 0x45), keyBlock));
    expect(error.code).toBe('CRYPTO_ERR_TR31_KBPK');
    expect(error.details).toEqual({ argument: 'kbpk', length });
  });

  it('a KBPK of the wrong kind for the version is refused, naming the version', () => {
    const error = caught(() => tr31Unwrap(Buffer.alloc(32, 0x45), 'B0096M3TC00E0000B6CD513680EF255FC0DC590726FD0129A7CF6602E7F271631AB4EE7350642F11181AF4CC12F12FD9'));
    expect(error.code).toBe('CRYPTO_ERR_TR31_KBPK');
    expect(error.details).toEqual({ argument: 'kbpk', versionId: 'B', length: 32 });
    expect(error.message).toBe('kbpk must be a double- or triple-length TDES key (16 or 24 bytes) for version B key blocks, got 32 bytes');
    const wrap = caught(() => tr31Wrap(Buffer.alloc(32, 0x45), 'A0000P0TE00N0000', Buffer.alloc(16)));
    expect(wrap.details).toEqual({ argument: 'kbpk', versionId: 'A', length: 32 });
  });

  // psec tests/test_tr31.py test_kb_unwrap_exceptions, with Bastion's codes.
  it.each([
    ['B0040P0TE00N0000', 'CRYPTO_ERR_TR31_LENGTH', { field: 'keyBlockLength', declared: 40, length: 16 }],
    ['BX040P0TE00N0000', 'CRYPTO_ERR_TR31_HEADER', { field: 'keyBlockLength' }],
    ['A0087M3TC00E000062C2C14D8785A01A9E8283525CA96F490D0CC6346FC7C2AC1E6FF354468910379AA5BBA', 'CRYPTO_ERR_TR31_LENGTH', { length: 87 }],
    ['D0087M3TC00E000062C2C14D8785A01A9E8283525CA96F490D0CC6346FC7C2AC1E6FF354468910379AA5BBA', 'CRYPTO_ERR_TR31_LENGTH', { length: 87 }],
    ['A0088M3TC00E000062C2C14D8785A01A9E8283525CA96F490D0CC6346FC7C2AC1E6FF354468910379AA5BBAX', 'CRYPTO_ERR_HEX', { field: 'keyField' }],
    // 56 hex digits of ciphertext are not whole 8-byte blocks, whatever the characters.
    ['B0088M3TC00E000062C2C14D8785A01A9E8283525CA96F490D0CC6346FC7C2AC1E6FF35X468910379AA5BBA6', 'CRYPTO_ERR_TR31_LENGTH', { field: 'keyField', length: 72 }],
    ['B0096M3TC00E0000B6CD513680EF255FC0DC590726FD0129A7CF6602E7F271631AB4EE7350642F11181AF4CC12F12FDX', 'CRYPTO_ERR_HEX', { field: 'keyField' }],
    ['A0088M3TC00E000062c2C14D8785A01A9E8283525CA96F490D0CC6346FC7C2AC1E6FF354468910379AA5BBA6', 'CRYPTO_ERR_HEX', { field: 'keyField' }],
    ['A0024M3TC00E0100TT04BBA6', 'CRYPTO_ERR_TR31_OPTIONAL_BLOCK', { field: 'optionalBlocks', length: 20 }],
    ['B0024M3TC00E00009AA5BBA6', 'CRYPTO_ERR_TR31_LENGTH', { field: 'keyField', length: 8 }],
    ['A0024M3TC00E00009AA5BBA6', 'CRYPTO_ERR_TR31_LENGTH', { field: 'keyField', length: 8 }],
    ['B0032M3TC00E0000FFFFFFFF9AA5BBA6', 'CRYPTO_ERR_TR31_LENGTH', { field: 'keyField', length: 16 }],
    ['D0048P0AE00E00009B8F5C30BDD3A946205FDF791C3548EC', 'CRYPTO_ERR_TR31_LENGTH', { field: 'keyField', length: 32 }],
    ['A0056M3TC00E0000BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB9AA5BBA6', 'CRYPTO_ERR_TR31_MAC', {}],
    ['B0064M3TC00E0000BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBFFFFFFFF9AA5BBA6', 'CRYPTO_ERR_TR31_MAC', {}],
    ['C0056M3TC00E0000BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB9AA5BBA6', 'CRYPTO_ERR_TR31_MAC', {}],
    ['D0112P0AE00E0000DDF7B73888F22B757600010215895621B94A4E8DA57DD3E01BB66FF046A4E6B89B8F5C30BDD3A946205FDF791C3548E4', 'CRYPTO_ERR_TR31_MAC', {}],
    // MAC-valid blocks whose key length field is 3 bits: not a whole number of bytes.
    ['A0056M3TC00E0000C6F4C83842160CBA48D98A1218862857124FAF46', 'CRYPTO_ERR_TR31_KEY', { field: 'keyLength' }],
    ['B0064M3TC00E0000F74E0A3502C5CEE07342D5DE9E72135E4A81944F80691F0F', 'CRYPTO_ERR_TR31_KEY', { field: 'keyLength' }],
    ['C0056M3TC00E0000F71573EB7441BB50A5C4511893AFB37B5B95A4AD', 'CRYPTO_ERR_TR31_KEY', { field: 'keyLength' }],
    ['D0080M3TC00E000007E81A7F29A870D4A0CD5AB27E9FEC4A8863E879B11EA3A0ADA406AD26D35B2F', 'CRYPTO_ERR_TR31_KEY', { field: 'keyLength' }],
    // MAC-valid blocks whose key length field is longer than the key field.
    ['A0056M3TC00E0000EF14FD71CFCDCE0630AD5C1CDE0041DCF95CF1D0', 'CRYPTO_ERR_TR31_KEY', { field: 'keyLength' }],
    ['B0064M3TC00E00000398DC96A5DDB0EF61E26F8935173BD478DF9484050A672A', 'CRYPTO_ERR_TR31_KEY', { field: 'keyLength' }],
    ['C0056M3TC00E000001235EC22408B6CE866746FF992B8707FD7A26D2', 'CRYPTO_ERR_TR31_KEY', { field: 'keyLength' }],
    ['D0112P0AE00E00000DC02E4C2B63120403CC732FB1B17E6D44138E7C341AE7368DEAD6FB4673F25ECFD803F1101F701A7FE8BD3516D3D1BF', 'CRYPTO_ERR_TR31_KEY', { field: 'keyLength' }],
  ])('%s → %s', (keyBlock, code, details) => {
    const error = caught(() => tr31Unwrap(kbpkE, keyBlock));
    expect(error.code).toBe(code);
    expect(error.details).toEqual({ argument: 'keyBlock', ...details });
    expectNoSecrets(error, toHex(kbpkE), keyBlock.slice(16, 48));
  });

  it('a wrong KBPK of the right length fails the MAC check and reveals nothing', () => {
    for (const vector of publishedKeyBlocks) {
      const wrong = fromHex(vector.kbpk);
      // Not the low bit: DES ignores it (parity), so that change would give the same key.
      wrong[0] = (wrong[0] as number) ^ 0x80;
      const error = caught(() => tr31Unwrap(wrong, vector.keyBlock));
      expect(error.code).toBe('CRYPTO_ERR_TR31_MAC');
      expect(error.details).toEqual({ argument: 'keyBlock' });
      expect(error.message).toBe('the key block failed its MAC check: it was altered, or the KBPK is not the one it was made under');
      expectNoSecrets(error, vector.kbpk, vector.key);
    }
  });

  it('wrap refuses bad inputs with the argument named', () => {
    const kbpk = Buffer.alloc(16, 0x45);
    const key = Buffer.alloc(16, 0x46);
    const empty = caught(() => tr31Wrap(kbpk, 'B0000P0TE00N0000', Buffer.alloc(0)));
    expect([empty.code, empty.details]).toEqual(['CRYPTO_ERR_KEY_LENGTH', { argument: 'key', length: 0 }]);
    const trailing = caught(() => tr31Wrap(kbpk, 'B0000P0TE00N0000KS18', key));
    expect([trailing.code, trailing.details]).toEqual(['CRYPTO_ERR_TR31_HEADER', { argument: 'header', field: 'header' }]);
    const version = caught(() => tr31Wrap(kbpk, 'E0000P0TE00N0000', key));
    expect([version.code, version.details]).toEqual(['CRYPTO_ERR_TR31_VERSION', { argument: 'header', field: 'versionId' }]);
    const usage = caught(() =>
      tr31Wrap(kbpk, { versionId: 'B', keyUsage: 'Q9', algorithm: 'T', modeOfUse: 'E', keyVersionNumber: '00', exportability: 'N' }, key),
    );
    expect([usage.code, usage.details]).toEqual(['CRYPTO_ERR_TR31_HEADER', { argument: 'header', field: 'keyUsage' }]);
    const padding = caught(() => tr31Wrap(kbpk, 'B0000P0TE00N0000', key, { padding: Buffer.alloc(5) }));
    expect([padding.code, padding.details]).toEqual(['CRYPTO_ERR_FILL', { argument: 'padding', length: 5 }]);
    expect(padding.message).toBe('padding must bring 2 + key length + padding to a multiple of 8 bytes: with a 16-byte key give 6, 14, ... bytes, got 5');
    const both = caught(() => tr31Wrap(kbpk, 'B0000P0TE00N0000', key, { padding: Buffer.alloc(6), maskedKeyLengthBytes: 24 }));
    expect([both.code, both.details]).toEqual(['CRYPTO_ERR_ARGUMENT', { argument: 'padding' }]);
    const masked = caught(() => tr31Wrap(kbpk, 'B0000P0TE00N0000', key, { maskedKeyLengthBytes: -1 }));
    expect([masked.code, masked.details]).toEqual(['CRYPTO_ERR_ARGUMENT', { argument: 'maskedKeyLengthBytes' }]);
    const random = caught(() => tr31Wrap(kbpk, 'B0000P0TE00N0000', key, { random: () => Buffer.alloc(3) }));
    expect([random.code, random.details]).toEqual(['CRYPTO_ERR_FILL', { argument: 'random', length: 3 }]);
    const long = caught(() => tr31Wrap(kbpk, 'B0000P0TE00N0000', Buffer.alloc(5000, 0x46)));
    expect([long.code, long.details]).toEqual(['CRYPTO_ERR_TR31_LENGTH', { argument: 'key', length: 10048 }]);
    for (const error of [empty, padding, long]) expectNoSecrets(error, toHex(kbpk), toHex(key));
  });

  it('wrap accepts the longest block the length field allows', () => {
    const kbpk = Buffer.alloc(16, 0x45);
    // 16 header + 2 × (2 + 4966 + 0 padding + 8 MAC) = 9968; a version B key field of 4968 bytes.
    const key = Buffer.alloc(4966, 0x46);
    const block = tr31Wrap(kbpk, 'B0000D0HN00N0000', key, { padding: Buffer.alloc(0) });
    expect(block).toHaveLength(9968);
    expect(tr31Unwrap(kbpk, block).key).toEqual(key);
  });
});
