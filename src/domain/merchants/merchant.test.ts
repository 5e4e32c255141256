import { describe, expect, it } from 'vitest';
import { expectBastionError } from '../../lib/errors/test-helpers.js';
import { MERCHANT_DISPLAY_NAME_LENGTH_MAX, MERCHANT_FEE_FIXED_MINOR_MAX, MERCHANT_FEE_RATE_BASIS_POINTS_MAX, normaliseNewMerchant } from './merchant.js';

const base = { merchantId: '102581083986056', legalName: 'Guangzhou Charity Shop' };

describe('normaliseNewMerchant', () => {
  it('fills the defaults: display name, MCC from digits 8-11 of a UnionPay id, CNY, 0.6%', () => {
    expect(normaliseNewMerchant(base)).toEqual({
      merchantId: '102581083986056',
      legalName: 'Guangzhou Charity Shop',
      displayName: 'Guangzhou Charity Shop',
      mcc: '8398',
      currency: '156',
      fee: { rateBasisPoints: 60, fixedMinor: 0n },
    });
  });

  it('keeps what was given, trims names and counts characters, not bytes', () => {
    const merchant = normaliseNewMerchant({ ...base, legalName: '  广州市慈善商店有限公司 ', displayName: '慈善商店', mcc: '5411', currency: '344', fee: { rateBasisPoints: 38, fixedMinor: 100n } });
    expect(merchant).toMatchObject({ legalName: '广州市慈善商店有限公司', displayName: '慈善商店', mcc: '5411', currency: '344', fee: { rateBasisPoints: 38, fixedMinor: 100n } });
    expect(normaliseNewMerchant({ ...base, displayName: '店'.repeat(MERCHANT_DISPLAY_NAME_LENGTH_MAX) }).displayName).toHaveLength(MERCHANT_DISPLAY_NAME_LENGTH_MAX);
  });

  it('refuses every malformed field with its own code, naming the argument', () => {
    for (const merchantId of ['10258108398605', '1025810839860561', '10258108398605 ', '10258108398605-', '']) {
      expectBastionError(() => normaliseNewMerchant({ ...base, merchantId }), 'MERCHANT_ERR_ID', { argument: 'merchantId' });
    }
    expectBastionError(() => normaliseNewMerchant({ ...base, legalName: '   ' }), 'MERCHANT_ERR_NAME', { argument: 'legalName' });
    expectBastionError(() => normaliseNewMerchant({ ...base, legalName: 'a\u0007b' }), 'MERCHANT_ERR_NAME', { argument: 'legalName' });
    expectBastionError(() => normaliseNewMerchant({ ...base, legalName: 'x'.repeat(41) }), 'MERCHANT_ERR_NAME', { argument: 'displayName' });
    expectBastionError(() => normaliseNewMerchant({ ...base, legalName: 'x'.repeat(101), displayName: 'x' }), 'MERCHANT_ERR_NAME', { argument: 'legalName' });
    expectBastionError(() => normaliseNewMerchant({ ...base, mcc: '541' }), 'MERCHANT_ERR_MCC', { argument: 'mcc' });
    expectBastionError(() => normaliseNewMerchant({ ...base, merchantId: 'ABCDEFGHIJKLMNO' }), 'MERCHANT_ERR_MCC', { argument: 'mcc' });
    expectBastionError(() => normaliseNewMerchant({ ...base, currency: 'CNY' }), 'MERCHANT_ERR_CURRENCY', { argument: 'currency' });
    expectBastionError(() => normaliseNewMerchant({ ...base, fee: { rateBasisPoints: MERCHANT_FEE_RATE_BASIS_POINTS_MAX + 1 } }), 'MERCHANT_ERR_FEE', { argument: 'rateBasisPoints' });
    expectBastionError(() => normaliseNewMerchant({ ...base, fee: { rateBasisPoints: 0.5 } }), 'MERCHANT_ERR_FEE', { argument: 'rateBasisPoints' });
    expectBastionError(() => normaliseNewMerchant({ ...base, fee: { fixedMinor: -1n } }), 'MERCHANT_ERR_FEE', { argument: 'fixedMinor' });
    expectBastionError(() => normaliseNewMerchant({ ...base, fee: { fixedMinor: MERCHANT_FEE_FIXED_MINOR_MAX + 1n } }), 'MERCHANT_ERR_FEE', { argument: 'fixedMinor' });
  });

  it('accepts the bounds themselves', () => {
    expect(normaliseNewMerchant({ ...base, fee: { rateBasisPoints: MERCHANT_FEE_RATE_BASIS_POINTS_MAX, fixedMinor: MERCHANT_FEE_FIXED_MINOR_MAX } }).fee).toEqual({
      rateBasisPoints: MERCHANT_FEE_RATE_BASIS_POINTS_MAX,
      fixedMinor: MERCHANT_FEE_FIXED_MINOR_MAX,
    });
    expect(normaliseNewMerchant({ ...base, fee: { rateBasisPoints: 0 } }).fee.rateBasisPoints).toBe(0);
  });
});
