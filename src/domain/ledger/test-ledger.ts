import { expect } from 'vitest';
import { BastionError, type ErrorCode } from '../../lib/errors/index.js';
import type { TestDatabase } from '../../adapters/store/test-databases.js';
import type { Store } from '../../ports/store.js';
import { LedgerService } from './ledger-service.js';
import { ledgerMigrations } from './migrations.js';
import type { AccountSpec, PostRequest, PostingInput } from './types.js';

/** Test support (left out of the build): a fresh migrated ledger on one test database. */

export class TestClock {
  constructor(public nowMs = 1_700_000_000_000n) {}

  readonly now = (): bigint => this.nowMs;

  advance(ms: bigint): void {
    this.nowMs += ms;
  }
}

export interface LedgerFixture {
  readonly store: Store;
  readonly ledger: LedgerService;
  readonly clock: TestClock;
}

export async function openTestLedger(database: TestDatabase): Promise<LedgerFixture> {
  const store = await database.open([ledgerMigrations]);
  const clock = new TestClock();
  return { store, ledger: new LedgerService(store, clock.now), clock };
}

/** The accounts of one merchant's card sales in CNY (156), plus a USD (840) pair for multi-currency tests. */
export const saleAccounts = {
  receivable: { code: 'scheme:unionpay:receivable', type: 'asset', currency: '156' },
  payable: { code: 'merchant:M0001:payable', type: 'liability', currency: '156' },
  fees: { code: 'revenue:mdr', type: 'revenue', currency: '156' },
  usdReceivable: { code: 'scheme:visa:receivable', type: 'asset', currency: '840' },
  usdPayable: { code: 'merchant:M0001:payable-usd', type: 'liability', currency: '840' },
} as const satisfies Record<string, AccountSpec>;

export async function openSaleAccounts(ledger: LedgerService): Promise<void> {
  for (const spec of Object.values(saleAccounts)) await ledger.openAccount(spec);
}

/** A simple balanced two-posting request: receivable debited, payable credited. */
export function transfer(idempotencyKey: string, amountMinor: bigint, overrides: Partial<PostRequest> = {}): PostRequest {
  const postings: PostingInput[] = [
    { accountCode: saleAccounts.receivable.code, amountMinor, currency: '156' },
    { accountCode: saleAccounts.payable.code, amountMinor: -amountMinor, currency: '156' },
  ];
  return { idempotencyKey, kind: 'sale', description: 'test sale', occurredAtMs: 1_699_999_999_000n, postings, ...overrides };
}

/** The independent checker must find nothing wrong and every currency at zero. */
export async function expectSoundLedger(ledger: LedgerService): Promise<void> {
  const report = await ledger.verifyLedger();
  expect(report.problems).toEqual([]);
  for (const total of report.totalsByCurrency.values()) expect(total).toBe(0n);
  expect(report.ok).toBe(true);
}

/** Awaits `run` and expects it to reject with a BastionError of `code`; returns that error. */
export async function expectRejection(run: Promise<unknown>, code: ErrorCode): Promise<BastionError> {
  let caught: unknown;
  try {
    await run;
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected ${code}`).toBeInstanceOf(BastionError);
  expect((caught as BastionError).code).toBe(code);
  return caught as BastionError;
}
