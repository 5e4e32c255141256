import { describe, expect, it } from 'vitest';
import { toJsonLine } from './services.js';

describe('toJsonLine', () => {
  it('writes bytes as uppercase hex and bigints as digits, nested too', () => {
    expect(toJsonLine({ kcv: Buffer.from([0xab, 0x01]), inner: { raw: new Uint8Array([0xff]) }, countMinor: 12n })).toBe('{"kcv":"AB01","inner":{"raw":"FF"},"countMinor":"12"}\n');
  });
});
