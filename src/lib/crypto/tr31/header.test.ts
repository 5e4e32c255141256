import { describe, expect, it } from 'vitest';
import { BastionError } from '../../errors/index.js';
import { describeTr31Header, formatTr31Header, parseTr31Header, type Tr31HeaderFields } from './header.js';
import { layoutTr31OptionalBlocks } from './optional-blocks.js';
import { tr31VersionProfiles } from './versions.js';

function caught(run: () => unknown): BastionError {
  try {
    run();
  } catch (error) {
    if (error instanceof BastionError) return error;
    throw error;
  }
  throw new Error('expected a BastionError');
}

/** psec's Header.dump: re-lay the optional blocks for the version, length = header length. */
function relayout(text: string): string {
  const { header } = parseTr31Header(text, 'header');
  const blocks = layoutTr31OptionalBlocks(header.optionalBlocks, tr31VersionProfiles[header.versionId].blockSizeBytes);
  return formatTr31Header(header, 16 + blocks.text.length, blocks);
}

describe('parseTr31Header', () => {
  it('reads every fixed field (psec tests/test_tr31.py test_header_load)', () => {
    const { header, headerLengthChars } = parseTr31Header('B0000P0TE00N0000xxxxxxxx');
    expect(headerLengthChars).toBe(16);
    expect(header).toEqual({
      versionId: 'B',
      keyBlockLength: 0,
      keyUsage: 'P0',
      algorithm: 'T',
      modeOfUse: 'E',
      keyVersionNumber: '00',
      exportability: 'N',
      numberOfOptionalBlocks: 0,
      reserved: '00',
      optionalBlocks: [],
    });
  });

  it('reads the TR-31-2018 A.7.3.1 header with its KS block', () => {
    const { header, headerLengthChars } = parseTr31Header('C0096B0TX12S0100KS1800604B120F9292800000BFB9B689');
    expect(headerLengthChars).toBe(40);
    expect(header).toEqual({
      versionId: 'C',
      keyBlockLength: 96,
      keyUsage: 'B0',
      algorithm: 'T',
      modeOfUse: 'X',
      keyVersionNumber: '12',
      exportability: 'S',
      numberOfOptionalBlocks: 1,
      reserved: '00',
      optionalBlocks: [{ id: 'KS', data: '00604B120F9292800000' }],
    });
  });

  // psec tests/test_tr31.py test_header_load_optional_*
  it.each([
    ['B0000P0TE00N0100KS1800604B120F9292800000xxxxxxxx', 40, [{ id: 'KS', data: '00604B120F9292800000' }]],
    ['B0000P0TE00N0200KS1200604B120F9292PB0600', 40, [{ id: 'KS', data: '00604B120F9292' }, { id: 'PB', data: '00' }]],
    ['B0000P0TE00N0200KS0002010A' + 'P'.repeat(256) + 'PB0600', 288, [{ id: 'KS', data: 'P'.repeat(256) }, { id: 'PB', data: '00' }]],
    ['D0000P0TE00N0200KS00011600604B120F9292PB0A000000', 48, [{ id: 'KS', data: '00604B120F9292' }, { id: 'PB', data: '000000' }]],
    [
      'B0000P0TE00N0400KS1800604B120F9292800000T104T20600PB0600',
      56,
      [
        { id: 'KS', data: '00604B120F9292800000' },
        { id: 'T1', data: '' },
        { id: 'T2', data: '00' },
        { id: 'PB', data: '00' },
      ],
    ],
  ])('reads optional blocks of %s', (text, length, blocks) => {
    const { header, headerLengthChars } = parseTr31Header(text);
    expect(headerLengthChars).toBe(length);
    expect(header.optionalBlocks).toEqual(blocks);
    expect(header.numberOfOptionalBlocks).toBe(blocks.length);
  });

  it('reads an extended length counted in characters, as the X9.143-2021 8.5 example writes it', () => {
    const { header, headerLengthChars } = parseTr31Header(`D0000S0RS00N0100CT0004010A${'Q'.repeat(256)}`);
    expect(headerLengthChars).toBe(16 + 266);
    expect(header.optionalBlocks).toEqual([{ id: 'CT', data: 'Q'.repeat(256) }]);
  });

  it('ignores what follows the announced optional blocks (psec test_header_load_optional_with_bad_count)', () => {
    const { header, headerLengthChars } = parseTr31Header('B0000P0TE00N0000KS1800604B120F9292800000');
    expect(headerLengthChars).toBe(16);
    expect(header.optionalBlocks).toEqual([]);
  });

  it.each([
    ['', 'CRYPTO_ERR_TR31_HEADER', 'header'],
    ['B0000', 'CRYPTO_ERR_TR31_HEADER', 'header'],
    ['_0000P0TE00N0000', 'CRYPTO_ERR_TR31_VERSION', 'versionId'],
    ['E0084B0TV16N0000', 'CRYPTO_ERR_TR31_VERSION', 'versionId'],
    ['0000P0TE00N00000', 'CRYPTO_ERR_TR31_VERSION', 'versionId'],
    ['BX040P0TE00N0000', 'CRYPTO_ERR_TR31_HEADER', 'keyBlockLength'],
    ['B0000P_TE00N0000', 'CRYPTO_ERR_TR31_HEADER', 'keyUsage'],
    ['B0000Z9TE00N0000', 'CRYPTO_ERR_TR31_HEADER', 'keyUsage'],
    ['B0000P0_E00N0000', 'CRYPTO_ERR_TR31_HEADER', 'algorithm'],
    ['B0000P0TZ00N0000', 'CRYPTO_ERR_TR31_HEADER', 'modeOfUse'],
    ['B0000P0TE0_N0000', 'CRYPTO_ERR_TR31_HEADER', 'keyVersionNumber'],
    ['B0000P0TE00X0000', 'CRYPTO_ERR_TR31_HEADER', 'exportability'],
    ['B0000P0TE00N0X00', 'CRYPTO_ERR_TR31_HEADER', 'numberOfOptionalBlocks'],
    ['B0000P0TE00N0001', 'CRYPTO_ERR_TR31_HEADER', 'reserved'],
  ])('rejects %j with %s naming field %s', (text, code, field) => {
    const error = caught(() => parseTr31Header(text));
    expect(error.code).toBe(code);
    expect(error.details).toMatchObject({ argument: 'keyBlock', field });
  });

  // psec tests/test_tr31.py test_header_block_load_exceptions: every one is a coded optional block error.
  it.each([
    'B0000P0TE00N0100',
    'B0000P0TE00N0100K',
    'B0000P0TE00N0100KS',
    'B0000P0TE00N0100KS1',
    'B0000P0TE00N0100KS1Y',
    'B0000P0TE00N0100KS02',
    'B0000P0TE00N0100KS071',
    'B0000P0TE00N0100KS00',
    'B0000P0TE00N0100KS001',
    'B0000P0TE00N0100KS001S',
    'B0000P0TE00N0100KS0000',
    'B0000P0TE00N0100KS0001',
    'B0000P0TE00N0100KS00010',
    'B0000P0TE00N0100KS00010H',
    'B0000P0TE00N0100KS000101',
    'B0000P0TE00N0100KS0001FF',
    'B0000P0TE00N0200KS07000T',
    'B0000P0TE00N0200KS0600TT',
    'B0000P0TE00N0200KS050TT1',
    'B0000P0TE00N0200KS04TT1X',
    'B0000P0TE00N0200KS04TT03',
    'B0000P0TE00N0200KS04TT05',
    'B0000P0TE00N0200KS04TT0000',
    'B0000P0TE00N0200KS04TT000101',
    'B0000P0TE00N0200KS04TT00011F',
    'B0000P0TE00N0100**04',
    'B0000P0TE00N0200KS0600??04',
    'B0000P0TE00N0100KS05\x03',
    'B0000P0TE00N0200KS04TT05\xFF',
    'B0000P0TE00N0200PB04KS04',
  ])('rejects the malformed optional blocks of %j', (text) => {
    const error = caught(() => parseTr31Header(text));
    expect(error.code).toBe('CRYPTO_ERR_TR31_OPTIONAL_BLOCK');
    expect(error.details).toMatchObject({ argument: 'keyBlock', field: 'optionalBlocks' });
  });

  it('names the block and offset of a malformed optional block', () => {
    const error = caught(() => parseTr31Header('B0000P0TE00N0200KS04TT05'));
    expect(error.details).toEqual({ argument: 'keyBlock', field: 'optionalBlocks', block: 2, id: 'TT', offset: 20 });
    expect(error.message).toBe('optional block TT: it is 5 characters long but only 4 remain');
  });
});

describe('optional block layout for a header being written (psec test_header_load_* dump results)', () => {
  it.each([
    ['B0000P0TE00N0000', 'B0016P0TE00N0000'],
    ['B0000P0TE00N0100KS1800604B120F9292800000', 'B0040P0TE00N0100KS1800604B120F9292800000'],
    ['D0000P0TE00N0100KS1800604B120F9292800000', 'D0048P0TE00N0200KS1800604B120F9292800000PB080000'],
    ['B0000P0TE00N0200KS1200604B120F9292PB0600', 'B0040P0TE00N0200KS1200604B120F9292PB0600'],
    ['D0000P0TE00N0200KS1200604B120F9292PB0600', 'D0048P0TE00N0200KS1200604B120F9292PB0E0000000000'],
    ['B0000P0TE00N0200KS0002010A' + 'P'.repeat(256) + 'PB0600', 'B0288P0TE00N0200KS0002010A' + 'P'.repeat(256) + 'PB0600'],
    ['D0000P0TE00N0200KS0002010A' + 'P'.repeat(256) + 'PB0600', 'D0288P0TE00N0200KS0002010A' + 'P'.repeat(256) + 'PB0600'],
    ['B0000P0TE00N0200KS00011600604B120F9292PB0A000000', 'B0040P0TE00N0200KS1200604B120F9292PB0600'],
    ['D0000P0TE00N0200KS00011600604B120F9292PB0A000000', 'D0048P0TE00N0200KS1200604B120F9292PB0E0000000000'],
    ['B0000P0TE00N0400KS1800604B120F9292800000T104T20600PB0600', 'B0056P0TE00N0400KS1800604B120F9292800000T104T20600PB0600'],
    ['D0000P0TE00N0400KS1800604B120F9292800000T104T20600PB0600', 'D0064P0TE00N0400KS1800604B120F9292800000T104T20600PB0E0000000000'],
    // A header already aligned with a PB of no data keeps it (psec test_kb_known_values A0112).
    ['A0000P0TE12E0200KS1400604B120F929280PB04', 'A0040P0TE12E0200KS1400604B120F929280PB04'],
  ])('%s is written as %s', (input, expected) => {
    expect(relayout(input)).toBe(expected);
  });

  it('refuses more than 99 blocks and a PB that is not last', () => {
    const many = Array.from({ length: 100 }, (_, i) => ({ id: String(i % 100).padStart(2, '0'), data: 'PPPP' }));
    const tooMany = caught(() => layoutTr31OptionalBlocks(many, 8));
    expect(tooMany.code).toBe('CRYPTO_ERR_TR31_OPTIONAL_BLOCK');
    expect(tooMany.details).toEqual({ argument: 'header', field: 'optionalBlocks', count: 100 });
    // 99 two-character blocks need a PB as the hundredth (psec test_header_block_dump_exception_too_many_blocks_pb).
    const withPadding = caught(() => layoutTr31OptionalBlocks(many.slice(0, 99).map((block) => ({ ...block, data: 'PP' })), 16));
    expect(withPadding.details).toMatchObject({ count: 100 });
    const misplaced = caught(() => layoutTr31OptionalBlocks([{ id: 'PB', data: '' }, { id: 'KS', data: '00' }], 8));
    expect(misplaced.code).toBe('CRYPTO_ERR_TR31_OPTIONAL_BLOCK');
    expect(misplaced.details).toEqual({ argument: 'header', field: 'optionalBlocks', block: 1 });
  });

  it('refuses block data that is not printable or too long for an extended length', () => {
    expect(caught(() => layoutTr31OptionalBlocks([{ id: 'LB', data: 'tab\there' }], 8)).details).toEqual({
      argument: 'header',
      field: 'optionalBlocks',
      id: 'LB',
    });
    expect(caught(() => layoutTr31OptionalBlocks([{ id: 'K', data: '' }], 8)).code).toBe('CRYPTO_ERR_TR31_OPTIONAL_BLOCK');
    expect(caught(() => layoutTr31OptionalBlocks([{ id: 'LG', data: 'P'.repeat(70000) }], 8)).code).toBe('CRYPTO_ERR_TR31_OPTIONAL_BLOCK');
  });
});

describe('describeTr31Header', () => {
  it('names the coded fields, including proprietary numeric values', () => {
    const fields: Tr31HeaderFields = { versionId: 'D', keyUsage: 'P0', algorithm: 'A', modeOfUse: 'E', keyVersionNumber: '00', exportability: 'E' };
    expect(describeTr31Header(fields)).toEqual({
      keyUsage: 'PIN encryption',
      algorithm: 'AES',
      modeOfUse: 'Encrypt / wrap only',
      exportability: 'Exportable under a KEK in a form meeting ANSI X9.24',
    });
    expect(describeTr31Header({ keyUsage: '10', algorithm: '1', modeOfUse: '9', exportability: 'N' })).toEqual({
      keyUsage: 'Proprietary (numeric value)',
      algorithm: 'Proprietary (numeric value)',
      modeOfUse: 'Proprietary (numeric value)',
      exportability: 'Not exportable',
    });
  });
});
