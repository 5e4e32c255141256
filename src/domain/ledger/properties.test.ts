import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../../adapters/store/test-databases.js';
import { BastionError } from '../../lib/errors/index.js';
import type { AccountType, PostingInput } from './types.js';
import { expectSoundLedger, openTestLedger, type LedgerFixture } from './test-ledger.js';

/**
 * For any sequence of entries (valid ones, deliberately unbalanced ones, retries of earlier
 * keys) with checkpoints taken in between: every balance equals the sum of the postings that
 * were accepted for its account, all balances of a currency sum to zero, refused entries leave
 * no trace, and the independent checker finds nothing wrong.
 */

const PROPERTY_RUNS = 40;
const currencies = ['156', '840'] as const;
const accountsPerCurrency = 3;
const types: readonly AccountType[] = ['asset', 'liability', 'revenue', 'expense', 'equity'];

interface Transfer {
  readonly currencyIndex: number;
  readonly from: number;
  readonly to: number;
  readonly amountMinor: bigint;
}

type Step =
  | { readonly kind: 'post'; readonly transfers: readonly Transfer[]; readonly skewMinor: bigint }
  | { readonly kind: 'retry'; readonly back: number }
  | { readonly kind: 'checkpoint'; readonly currencyIndex: number; readonly account: number };

const transferArbitrary: fc.Arbitrary<Transfer> = fc.record({
  currencyIndex: fc.integer({ min: 0, max: currencies.length - 1 }),
  from: fc.integer({ min: 0, max: accountsPerCurrency - 1 }),
  to: fc.integer({ min: 0, max: accountsPerCurrency - 1 }),
  amountMinor: fc.bigInt({ min: 1n, max: 10n ** 12n }),
});

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('post' as const), transfers: fc.array(transferArbitrary, { minLength: 1, maxLength: 4 }), skewMinor: fc.constant(0n) }) },
  // An entry knocked off balance: must be refused and leave nothing behind.
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('post' as const),
      transfers: fc.array(transferArbitrary, { minLength: 1, maxLength: 3 }),
      skewMinor: fc.bigInt({ min: -1_000n, max: 1_000n }).filter((skew) => skew !== 0n),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('retry' as const), back: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('checkpoint' as const), currencyIndex: fc.integer({ min: 0, max: currencies.length - 1 }), account: fc.integer({ min: 0, max: accountsPerCurrency - 1 }) }),
  },
);

function postingsOf(transfers: readonly Transfer[], skewMinor: bigint, code: (currencyIndex: number, account: number) => string): PostingInput[] {
  const postings = transfers.flatMap((transfer) => {
    const currency = currencies[transfer.currencyIndex] ?? '156';
    return [
      { accountCode: code(transfer.currencyIndex, transfer.to), amountMinor: transfer.amountMinor, currency },
      { accountCode: code(transfer.currencyIndex, transfer.from), amountMinor: -transfer.amountMinor, currency },
    ];
  });
  const first = postings[0];
  if (skewMinor !== 0n && first !== undefined) {
    // Skew the first posting, keeping it non-zero so that the refusal is for the balance.
    const skewed = first.amountMinor + skewMinor === 0n ? first.amountMinor + 2n * skewMinor : first.amountMinor + skewMinor;
    postings[0] = { ...first, amountMinor: skewed };
  }
  return postings;
}

describe.each(databases)('ledger properties on $name', (database) => {
  let fixture: LedgerFixture;
  beforeAll(async () => {
    fixture = await openTestLedger(database);
  });
  afterAll(async () => {
    await fixture.store.close();
  });

  it('balances are sums of accepted postings and every currency nets to zero', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(stepArbitrary, { minLength: 1, maxLength: 12 }), fc.array(fc.constantFrom(...types), { minLength: accountsPerCurrency * currencies.length, maxLength: accountsPerCurrency * currencies.length }), async (steps, accountTypes) => {
        // Each run gets its own accounts, so runs sharing one store don't see each other.
        run++;
        const code = (currencyIndex: number, account: number): string => `run${run}:${currencies[currencyIndex] ?? '156'}:${account}`;
        const { ledger } = fixture;
        const expected = new Map<string, bigint>();
        for (const [currencyIndex, currency] of currencies.entries()) {
          for (let account = 0; account < accountsPerCurrency; account++) {
            await ledger.openAccount({ code: code(currencyIndex, account), type: accountTypes[currencyIndex * accountsPerCurrency + account] ?? 'asset', currency });
            expected.set(code(currencyIndex, account), 0n);
          }
        }
        const accepted: { key: string; postings: PostingInput[]; entryId: bigint }[] = [];
        for (const [index, step] of steps.entries()) {
          if (step.kind === 'checkpoint') {
            await ledger.checkpoint(code(step.currencyIndex, step.account));
          } else if (step.kind === 'retry') {
            const earlier = accepted[step.back % Math.max(accepted.length, 1)];
            if (earlier === undefined) continue;
            const again = await ledger.post({ idempotencyKey: earlier.key, kind: 'transfer', description: `step ${earlier.key}`, occurredAtMs: 1n, postings: earlier.postings });
            expect(again).toEqual({ entryId: earlier.entryId, created: false });
          } else {
            const key = `run${run}:step${index}`;
            const postings = postingsOf(step.transfers, step.skewMinor, code);
            const request = { idempotencyKey: key, kind: 'transfer', description: `step ${key}`, occurredAtMs: 1n, postings };
            if (step.skewMinor !== 0n) {
              await expect(ledger.post(request)).rejects.toSatisfy((error) => error instanceof BastionError && error.code === 'LEDGER_ERR_UNBALANCED');
              expect(await ledger.entryByKey(key)).toBeUndefined();
              continue;
            }
            const result = await ledger.post(request);
            expect(result.created).toBe(true);
            accepted.push({ key, postings, entryId: result.entryId });
            for (const posting of postings) expected.set(posting.accountCode, (expected.get(posting.accountCode) ?? 0n) + posting.amountMinor);
          }
        }
        const totals = new Map<string, bigint>();
        for (const [accountCode, netDebitMinor] of expected) {
          const balance = await ledger.balance(accountCode);
          expect(balance.netDebitMinor).toBe(netDebitMinor);
          const debitNormal = balance.type === 'asset' || balance.type === 'expense';
          expect(balance.balanceMinor).toBe(debitNormal ? netDebitMinor : -netDebitMinor);
          totals.set(balance.currency, (totals.get(balance.currency) ?? 0n) + balance.netDebitMinor);
        }
        expect([...totals.values()].every((total) => total === 0n)).toBe(true);
        for (const entry of accepted) expect((await ledger.entry(entry.entryId))?.postings).toEqual(entry.postings);
      }),
      { numRuns: PROPERTY_RUNS },
    );
    await expectSoundLedger(fixture.ledger);
  });
});
