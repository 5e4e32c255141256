import { describe, expect, it } from 'vitest';
import { testCard } from '../../adapters/network/issuer-simulator/index.js';
import { databases } from '../../adapters/store/test-databases.js';
import type { HostTables } from '../../domain/host/index.js';
import { MERCHANT_ID, TERMINAL_ID } from '../../domain/host/test-host.js';
import { loadJournal, saveJournal } from './journal.js';
import { settleTerminal } from './settle.js';
import { signInTerminal, transact } from './terminal.js';
import { useSignedInSimulator } from './test-simulator.js';

describe.each(databases)('settlement and batch upload through the terminal simulator over TCP on $name', (database) => {
  const fixture = useSignedInSimulator(database);

  const sale = (profile: string, amountMinor: bigint, options: { pin?: string; entry?: 'chip' | 'swipe' | 'contactless'; dropResponse?: boolean } = {}) => {
    const card = testCard(profile);
    return transact(fixture.context, { kind: 'sale', card, entry: options.entry ?? (card.emv === undefined ? 'swipe' : 'chip'), amountMinor, pin: options.pin ?? '1234', ...(options.dropResponse === true ? { dropResponse: true } : {}) });
  };
  const hostBatch = async () => (await fixture.host.terminals.require({ terminalId: TERMINAL_ID })).batchNumber;
  const payable = async () => (await fixture.host.ledger.balance(`merchant:${MERCHANT_ID}:payable`)).balanceMinor;

  /** A day of mixed sales: approved by chip, swipe and tap, declined for a wrong PIN and for funds, and a balance inquiry. */
  async function dayOfSales(): Promise<void> {
    expect((await sale('approve-chip-pin', 1_234n)).approved).toBe(true);
    expect((await sale('approve-magstripe', 50_000n)).approved).toBe(true);
    expect((await sale('approve-magstripe', 700n)).approved).toBe(true);
    expect((await sale('chip-no-pin', 99n, { entry: 'contactless' })).approved).toBe(true);
    expect(await sale('approve-chip-pin', 5_000n, { pin: '9999' })).toMatchObject({ approved: false, responseCode: '55' });
    expect(await sale('insufficient-funds', 90_000n)).toMatchObject({ approved: false, responseCode: '51' });
    expect((await transact(fixture.context, { kind: 'balance-inquiry', card: testCard('approve-magstripe'), entry: 'swipe', pin: '1234' })).approved).toBe(true);
  }

  it('balances after a day of mixed sales: the batch closes, the terminal and host move to batch 000002, the next sale is in it', async () => {
    await dayOfSales();
    const journal = loadJournal(fixture.dataDir, TERMINAL_ID, '000001');
    expect(journal.entries.map((entry) => entry.amountMinor)).toEqual(['1234', '50000', '700', '99']);

    const settled = await settleTerminal(fixture.context);
    expect(settled).toMatchObject({ responseCode: '00', domesticResult: '1', foreignResult: '1', balanced: true, uploadedCount: 0, uploadMessages: 1, nextBatchNumber: '000002' });
    expect(settled.claimed).toEqual({ debitAmountMinor: 52_033n, debitCount: 4n, creditAmountMinor: 0n, creditCount: 0n });
    const batch = await fixture.host.settlement.find(TERMINAL_ID, '000001');
    expect(batch).toMatchObject({ status: 'closed', domesticResult: '1', hostTotals: { debitAmountMinor: 52_033n, debitCount: 4n, creditAmountMinor: 0n, creditCount: 0n } });
    expect(await fixture.host.settlement.isBatchClosed(TERMINAL_ID, '000001')).toBe(true);
    expect(await fixture.host.settlement.isBatchClosed(TERMINAL_ID, '000002')).toBe(false);
    expect(await hostBatch()).toBe('000002');
    expect(fixture.state().batchNumber).toBe('000002');
    expect(loadJournal(fixture.dataDir, TERMINAL_ID, '000002').entries).toEqual([]);

    // After settlement the terminal keeps its keys and goes on in the next batch.
    const next = await sale('approve-magstripe', 300n);
    expect(next).toMatchObject({ approved: true, batchNumber: '000002' });
    const rows = await fixture.host.store.db<HostTables>().selectFrom('host_transactions').select(['batch_number']).where('trace', '=', next.trace).execute();
    expect(rows.map((row) => row.batch_number)).toEqual(['000002']);
  });

  it('sends a pending reversal before it settles: the dropped sale counts nowhere and the batch balances', async () => {
    expect((await sale('approve-magstripe', 1_000n)).approved).toBe(true);
    const dropped = await sale('approve-magstripe', 2_000n, { dropResponse: true });
    expect(fixture.state().pendingReversal?.trace).toBe(dropped.trace);
    const settled = await settleTerminal(fixture.context);
    expect(fixture.state().pendingReversal).toBeUndefined();
    expect(settled).toMatchObject({ responseCode: '00', balanced: true, nextBatchNumber: '000002' });
    expect(await fixture.host.settlement.find(TERMINAL_ID, '000001')).toMatchObject({ status: 'closed', hostTotals: { debitAmountMinor: 1_000n, debitCount: 1n } });
    expect(await payable()).toBeLessThan(1_000n);
  });

  it('refuses a sale in the closed batch with 77, and a sign-in asking for it gets the host batch instead', async () => {
    await sale('approve-magstripe', 100n);
    await settleTerminal(fixture.context);
    fixture.edit((state) => ({ ...state, batchNumber: '000001' }));
    expect(await sale('approve-magstripe', 100n)).toMatchObject({ approved: false, responseCode: '77' });
    const signIn = await signInTerminal(fixture.context);
    expect(signIn).toMatchObject({ signedIn: true, batchNumber: '000002' });
    expect(await hostBatch()).toBe('000002');
    expect(await sale('approve-magstripe', 100n)).toMatchObject({ approved: true, batchNumber: '000002' });
  });

  it('does not balance when the terminal claims too much: uploads its batch, the batch closes with no difference, the ledger untouched', async () => {
    await dayOfSales();
    const before = await payable();
    const settled = await settleTerminal(fixture.context, { skewMinor: 100n });
    // Swipe sales go 8 to a 201 message; chip and contactless ones one 205 each; then the 202 end.
    expect(settled).toMatchObject({ responseCode: '00', domesticResult: '2', balanced: false, uploadedCount: 4, uploadMessages: 4, nextBatchNumber: '000002' });
    expect(await fixture.host.settlement.find(TERMINAL_ID, '000001')).toMatchObject({ status: 'closed', domesticResult: '2', uploadedCount: 4n, declaredUploadCount: 4n, terminalTotals: { domestic: { debitAmountMinor: 52_133n } }, hostTotals: { debitAmountMinor: 52_033n } });
    expect(await fixture.host.settlement.differences(TERMINAL_ID, '000001')).toEqual([]);
    expect(await hostBatch()).toBe('000002');
    expect(await payable()).toBe(before);
  });

  it('records what differs between the uploaded batch and the host records, and never books the terminal claim', async () => {
    const chip = await sale('approve-chip-pin', 1_000n);
    const first = await sale('approve-magstripe', 2_000n);
    await sale('approve-magstripe', 3_000n);
    const before = await payable();
    // The terminal's log goes wrong: one amount changed, the chip sale lost, a sale the host never saw.
    const journal = loadJournal(fixture.dataDir, TERMINAL_ID, '000001');
    saveJournal(fixture.dataDir, {
      ...journal,
      entries: [
        ...journal.entries.filter((entry) => entry.trace !== chip.trace).map((entry) => (entry.trace === first.trace ? { ...entry, amountMinor: '2500' } : entry)),
        { kind: 'sale', trace: '000099', amountMinor: '4000', card: 'approve-magstripe', entry: 'swipe' },
      ],
    });
    const settled = await settleTerminal(fixture.context);
    expect(settled).toMatchObject({ domesticResult: '2', balanced: false, uploadedCount: 3, nextBatchNumber: '000002' });
    expect(await fixture.host.settlement.differences(TERMINAL_ID, '000001')).toEqual([
      { trace: first.trace, kind: 'amount-differs', terminalAmountMinor: 2_500n, hostAmountMinor: 2_000n },
      { trace: chip.trace, kind: 'missing-at-terminal', hostAmountMinor: 1_000n },
      { trace: '000099', kind: 'missing-at-host', terminalAmountMinor: 4_000n },
    ].sort((left, right) => left.trace.localeCompare(right.trace)));
    expect(await fixture.host.settlement.find(TERMINAL_ID, '000001')).toMatchObject({ status: 'closed', hostTotals: { debitAmountMinor: 6_000n, debitCount: 3n } });
    expect(await payable()).toBe(before);
    expect(await hostBatch()).toBe('000002');
  });

  it('answers a repeated settlement of a closed batch as the first time, and does not advance the batch again', async () => {
    await sale('approve-magstripe', 100n);
    const first = await settleTerminal(fixture.context);
    expect(first).toMatchObject({ domesticResult: '1', nextBatchNumber: '000002' });
    // The terminal lost its state after the host closed the batch, and settles it again, even with other totals.
    fixture.edit((state) => ({ ...state, batchNumber: '000001' }));
    const again = await settleTerminal(fixture.context, { skewMinor: 5n });
    expect(again).toMatchObject({ responseCode: '00', domesticResult: '1', foreignResult: '1', balanced: true, nextBatchNumber: '000002' });
    expect(await hostBatch()).toBe('000002');
    expect(await fixture.host.settlement.find(TERMINAL_ID, '000001')).toMatchObject({ status: 'closed', terminalTotals: { domestic: { debitAmountMinor: 100n } } });
  });

  it('declines a settlement for a batch that is not the terminal current one (77) and records nothing', async () => {
    await sale('approve-magstripe', 100n);
    fixture.edit((state) => ({ ...state, batchNumber: '000005' }));
    const settled = await settleTerminal(fixture.context);
    expect(settled).toMatchObject({ responseCode: '77', balanced: false, uploadedCount: 0 });
    expect(settled.nextBatchNumber).toBeUndefined();
    expect(await fixture.host.settlement.find(TERMINAL_ID, '000005')).toBeUndefined();
    expect(await fixture.host.settlement.find(TERMINAL_ID, '000001')).toBeUndefined();
    expect(await hostBatch()).toBe('000001');
    expect(fixture.state().batchNumber).toBe('000005');
  });
});
