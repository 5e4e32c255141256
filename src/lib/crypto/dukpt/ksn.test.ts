import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromHex } from '../bytes.js';
import { BastionError } from '../../errors/index.js';
import { aesDukptKsnCounter, countOneBits, tdesDukptKsnCounter } from './ksn.js';

function naiveOneBits(value: number): number {
  let bits = 0;
  for (let bit = 0; bit < 32; bit++) if (((value >>> bit) & 1) === 1) bits++;
  return bits;
}

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    return error instanceof BastionError ? `${error.code}/${String(error.details.argument)}` : 'not a BastionError';
  }
  return undefined;
}

describe('countOneBits', () => {
  it('counts known values', () => {
    expect([0, 1, 0x0ff801, 0x1fffff, 0xffff0000, 0xffffffff, 0x80000000].map(countOneBits)).toEqual([0, 1, 10, 21, 16, 32, 1]);
  });

  it('agrees with a bit-by-bit count', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (value) => countOneBits(value) === naiveOneBits(value)),
      { numRuns: 200 },
    );
  });
});

describe('TDES KSN counter', () => {
  it('reads the 21 counter bits and nothing of the serial number', () => {
    // X9.24-1-2009 A.4 KSNs.
    expect(tdesDukptKsnCounter(fromHex('FFFF9876543210E00001'))).toBe(1);
    expect(tdesDukptKsnCounter(fromHex('FFFF9876543210EFF801'))).toBe(0x0ff801);
    expect(tdesDukptKsnCounter(fromHex('FFFF9876543210F00000'))).toBe(0x100000);
    expect(tdesDukptKsnCounter(fromHex('0000000000000000FFC0', 'ksn'))).toBe(0xffc0);
  });

  it('names the failing argument and the reason', () => {
    expect(codeOf(() => tdesDukptKsnCounter(fromHex('FFFF9876543210E00000')))).toBe('CRYPTO_ERR_KSN_COUNTER/ksn');
    expect(codeOf(() => tdesDukptKsnCounter(fromHex('FFFF9876543210E007FF')))).toBe('CRYPTO_ERR_KSN_COUNTER/ksn');
    expect(codeOf(() => tdesDukptKsnCounter(fromHex('FFFF9876543210E001'), 'initialKsn'))).toBe('CRYPTO_ERR_KSN/initialKsn');
  });
});

describe('AES KSN counter', () => {
  it('reads the 32-bit counter as an unsigned number', () => {
    // X9.24-3-2017 supplement KSNs.
    expect(aesDukptKsnCounter(fromHex('123456789012345600000001'))).toBe(1);
    expect(aesDukptKsnCounter(fromHex('1234567890123456FFFF0000'))).toBe(0xffff0000);
    expect(aesDukptKsnCounter(fromHex('12345678901234560001FFFE'))).toBe(0x1fffe);
  });

  it('names the failing argument and the reason', () => {
    expect(codeOf(() => aesDukptKsnCounter(fromHex('123456789012345600000000')))).toBe('CRYPTO_ERR_KSN_COUNTER/ksn');
    expect(codeOf(() => aesDukptKsnCounter(fromHex('12345678901234560001FFFF')))).toBe('CRYPTO_ERR_KSN_COUNTER/ksn');
    expect(codeOf(() => aesDukptKsnCounter(fromHex('FFFF9876543210E00001')))).toBe('CRYPTO_ERR_KSN/ksn');
  });

  it('accepts exactly the counters with 1 to 16 one-bits', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (counter) => {
        const ksn = Buffer.alloc(12, 0x5a);
        ksn.writeUInt32BE(counter, 8);
        const valid = counter !== 0 && naiveOneBits(counter) <= 16;
        expect(codeOf(() => aesDukptKsnCounter(ksn))).toBe(valid ? undefined : 'CRYPTO_ERR_KSN_COUNTER/ksn');
      }),
      { numRuns: 200 },
    );
  });
});
