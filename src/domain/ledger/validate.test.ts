import { describe, expect, it } from 'vitest';
import { expectBastionError } from '../../lib/errors/test-helpers.js';
import { entryFingerprint } from './fingerprint.js';
import { AMOUNT_MINOR_ABS_MAX, POSTINGS_PER_ENTRY_MAX } from './limits.js';
import type { AccountSpec, PostRequest, PostingInput } from './types.js';
import { assertAccountSpec, assertPostRequest } from './validate.js';

const debit = (amountMinor: bigint, currency = '156', accountCode = 'a:receivable'): PostingInput => ({ accountCode, amountMinor, currency });
const credit = (amountMinor: bigint, currency = '156', accountCode = 'a:payable'): PostingInput => ({ accountCode, amountMinor: -amountMinor, currency });
const request = (postings: PostingInput[], overrides: Partial<PostRequest> = {}): PostRequest => ({
  idempotencyKey: 'sale:T1:000001',
  kind: 'sale',
  description: 'a sale',
  occurredAtMs: 1_700_000_000_000n,
  postings,
  ...overrides,
});

const checking = (postRequest: PostRequest) => (): void => {
  assertPostRequest(postRequest);
};
const checkingAccount = (spec: AccountSpec) => (): void => {
  assertAccountSpec(spec);
};

describe('assertPostRequest', () => {
  it('accepts balanced entries, several currencies each balanced', () => {
    assertPostRequest(request([debit(100n), credit(100n)]));
    assertPostRequest(request([debit(100n), credit(60n), credit(40n, '156', 'a:fees'), debit(5n, '840', 'b:receivable'), credit(5n, '840', 'b:payable')]));
  });

  it('refuses postings that do not sum to zero per currency', () => {
    expectBastionError(checking(request([debit(100n), credit(99n)])), 'LEDGER_ERR_UNBALANCED', { argument: 'postings' });
    // Zero overall but not per currency.
    expectBastionError(checking(request([debit(100n, '156'), credit(100n, '840')])), 'LEDGER_ERR_UNBALANCED');
  });

  it('refuses fewer than two postings, zero amounts, too many postings and amounts out of range', () => {
    expectBastionError(checking(request([])), 'LEDGER_ERR_POSTING');
    expectBastionError(checking(request([debit(0n), credit(0n)])), 'LEDGER_ERR_POSTING');
    expectBastionError(checking(request([debit(5n), credit(5n), debit(0n)])), 'LEDGER_ERR_POSTING');
    const many = Array.from({ length: POSTINGS_PER_ENTRY_MAX / 2 + 1 }, () => [debit(1n), credit(1n)]).flat();
    expectBastionError(checking(request(many)), 'LEDGER_ERR_POSTING', { argument: 'postings' });
    expectBastionError(checking(request([debit(AMOUNT_MINOR_ABS_MAX + 1n), credit(AMOUNT_MINOR_ABS_MAX + 1n)])), 'LEDGER_ERR_POSTING');
    assertPostRequest(request([debit(AMOUNT_MINOR_ABS_MAX), credit(AMOUNT_MINOR_ABS_MAX)]));
    expectBastionError(checking(request([{ accountCode: 'a:x', amountMinor: 5 as unknown as bigint, currency: '156' }, credit(5n)])), 'LEDGER_ERR_POSTING', {
      argument: 'postings[0].amountMinor',
    });
  });

  it('refuses bad keys, kinds, descriptions, times, currencies and account codes', () => {
    const ok = [debit(1n), credit(1n)];
    expectBastionError(checking(request(ok, { idempotencyKey: '' })), 'LEDGER_ERR_POSTING', { argument: 'idempotencyKey' });
    expectBastionError(checking(request(ok, { idempotencyKey: 'has space' })), 'LEDGER_ERR_POSTING', { argument: 'idempotencyKey' });
    expectBastionError(checking(request(ok, { idempotencyKey: 'k'.repeat(129) })), 'LEDGER_ERR_POSTING', { argument: 'idempotencyKey' });
    expectBastionError(checking(request(ok, { kind: 'Sale' })), 'LEDGER_ERR_POSTING', { argument: 'kind' });
    expectBastionError(checking(request(ok, { description: 'line\nbreak' })), 'LEDGER_ERR_POSTING', { argument: 'description' });
    expectBastionError(checking(request(ok, { description: 'd'.repeat(257) })), 'LEDGER_ERR_POSTING', { argument: 'description' });
    expectBastionError(checking(request(ok, { occurredAtMs: -1n })), 'LEDGER_ERR_POSTING', { argument: 'occurredAtMs' });
    expectBastionError(checking(request([debit(1n, '15'), credit(1n, '15')])), 'LEDGER_ERR_CURRENCY', { argument: 'postings[0].currency' });
    expectBastionError(checking(request([debit(1n, 'CNY'), credit(1n, 'CNY')])), 'LEDGER_ERR_CURRENCY');
    expectBastionError(checking(request([debit(1n, '156', ':bad'), credit(1n)])), 'LEDGER_ERR_ARGUMENT', { argument: 'postings[0].accountCode' });
  });
});

describe('assertAccountSpec', () => {
  it('refuses unknown types, bad codes and currencies', () => {
    assertAccountSpec({ code: 'merchant:M1:payable', type: 'liability', currency: '156' });
    expectBastionError(checkingAccount({ code: 'x', type: 'income' as 'revenue', currency: '156' }), 'LEDGER_ERR_ARGUMENT', { argument: 'type' });
    expectBastionError(checkingAccount({ code: 'x'.repeat(65), type: 'asset', currency: '156' }), 'LEDGER_ERR_ARGUMENT', { argument: 'code' });
    expectBastionError(checkingAccount({ code: 'x', type: 'asset', currency: '15A' }), 'LEDGER_ERR_CURRENCY', { argument: 'currency' });
  });
});

describe('entryFingerprint', () => {
  const content = { kind: 'sale', description: 'd', occurredAtMs: 1n, postings: [debit(5n), credit(5n)] };

  it('ignores the order of postings and sees every field', () => {
    expect(entryFingerprint({ ...content, postings: [credit(5n), debit(5n)] })).toBe(entryFingerprint(content));
    const others = [
      { ...content, kind: 'void' },
      { ...content, description: 'e' },
      { ...content, occurredAtMs: 2n },
      { ...content, postings: [debit(6n), credit(6n)] },
      { ...content, postings: [debit(5n, '840'), credit(5n, '840')] },
      { ...content, postings: [debit(5n, '156', 'a:other'), credit(5n)] },
    ];
    const prints = new Set([content, ...others].map((each) => entryFingerprint(each)));
    expect(prints.size).toBe(others.length + 1);
  });
});
