import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databases } from '../../adapters/store/test-databases.js';
import { saleApprovalPostings, reversalPostings } from './fees.js';
import { LedgerService } from './ledger-service.js';
import type { LedgerTables } from './tables.js';
import { expectRejection, expectSoundLedger, openSaleAccounts, openTestLedger, saleAccounts, transfer, type LedgerFixture } from './test-ledger.js';

describe.each(databases)('ledger on $name', (database) => {
  let fixture: LedgerFixture;
  beforeEach(async () => {
    fixture = await openTestLedger(database);
    await openSaleAccounts(fixture.ledger);
  });
  afterEach(async () => {
    await fixture.store.close();
  });

  const entryCount = async (): Promise<bigint> => {
    const row = await fixture.store.db<LedgerTables>().selectFrom('ledger_entries').select(sql<bigint>`count(*)`.as('n')).executeTakeFirstOrThrow();
    return row.n;
  };

  describe('accounts', () => {
    it('opens, finds and refuses a second account with the same code', async () => {
      const { ledger, clock } = fixture;
      clock.advance(5n);
      const opened = await ledger.openAccount({ code: 'merchant:M0002:payable', type: 'liability', currency: '156' });
      expect(opened).toMatchObject({ code: 'merchant:M0002:payable', type: 'liability', currency: '156', createdAtMs: clock.nowMs });
      expect(typeof opened.id).toBe('bigint');
      expect(await ledger.findAccount('merchant:M0002:payable')).toEqual(opened);
      expect(await ledger.findAccount('merchant:M9999:payable')).toBeUndefined();
      await expectRejection(ledger.openAccount({ code: 'merchant:M0002:payable', type: 'liability', currency: '156' }), 'LEDGER_ERR_ACCOUNT_EXISTS');
    });

    it('ensureAccount returns the same account, and refuses one of another type or currency', async () => {
      const { ledger } = fixture;
      const first = await ledger.ensureAccount({ code: 'merchant:M0003:payable', type: 'liability', currency: '156' });
      expect(await ledger.ensureAccount({ code: 'merchant:M0003:payable', type: 'liability', currency: '156' })).toEqual(first);
      await expectRejection(ledger.ensureAccount({ code: 'merchant:M0003:payable', type: 'asset', currency: '156' }), 'LEDGER_ERR_ACCOUNT_EXISTS');
      await expectRejection(ledger.ensureAccount({ code: 'merchant:M0003:payable', type: 'liability', currency: '840' }), 'LEDGER_ERR_ACCOUNT_EXISTS');
    });

    it('ensureAccount asks the store once per account: a repeat is answered from memory, a mismatch still is not', async () => {
      let storeCalls = 0;
      const counting = { dialect: fixture.store.dialect, db: <T,>() => { storeCalls += 1; return fixture.store.db<T>(); }, transact: fixture.store.transact.bind(fixture.store), whenDurable: () => fixture.store.whenDurable(), changes: fixture.store.changes, close: () => fixture.store.close() };
      const ledger = new LedgerService(counting, () => fixture.clock.nowMs);
      const spec = { code: 'merchant:M0004:payable', type: 'liability', currency: '156' } as const;
      const first = await ledger.ensureAccount(spec);
      const callsAfterFirst = storeCalls;
      expect(callsAfterFirst).toBeGreaterThan(0);
      expect(await ledger.ensureAccount(spec)).toEqual(first);
      expect(storeCalls).toBe(callsAfterFirst);
      await expectRejection(ledger.ensureAccount({ ...spec, type: 'asset' }), 'LEDGER_ERR_ACCOUNT_EXISTS');
      expect(storeCalls).toBeGreaterThan(callsAfterFirst);
    });

    it('refuses malformed accounts', async () => {
      await expectRejection(fixture.ledger.openAccount({ code: 'x', type: 'asset', currency: 'CNY' }), 'LEDGER_ERR_CURRENCY');
      await expectRejection(fixture.ledger.openAccount({ code: '', type: 'asset', currency: '156' }), 'LEDGER_ERR_ARGUMENT');
    });
  });

  describe('posting', () => {
    it('posts a balanced sale and reads it back exactly', async () => {
      const { ledger, clock } = fixture;
      const postings = saleApprovalPostings({
        amountMinor: 12_345n,
        currency: '156',
        merchantPayableAccount: saleAccounts.payable.code,
        schemeReceivableAccount: saleAccounts.receivable.code,
        feeRevenueAccount: saleAccounts.fees.code,
        fee: { rateBasisPoints: 38 },
      });
      const result = await ledger.post({ idempotencyKey: 'sale:T1:000001', kind: 'sale', description: 'card sale', occurredAtMs: 1_699_000_000_000n, postings });
      expect(result.created).toBe(true);
      expect(await ledger.entry(result.entryId)).toEqual({
        id: result.entryId,
        idempotencyKey: 'sale:T1:000001',
        kind: 'sale',
        description: 'card sale',
        occurredAtMs: 1_699_000_000_000n,
        createdAtMs: clock.nowMs,
        postings,
      });
      expect((await ledger.entryByKey('sale:T1:000001'))?.id).toBe(result.entryId);
      expect(await ledger.entry(result.entryId + 1000n)).toBeUndefined();
      expect(await ledger.balance(saleAccounts.receivable.code)).toEqual({ accountCode: saleAccounts.receivable.code, type: 'asset', currency: '156', netDebitMinor: 12_345n, balanceMinor: 12_345n });
      expect(await ledger.balance(saleAccounts.payable.code)).toMatchObject({ netDebitMinor: -12_298n, balanceMinor: 12_298n });
      expect(await ledger.balance(saleAccounts.fees.code)).toMatchObject({ netDebitMinor: -47n, balanceMinor: 47n });
      await expectSoundLedger(ledger);
    });

    it('a void is a new reversing entry that brings every balance back, the sale untouched', async () => {
      const { ledger } = fixture;
      const sale = await ledger.post(transfer('sale:T1:000002', 800n));
      const original = await ledger.entry(sale.entryId);
      if (original === undefined) throw new Error('the sale just posted is missing');
      const voided = await ledger.post({ idempotencyKey: 'void:T1:000002', kind: 'void', description: 'void of sale', occurredAtMs: 1_700_000_100_000n, postings: reversalPostings(original) });
      expect(voided.created).toBe(true);
      expect(await ledger.entry(sale.entryId)).toEqual(original);
      expect((await ledger.balance(saleAccounts.receivable.code)).netDebitMinor).toBe(0n);
      expect((await ledger.balance(saleAccounts.payable.code)).netDebitMinor).toBe(0n);
      await expectSoundLedger(ledger);
    });

    it('refuses an unbalanced entry and writes nothing', async () => {
      const { ledger } = fixture;
      const request = transfer('sale:T1:000003', 100n);
      const broken = { ...request, postings: request.postings.map((posting, index) => (index === 1 ? { ...posting, amountMinor: -99n } : posting)) };
      await expectRejection(ledger.post(broken), 'LEDGER_ERR_UNBALANCED');
      await expectRejection(ledger.post({ ...request, postings: request.postings.slice(0, 1) }), 'LEDGER_ERR_POSTING');
      expect(await entryCount()).toBe(0n);
      // The key is still free for the real event.
      expect((await ledger.post(request)).created).toBe(true);
    });

    it('refuses unknown accounts and postings in another currency than the account', async () => {
      const { ledger } = fixture;
      const request = transfer('sale:T1:000004', 100n);
      const unknown = { ...request, postings: request.postings.map((posting, index) => (index === 1 ? { ...posting, accountCode: 'merchant:M0404:payable' } : posting)) };
      const error = await expectRejection(ledger.post(unknown), 'LEDGER_ERR_ACCOUNT_UNKNOWN');
      expect(error.details).toMatchObject({ argument: 'postings[1].accountCode' });
      const wrongCurrency = {
        ...request,
        postings: [
          { accountCode: saleAccounts.receivable.code, amountMinor: 100n, currency: '840' },
          { accountCode: saleAccounts.usdPayable.code, amountMinor: -100n, currency: '840' },
        ],
      };
      await expectRejection(ledger.post(wrongCurrency), 'LEDGER_ERR_CURRENCY');
      await expectRejection(ledger.balance('merchant:M0404:payable'), 'LEDGER_ERR_ACCOUNT_UNKNOWN');
      expect(await entryCount()).toBe(0n);
    });

    it('balances each currency of a multi-currency entry separately', async () => {
      const { ledger } = fixture;
      const request = transfer('fx:1', 700n);
      const result = await ledger.post({
        ...request,
        kind: 'adjustment',
        postings: [...request.postings, { accountCode: saleAccounts.usdReceivable.code, amountMinor: 100n, currency: '840' }, { accountCode: saleAccounts.usdPayable.code, amountMinor: -100n, currency: '840' }],
      });
      expect((await ledger.entry(result.entryId))?.postings).toHaveLength(4);
      expect((await ledger.balance(saleAccounts.usdPayable.code)).balanceMinor).toBe(100n);
      const report = await ledger.verifyLedger();
      expect(report.totalsByCurrency).toEqual(new Map([['156', 0n], ['840', 0n]]));
    });
  });

  describe('idempotency', () => {
    it('the same key with the same content returns the first entry and writes nothing', async () => {
      const { ledger, clock } = fixture;
      const request = transfer('sale:T1:000010', 500n);
      const first = await ledger.post(request);
      clock.advance(60_000n);
      expect(await ledger.post(request)).toEqual({ entryId: first.entryId, created: false });
      // Listing the same postings in another order is the same content.
      expect(await ledger.post({ ...request, postings: [...request.postings].reverse() })).toEqual({ entryId: first.entryId, created: false });
      expect(await entryCount()).toBe(1n);
      expect((await ledger.balance(saleAccounts.receivable.code)).netDebitMinor).toBe(500n);
      expect((await ledger.entry(first.entryId))?.createdAtMs).toBe(clock.nowMs - 60_000n);
    });

    it('the same key with other content is LEDGER_ERR_IDEMPOTENCY_CONFLICT', async () => {
      const { ledger } = fixture;
      const request = transfer('sale:T1:000011', 500n);
      const first = await ledger.post(request);
      const conflicts = [transfer('sale:T1:000011', 501n), { ...request, description: 'other' }, { ...request, kind: 'refund' }, { ...request, occurredAtMs: request.occurredAtMs + 1n }];
      for (const conflicting of conflicts) {
        const error = await expectRejection(ledger.post(conflicting), 'LEDGER_ERR_IDEMPOTENCY_CONFLICT');
        expect(error.details).toMatchObject({ entryId: first.entryId.toString() });
      }
      expect(await entryCount()).toBe(1n);
    });
  });

  describe('postWithin', () => {
    it('commits with the caller’s transaction, and rolls back with it', async () => {
      const { ledger, store } = fixture;
      const db = store.db<LedgerTables>();
      await expect(
        db.transaction().execute(async (trx) => {
          await ledger.postWithin(trx, transfer('sale:T1:000020', 300n));
          throw new Error('the caller’s own record failed');
        }),
      ).rejects.toThrow('the caller’s own record failed');
      expect(await entryCount()).toBe(0n);
      const result = await db.transaction().execute((trx) => ledger.postWithin(trx, transfer('sale:T1:000020', 300n)));
      expect(result.created).toBe(true);
      expect(await db.transaction().execute((trx) => ledger.postWithin(trx, transfer('sale:T1:000020', 300n)))).toEqual({ entryId: result.entryId, created: false });
      await expectSoundLedger(ledger);
    });
  });

  describe('read-back checks', () => {
    it('an entry altered in the store is refused with LEDGER_ERR_UNBALANCED, never returned', async () => {
      const { ledger, store } = fixture;
      const { entryId } = await ledger.post(transfer('sale:T1:000030', 1_000n));
      await sql`update ledger_postings set amount_minor = amount_minor + 1 where entry_id = ${entryId} and line_no = 0`.execute(store.db());
      const error = await expectRejection(ledger.entry(entryId), 'LEDGER_ERR_UNBALANCED');
      expect(error.details).toMatchObject({ entryId: entryId.toString() });
      await expectRejection(ledger.entryByKey('sale:T1:000030'), 'LEDGER_ERR_UNBALANCED');
    });

    it('an entry whose postings were deleted is refused too', async () => {
      const { ledger, store } = fixture;
      const { entryId } = await ledger.post(transfer('sale:T1:000031', 1_000n));
      await sql`delete from ledger_postings where entry_id = ${entryId}`.execute(store.db());
      await expectRejection(ledger.entry(entryId), 'LEDGER_ERR_UNBALANCED');
    });
  });

  describe('checkpoints', () => {
    it('a balance is the checkpoint plus later postings, equal to the plain sum', async () => {
      const { ledger } = fixture;
      let expected = 0n;
      for (let round = 0; round < 3; round++) {
        for (let sale = 0; sale < 4; sale++) {
          const amountMinor = BigInt(100 * (round + 1) + sale);
          await ledger.post(transfer(`sale:cp:${round}:${sale}`, amountMinor));
          expected += amountMinor;
        }
        const checkpoint = await ledger.checkpoint(saleAccounts.payable.code);
        expect(checkpoint.netDebitMinor).toBe(-expected);
        expect((await ledger.balance(saleAccounts.payable.code)).balanceMinor).toBe(expected);
      }
      await ledger.post(transfer('sale:cp:after', 7n));
      expect((await ledger.balance(saleAccounts.payable.code)).balanceMinor).toBe(expected + 7n);
      // Nothing new since the last one: the same checkpoint comes back.
      const again = await ledger.checkpoint(saleAccounts.payable.code);
      expect(await ledger.checkpoint(saleAccounts.payable.code)).toEqual(again);
      await expectSoundLedger(ledger);
    });

    it('an account with no postings checkpoints at zero', async () => {
      expect((await fixture.ledger.checkpoint(saleAccounts.fees.code)).netDebitMinor).toBe(0n);
      expect((await fixture.ledger.balance(saleAccounts.fees.code)).balanceMinor).toBe(0n);
    });
  });
});
