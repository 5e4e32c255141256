import { describe, expect, it } from 'vitest';
import { expectBastionError } from '../../lib/errors/test-helpers.js';
import { formatAmountMinor, parseAmountMinor } from './amount.js';

describe('amounts', () => {
  it('reads yuan with up to 2 decimals into fen', () => {
    expect(parseAmountMinor('12.34')).toBe(1_234n);
    expect(parseAmountMinor('12.3')).toBe(1_230n);
    expect(parseAmountMinor('12')).toBe(1_200n);
    expect(parseAmountMinor('0.01')).toBe(1n);
    expect(parseAmountMinor('9999999999.99')).toBe(999_999_999_999n);
  });

  it('refuses more than 2 decimals, signs, other characters and more than 12 digits of fen', () => {
    for (const text of ['12.345', '-1', '+1', '1,00', '1e3', '', '.5', '12.', ' 1', '10000000000.00']) {
      expectBastionError(() => parseAmountMinor(text), 'SIM_ERR_ARGUMENT', { argument: '--amount' });
    }
  });

  it('prints fen as yuan', () => {
    expect(formatAmountMinor(1_234n)).toBe('12.34');
    expect(formatAmountMinor(5n)).toBe('0.05');
    expect(formatAmountMinor(-250n)).toBe('-2.50');
  });
});
