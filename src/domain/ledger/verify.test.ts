import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databases } from '../../adapters/store/test-databases.js';
import type { LedgerProblemKind } from './verify.js';
import { expectRejection, expectSoundLedger, openSaleAccounts, openTestLedger, saleAccounts, transfer, type LedgerFixture } from './test-ledger.js';

describe.each(databases)('verifyLedger on $name', (database) => {
  let fixture: LedgerFixture;
  beforeEach(async () => {
    fixture = await openTestLedger(database);
    await openSaleAccounts(fixture.ledger);
  });
  afterEach(async () => {
    await fixture.store.close();
  });

  const run = (statement: ReturnType<typeof sql>) => statement.execute(fixture.store.db());

  async function postSales(count: number): Promise<bigint[]> {
    const ids: bigint[] = [];
    for (let index = 0; index < count; index++) ids.push((await fixture.ledger.post(transfer(`sale:V1:${index}`, BigInt(100 + index)))).entryId);
    return ids;
  }

  async function problemKinds(): Promise<{ kind: LedgerProblemKind; entryId?: bigint }[]> {
    const report = await fixture.ledger.verifyLedger({ pageEntries: 3 });
    expect(report.ok).toBe(false);
    expect(report.problemCount).toBe(report.problems.length);
    return report.problems.map(({ kind, entryId }) => (entryId === undefined ? { kind } : { kind, entryId }));
  }

  it('walks every entry across pages of any size, and an empty ledger', async () => {
    await expectSoundLedger(fixture.ledger);
    expect((await fixture.ledger.verifyLedger()).entriesChecked).toBe(0);
    await postSales(10);
    for (const pageEntries of [1, 3, 10, 500]) {
      const report = await fixture.ledger.verifyLedger({ pageEntries });
      expect(report).toMatchObject({ ok: true, entriesChecked: 10, postingsChecked: 20, problemCount: 0 });
      expect(report.totalsByCurrency).toEqual(new Map([['156', 0n]]));
    }
    await expectRejection(fixture.ledger.verifyLedger({ pageEntries: 0 }), 'LEDGER_ERR_ARGUMENT');
    await expectRejection(fixture.ledger.verifyLedger({ pageEntries: 501 }), 'LEDGER_ERR_ARGUMENT');
  });

  it('finds a posting amount changed in the store: unbalanced, altered, and a non-zero total', async () => {
    const ids = await postSales(7);
    const target = ids[4] ?? 0n;
    await run(sql`update ledger_postings set amount_minor = amount_minor + 1 where entry_id = ${target} and line_no = 1`);
    expect(await problemKinds()).toEqual([
      { kind: 'unbalanced', entryId: target },
      { kind: 'fingerprint_mismatch', entryId: target },
    ]);
    expect((await fixture.ledger.verifyLedger()).totalsByCurrency.get('156')).toBe(1n);
  });

  it('finds a balanced edit through the fingerprint', async () => {
    const ids = await postSales(4);
    const target = ids[1] ?? 0n;
    await run(sql`update ledger_postings set amount_minor = amount_minor * 2 where entry_id = ${target}`);
    expect(await problemKinds()).toEqual([{ kind: 'fingerprint_mismatch', entryId: target }]);
  });

  it('finds a posting whose currency differs from its account, and an entry left without postings', async () => {
    const ids = await postSales(5);
    const [relabelled, emptied] = [ids[0] ?? 0n, ids[3] ?? 0n];
    await run(sql`update ledger_postings set currency = '840' where entry_id = ${relabelled} and line_no = 0`);
    await run(sql`delete from ledger_postings where entry_id = ${emptied}`);
    expect(await problemKinds()).toEqual([
      { kind: 'unbalanced', entryId: relabelled },
      { kind: 'currency_mismatch', entryId: relabelled },
      { kind: 'fingerprint_mismatch', entryId: relabelled },
      { kind: 'unbalanced', entryId: emptied },
      { kind: 'fingerprint_mismatch', entryId: emptied },
    ]);
  });

  it('finds a checkpoint that disagrees with the postings, and does not let it vouch for the next', async () => {
    await postSales(3);
    await fixture.ledger.checkpoint(saleAccounts.payable.code);
    await fixture.ledger.checkpoint(saleAccounts.receivable.code);
    await fixture.ledger.post(transfer('sale:V1:late', 50n));
    await fixture.ledger.checkpoint(saleAccounts.payable.code);
    await expectSoundLedger(fixture.ledger);
    expect((await fixture.ledger.verifyLedger()).checkpointsChecked).toBe(3);

    await run(sql`update ledger_balance_checkpoints set net_debit_minor = net_debit_minor - 1
      where through_entry_id = (select min(through_entry_id) from ledger_balance_checkpoints)`);
    const report = await fixture.ledger.verifyLedger({ pageEntries: 1 });
    // The payable's first checkpoint and the receivable's are both through entry 3; both were edited.
    expect(report.problems.map((problem) => [problem.kind, problem.accountCode])).toEqual([
      ['checkpoint_mismatch', saleAccounts.receivable.code],
      ['checkpoint_mismatch', saleAccounts.payable.code],
    ]);
    // Balances built on a bad checkpoint are wrong, which is why the checker recomputes them.
    expect((await fixture.ledger.balance(saleAccounts.payable.code)).balanceMinor).toBe(100n + 101n + 102n + 50n);
  });
});
