import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectBastionError } from '../../lib/errors/test-helpers.js';
import { eventKey } from './event-key.js';
import { reversalPostings, saleApprovalPostings, saleFeeMinor, type FeeSchedule } from './fees.js';
import { AMOUNT_MINOR_ABS_MAX } from './limits.js';
import { entryInvariantViolation } from './validate.js';

const accounts = { merchantPayableAccount: 'merchant:M0001:payable', schemeReceivableAccount: 'scheme:unionpay:receivable', feeRevenueAccount: 'revenue:mdr' };

describe('saleFeeMinor', () => {
  const cases: [amountMinor: bigint, rateBasisPoints: number, minimumMinor: bigint | undefined, feeMinor: bigint, why: string][] = [
    [10_000n, 38, undefined, 38n, '0.38% of 100.00 is exactly 0.38'],
    [12_345n, 38, undefined, 47n, '46.911 rounds to 47'],
    [1_250n, 20, undefined, 3n, 'an exact half (2.5) rounds up'],
    [3_750n, 20, undefined, 8n, 'an exact half (7.5) rounds up, not to even'],
    [1_249n, 20, undefined, 2n, '2.498 rounds down'],
    [1_275n, 60, undefined, 8n, '7.65 rounds up'],
    [1n, 5_000, undefined, 1n, 'half of one minor unit rounds up to one'],
    [1n, 4_999, undefined, 0n, 'just under half rounds to zero'],
    [100n, 38, 1n, 1n, '0.38 rounds to 0, raised to the minimum of 1'],
    [100_000n, 38, 100n, 380n, 'above the minimum, the rate applies'],
    [50n, 38, 100n, 50n, 'a minimum above the sale is capped at the sale amount'],
    [10_000n, 0, undefined, 0n, 'a zero rate and no minimum is no fee'],
    [10_000n, 10_000, undefined, 10_000n, '100% takes the whole sale'],
    [AMOUNT_MINOR_ABS_MAX, 55, undefined, 5_500_000_000_000n, 'the product 5.5 × 10^16 is beyond 2^53 and still exact'],
    [999_999_999_999_999n, 55, undefined, 5_500_000_000_000n, '5,499,999,999,999.9945 rounds up to 5.5 × 10^12'],
  ];
  it.each(cases)('%s at %s bp (minimum %s) is %s: %s', (amountMinor, rateBasisPoints, minimumMinor, expected) => {
    const fee: FeeSchedule = minimumMinor === undefined ? { rateBasisPoints } : { rateBasisPoints, minimumMinor };
    expect(saleFeeMinor(amountMinor, fee)).toBe(expected);
  });

  it('adds a fixed amount per sale after rounding the rate, before the minimum and the cap', () => {
    expect(saleFeeMinor(12_345n, { rateBasisPoints: 38, fixedMinor: 10n })).toBe(57n);
    expect(saleFeeMinor(1_250n, { rateBasisPoints: 20, fixedMinor: 1n })).toBe(4n);
    expect(saleFeeMinor(100n, { rateBasisPoints: 38, fixedMinor: 5n, minimumMinor: 8n })).toBe(8n);
    expect(saleFeeMinor(100n, { rateBasisPoints: 38, fixedMinor: 500n })).toBe(100n);
  });

  it('refuses amounts and schedules out of range with LEDGER_ERR_ARGUMENT', () => {
    expectBastionError(() => saleFeeMinor(0n, { rateBasisPoints: 38 }), 'LEDGER_ERR_ARGUMENT', { argument: 'amountMinor' });
    expectBastionError(() => saleFeeMinor(-5n, { rateBasisPoints: 38 }), 'LEDGER_ERR_ARGUMENT', { argument: 'amountMinor' });
    expectBastionError(() => saleFeeMinor(AMOUNT_MINOR_ABS_MAX + 1n, { rateBasisPoints: 38 }), 'LEDGER_ERR_ARGUMENT', { argument: 'amountMinor' });
    expectBastionError(() => saleFeeMinor(100n, { rateBasisPoints: 10_001 }), 'LEDGER_ERR_ARGUMENT', { argument: 'fee.rateBasisPoints' });
    expectBastionError(() => saleFeeMinor(100n, { rateBasisPoints: 3.8 }), 'LEDGER_ERR_ARGUMENT', { argument: 'fee.rateBasisPoints' });
    expectBastionError(() => saleFeeMinor(100n, { rateBasisPoints: -1 }), 'LEDGER_ERR_ARGUMENT', { argument: 'fee.rateBasisPoints' });
    expectBastionError(() => saleFeeMinor(100n, { rateBasisPoints: 38, minimumMinor: -1n }), 'LEDGER_ERR_ARGUMENT', { argument: 'fee.minimumMinor' });
    expectBastionError(() => saleFeeMinor(100n, { rateBasisPoints: 38, fixedMinor: -1n }), 'LEDGER_ERR_ARGUMENT', { argument: 'fee.fixedMinor' });
  });

  it('is the rate rounded half up, raised to the minimum and capped at the amount, for any input', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: AMOUNT_MINOR_ABS_MAX }), fc.integer({ min: 0, max: 10_000 }), fc.bigInt({ min: 0n, max: 10_000n }), fc.bigInt({ min: 0n, max: 1_000n }), (amountMinor, rateBasisPoints, minimumMinor, fixedMinor) => {
        const fee = saleFeeMinor(amountMinor, { rateBasisPoints, minimumMinor, fixedMinor });
        // Half up: the exact rate part times 10,000 lies within [-5,000, +5,000) of the rounded part times 10,000.
        const exactTimes10k = amountMinor * BigInt(rateBasisPoints);
        const byRate = fee === amountMinor || fee === minimumMinor ? undefined : fee - fixedMinor;
        if (byRate !== undefined) {
          expect(exactTimes10k - byRate * 10_000n).toBeGreaterThanOrEqual(-5_000n);
          expect(exactTimes10k - byRate * 10_000n).toBeLessThan(5_000n);
        }
        expect(fee).toBeGreaterThanOrEqual(0n);
        expect(fee).toBeLessThanOrEqual(amountMinor);
        expect(fee >= minimumMinor || fee === amountMinor).toBe(true);
      }),
    );
  });
});

describe('saleApprovalPostings', () => {
  it('debits the scheme receivable in full, credits the merchant net of the fee and the fee to revenue', () => {
    expect(saleApprovalPostings({ ...accounts, amountMinor: 12_345n, currency: '156', fee: { rateBasisPoints: 38 } })).toEqual([
      { accountCode: 'scheme:unionpay:receivable', amountMinor: 12_345n, currency: '156' },
      { accountCode: 'merchant:M0001:payable', amountMinor: -12_298n, currency: '156' },
      { accountCode: 'revenue:mdr', amountMinor: -47n, currency: '156' },
    ]);
  });

  it('leaves out a leg that comes to zero', () => {
    expect(saleApprovalPostings({ ...accounts, amountMinor: 500n, currency: '156', fee: { rateBasisPoints: 0 } })).toEqual([
      { accountCode: 'scheme:unionpay:receivable', amountMinor: 500n, currency: '156' },
      { accountCode: 'merchant:M0001:payable', amountMinor: -500n, currency: '156' },
    ]);
    expect(saleApprovalPostings({ ...accounts, amountMinor: 50n, currency: '156', fee: { rateBasisPoints: 38, minimumMinor: 100n } })).toEqual([
      { accountCode: 'scheme:unionpay:receivable', amountMinor: 50n, currency: '156' },
      { accountCode: 'revenue:mdr', amountMinor: -50n, currency: '156' },
    ]);
  });

  it('always gives a valid balanced entry whose credits are the amount', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: AMOUNT_MINOR_ABS_MAX }), fc.integer({ min: 0, max: 10_000 }), fc.option(fc.bigInt({ min: 0n, max: 100_000n }), { nil: undefined }), (amountMinor, rateBasisPoints, minimumMinor) => {
        const fee: FeeSchedule = minimumMinor === undefined ? { rateBasisPoints } : { rateBasisPoints, minimumMinor };
        const postings = saleApprovalPostings({ ...accounts, amountMinor, currency: '156', fee });
        expect(entryInvariantViolation(postings)).toBeUndefined();
        expect(postings.filter((posting) => posting.amountMinor < 0n).reduce((sum, posting) => sum - posting.amountMinor, 0n)).toBe(amountMinor);
        const feePosting = postings.find((posting) => posting.accountCode === accounts.feeRevenueAccount);
        expect(feePosting === undefined ? 0n : -feePosting.amountMinor).toBe(saleFeeMinor(amountMinor, fee));
        expect(entryInvariantViolation(reversalPostings({ postings }))).toBeUndefined();
      }),
    );
  });

  it('refuses a bad currency, a bad or repeated account code', () => {
    expectBastionError(() => saleApprovalPostings({ ...accounts, amountMinor: 1n, currency: 'CNY', fee: { rateBasisPoints: 0 } }), 'LEDGER_ERR_CURRENCY');
    expectBastionError(() => saleApprovalPostings({ ...accounts, feeRevenueAccount: 'has space', amountMinor: 1n, currency: '156', fee: { rateBasisPoints: 0 } }), 'LEDGER_ERR_ARGUMENT', {
      argument: 'feeRevenueAccount',
    });
    expectBastionError(
      () => saleApprovalPostings({ ...accounts, feeRevenueAccount: accounts.merchantPayableAccount, amountMinor: 1n, currency: '156', fee: { rateBasisPoints: 0 } }),
      'LEDGER_ERR_ARGUMENT',
    );
  });
});

describe('reversalPostings', () => {
  it('negates every posting, same accounts, same order', () => {
    const postings = saleApprovalPostings({ ...accounts, amountMinor: 12_345n, currency: '156', fee: { rateBasisPoints: 38 } });
    expect(reversalPostings({ postings })).toEqual([
      { accountCode: 'scheme:unionpay:receivable', amountMinor: -12_345n, currency: '156' },
      { accountCode: 'merchant:M0001:payable', amountMinor: 12_298n, currency: '156' },
      { accountCode: 'revenue:mdr', amountMinor: 47n, currency: '156' },
    ]);
  });
});

describe('eventKey', () => {
  it('joins the kind and the identifying fields with colons', () => {
    expect(eventKey('sale', ['ACQ01', '12345678', '000001', '000123'])).toBe('sale:ACQ01:12345678:000001:000123');
  });

  it('refuses parts that could make two events share a key, and overlong keys', () => {
    expectBastionError(() => eventKey('sale', ['a:b']), 'LEDGER_ERR_ARGUMENT', { argument: 'parts[0]' });
    expectBastionError(() => eventKey('sale', ['']), 'LEDGER_ERR_ARGUMENT', { argument: 'parts[0]' });
    expectBastionError(() => eventKey('sale', []), 'LEDGER_ERR_ARGUMENT', { argument: 'parts' });
    expectBastionError(() => eventKey('Sale', ['x']), 'LEDGER_ERR_ARGUMENT', { argument: 'kind' });
    expectBastionError(() => eventKey('sale', ['x'.repeat(200)]), 'LEDGER_ERR_ARGUMENT', { argument: 'parts' });
  });
});
