import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../../adapters/store/test-databases.js';
import { expectBastionRejection } from '../../lib/errors/test-helpers.js';
import type { Store } from '../../ports/store.js';
import { settlementMigrations } from './migrations.js';
import { SettlementService, type NewSettlement, type SettlementTotals } from './settlement-service.js';

const totals = (debitAmountMinor: bigint, debitCount: bigint): SettlementTotals => ({ debitAmountMinor, debitCount, creditAmountMinor: 0n, creditCount: 0n });
const zero = totals(0n, 0n);

describe.each(databases)('SettlementService on $name', (database) => {
  let store: Store;
  let settlement: SettlementService;

  beforeAll(async () => {
    store = await database.open([settlementMigrations]);
    settlement = new SettlementService(store);
  });

  afterAll(async () => {
    await store.close();
  });

  const settle = (terminalId: string, batchNumber: string, balanced: boolean): Promise<unknown> =>
    store.db().transaction().execute((trx) => {
      const input: NewSettlement = { terminalId, merchantId: '102581054110001', batchNumber, terminalTotals: { domestic: totals(balanced ? 100n : 101n, 1n), foreign: zero }, hostTotals: totals(100n, 1n), domesticResult: balanced ? '1' : '2', foreignResult: '1', response: Buffer.from('reply'), atMs: 1_000n };
      return settlement.settleWithin(trx, input);
    });

  it('an open batch has no row; a balanced one is closed, an unbalanced one settling; a second settlement of a batch records nothing', async () => {
    expect(await settlement.statusOf('30000001', '000001')).toBe('open');
    expect(await settlement.isBatchClosed('30000001', '000001')).toBe(false);
    expect(await settle('30000001', '000001', true)).toMatchObject({ status: 'closed', closedAtMs: 1_000n, terminalTotals: { domestic: { debitAmountMinor: 100n } } });
    expect(await settle('30000001', '000001', false)).toBeUndefined();
    expect(await settlement.find('30000001', '000001')).toMatchObject({ status: 'closed', domesticResult: '1' });
    expect(await settle('30000001', '000002', false)).toMatchObject({ status: 'settling', closedAtMs: undefined });
    expect(await settlement.isBatchClosed('30000001', '000002')).toBe(true);
    expect(await settlement.statusOf('30000002', '000001')).toBe('open');
  });

  it('records each upload once with its difference, closes once, and takes no upload after the close', async () => {
    await settle('30000003', '000001', false);
    const batch = await settlement.find('30000003', '000001');
    if (batch === undefined) throw new Error('not settled');
    await settlement.recordUpload(batch, { trace: '000002', amountMinor: 700n, maskedPan: '621234******0027' }, { trace: '000002', kind: 'amount-differs', terminalAmountMinor: 700n, hostAmountMinor: 600n }, 2_000n);
    await settlement.recordUpload(batch, { trace: '000002', amountMinor: 700n, maskedPan: '621234******0027' }, { trace: '000002', kind: 'amount-differs', terminalAmountMinor: 700n, hostAmountMinor: 600n }, 2_000n);
    await settlement.recordUpload(batch, { trace: '000003', amountMinor: 50n, maskedPan: '621234******0027' }, undefined, 2_000n);
    expect(await settlement.uploadedTraces(batch)).toEqual(new Set(['000002', '000003']));
    const close = () => store.db().transaction().execute((trx) => settlement.closeWithin(trx, batch, { declaredCount: 2n, missingAtTerminal: [{ trace: '000001', kind: 'missing-at-terminal', hostAmountMinor: 10n }], atMs: 3_000n }));
    expect(await close()).toBe(true);
    expect(await close()).toBe(false);
    expect(await settlement.find('30000003', '000001')).toMatchObject({ status: 'closed', uploadedCount: 2n, declaredUploadCount: 2n, closedAtMs: 3_000n });
    expect(await settlement.differences('30000003', '000001')).toEqual([
      { trace: '000001', kind: 'missing-at-terminal', hostAmountMinor: 10n },
      { trace: '000002', kind: 'amount-differs', terminalAmountMinor: 700n, hostAmountMinor: 600n },
    ]);
    await expectBastionRejection(settlement.recordUpload(batch, { trace: '000004', amountMinor: 1n, maskedPan: '621234******0027' }, undefined, 4_000n), 'SETTLEMENT_ERR_STATE');
  });

  it('refuses a stored row it does not understand', async () => {
    await settle('30000004', '000001', true);
    await store.db<{ settlement_batches: { status: string; terminal_id: string } }>().updateTable('settlement_batches').set({ status: 'reopened' }).where('terminal_id', '=', '30000004').execute();
    await expectBastionRejection(settlement.find('30000004', '000001'), 'SETTLEMENT_ERR_CORRUPT');
  });
});
