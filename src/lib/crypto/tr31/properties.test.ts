import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BastionError, type ErrorCode } from '../../errors/index.js';
import { toHex } from '../bytes.js';
import { parseTr31Header } from './header.js';
import { tr31Algorithms, tr31Exportabilities, tr31KeyUsages, tr31ModesOfUse } from './header-values.js';
import { Tr31Kbpk, type Tr31HeaderFields, type Tr31Version } from './index.js';
import type { Tr31OptionalBlock } from './optional-blocks.js';
import { tr31VersionProfiles } from './versions.js';

const numRuns = 200;

/** A repeatable byte source for the padding, so a failing case replays exactly. */
function seededRandom(seed: number): (lengthBytes: number) => Uint8Array {
  let state = seed >>> 0 || 1;
  return (lengthBytes) => {
    const out = Buffer.allocUnsafe(lengthBytes);
    for (let i = 0; i < lengthBytes; i++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      out[i] = state >>> 24;
    }
    return out;
  };
}

const alphanumeric = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxyz'.split(''));
const printable = fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code));

const optionalBlock: fc.Arbitrary<Tr31OptionalBlock> = fc.record({
  id: fc
    .tuple(alphanumeric, alphanumeric)
    .map(([a, b]) => a + b)
    .filter((id) => id !== 'PB'),
  data: fc.oneof(
    { weight: 5, arbitrary: fc.string({ unit: printable, maxLength: 40 }) },
    // Sometimes long enough to need the extended length form.
    { weight: 1, arbitrary: fc.string({ unit: printable, minLength: 252, maxLength: 300 }) },
  ),
});

const versionAndKbpk: fc.Arbitrary<{ versionId: Tr31Version; kbpk: Uint8Array }> = fc
  .constantFrom<Tr31Version>('A', 'B', 'C', 'D')
  .chain((versionId) =>
    fc
      .constantFrom(...tr31VersionProfiles[versionId].kbpkLengthsBytes)
      .chain((length) => fc.uint8Array({ minLength: length, maxLength: length }))
      .map((kbpk) => ({ versionId, kbpk })),
  );

const wrapCase = fc.record({
  target: versionAndKbpk,
  keyUsage: fc.constantFrom(...Object.keys(tr31KeyUsages), '42'),
  algorithm: fc.constantFrom(...Object.keys(tr31Algorithms), '7'),
  modeOfUse: fc.constantFrom(...Object.keys(tr31ModesOfUse)),
  keyVersionNumber: fc.tuple(alphanumeric, alphanumeric).map(([a, b]) => a + b),
  exportability: fc.constantFrom(...Object.keys(tr31Exportabilities)),
  optionalBlocks: fc.array(optionalBlock, { maxLength: 3 }),
  key: fc.uint8Array({ minLength: 1, maxLength: 64 }),
  seed: fc.integer(),
});

type WrapCase = typeof wrapCase extends fc.Arbitrary<infer T> ? T : never;

function wrapped(testCase: WrapCase): { kbpk: Tr31Kbpk; header: Tr31HeaderFields; block: string } {
  const { target, key, seed, ...rest } = testCase;
  const header: Tr31HeaderFields = { ...rest, versionId: target.versionId };
  const kbpk = new Tr31Kbpk(target.kbpk);
  return { kbpk, header, block: kbpk.wrap(header, key, { random: seededRandom(seed) }) };
}

const rejectionCodes: readonly ErrorCode[] = [
  'CRYPTO_ERR_TR31_HEADER',
  'CRYPTO_ERR_TR31_VERSION',
  'CRYPTO_ERR_TR31_LENGTH',
  'CRYPTO_ERR_TR31_OPTIONAL_BLOCK',
  'CRYPTO_ERR_TR31_KBPK',
  'CRYPTO_ERR_TR31_MAC',
  'CRYPTO_ERR_HEX',
];

/** The altered block must be refused with a coded error; returning anything is a failure. */
function rejectionOf(kbpk: Tr31Kbpk, block: string): BastionError {
  let outcome: unknown;
  try {
    outcome = kbpk.unwrap(block);
  } catch (error) {
    if (error instanceof BastionError) return error;
    throw error;
  }
  throw new Error(`an altered key block was accepted: ${JSON.stringify(outcome)}`);
}

describe('TR-31 properties', () => {
  it('unwrap(wrap(key)) returns the key and header, for every version, KBPK length and key length', () => {
    fc.assert(
      fc.property(wrapCase, (testCase) => {
        const { kbpk, header, block } = wrapped(testCase);
        const profile = tr31VersionProfiles[header.versionId];
        const { headerLengthChars } = parseTr31Header(block);
        expect(block.length % profile.blockSizeBytes).toBe(0);
        expect(headerLengthChars % profile.blockSizeBytes).toBe(0);
        expect(block.slice(1, 5)).toBe(String(block.length).padStart(4, '0'));
        const unwrapped = kbpk.unwrap(block);
        expect(unwrapped.key).toEqual(Buffer.from(testCase.key));
        const { optionalBlocks, ...fixed } = unwrapped.header;
        expect(fixed).toEqual({
          versionId: header.versionId,
          keyBlockLength: block.length,
          keyUsage: header.keyUsage,
          algorithm: header.algorithm,
          modeOfUse: header.modeOfUse,
          keyVersionNumber: header.keyVersionNumber,
          exportability: header.exportability,
          numberOfOptionalBlocks: optionalBlocks.length,
          reserved: '00',
        });
        // The caller's blocks come back in order; a PB is added only when alignment needs one.
        expect(optionalBlocks.filter((block) => block.id !== 'PB')).toEqual(testCase.optionalBlocks);
        expect(optionalBlocks.length - testCase.optionalBlocks.length).toBeLessThanOrEqual(1);
      }),
      { numRuns },
    );
  });

  it('any single character replaced by another printable character is rejected with a coded error', () => {
    fc.assert(
      fc.property(wrapCase, fc.nat(), printable, (testCase, where, replacement) => {
        const { kbpk, block } = wrapped(testCase);
        const position = where % block.length;
        fc.pre(block.charAt(position) !== replacement);
        const altered = block.slice(0, position) + replacement + block.slice(position + 1);
        expect(rejectionCodes).toContain(rejectionOf(kbpk, altered).code);
      }),
      { numRuns },
    );
  });

  it('every position of a block is covered: each one, changed, is rejected', () => {
    fc.assert(
      fc.property(wrapCase, (testCase) => {
        const { kbpk, block } = wrapped(testCase);
        for (let position = 0; position < block.length; position++) {
          const original = block.charAt(position);
          const replacement = original === '0' ? '1' : '0';
          const altered = block.slice(0, position) + replacement + block.slice(position + 1);
          expect(rejectionCodes).toContain(rejectionOf(kbpk, altered).code);
        }
      }),
      { numRuns: 20 },
    );
  });

  it('flipping any bits of the encrypted key field or MAC fails the MAC check', () => {
    fc.assert(
      fc.property(wrapCase, fc.nat(), fc.integer({ min: 1, max: 255 }), (testCase, where, mask) => {
        const { kbpk, block } = wrapped(testCase);
        const { headerLengthChars } = parseTr31Header(block);
        const payload = Buffer.from(block.slice(headerLengthChars), 'hex');
        const index = where % payload.length;
        payload[index] = (payload[index] as number) ^ mask;
        const altered = block.slice(0, headerLengthChars) + toHex(payload);
        const error = rejectionOf(kbpk, altered);
        expect(error.code).toBe('CRYPTO_ERR_TR31_MAC');
        expect(error.details).toEqual({ argument: 'keyBlock' });
      }),
      { numRuns },
    );
  });

  it('a block cut short or extended is rejected', () => {
    fc.assert(
      fc.property(wrapCase, fc.integer({ min: 1, max: 40 }), fc.boolean(), (testCase, count, extend) => {
        const { kbpk, block } = wrapped(testCase);
        const altered = extend ? block + '0'.repeat(count) : block.slice(0, Math.max(0, block.length - count));
        expect(rejectionCodes).toContain(rejectionOf(kbpk, altered).code);
      }),
      { numRuns },
    );
  });

  it('another KBPK of the same length fails the MAC check', () => {
    fc.assert(
      fc.property(wrapCase, fc.nat(), fc.integer({ min: 1, max: 127 }), (testCase, where, mask) => {
        const { block } = wrapped(testCase);
        const other = Buffer.from(testCase.target.kbpk);
        const index = where % other.length;
        // Shifted left one bit, so the DES parity bit (ignored by DES) is never the only change.
        other[index] = (other[index] as number) ^ (mask << 1);
        expect(rejectionOf(new Tr31Kbpk(other), block).code).toBe('CRYPTO_ERR_TR31_MAC');
      }),
      { numRuns },
    );
  });
});
