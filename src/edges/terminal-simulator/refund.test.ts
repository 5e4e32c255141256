import { describe, expect, it } from 'vitest';
import { testCard } from '../../adapters/network/issuer-simulator/index.js';
import { databases } from '../../adapters/store/test-databases.js';
import type { HostTables } from '../../domain/host/index.js';
import { issuerBalance } from '../../domain/host/test-adjustments.js';
import { TERMINAL_ID } from '../../domain/host/test-host.js';
import { LocalDateFormatter } from '../../domain/terminals/index.js';
import { expectBastionRejection } from '../../lib/errors/test-helpers.js';
import { journalTotals, loadJournal } from './journal.js';
import { formatReceipt } from './receipt.js';
import { refundTransaction } from './refund.js';
import { settleTerminal } from './settle.js';
import { transact } from './terminal.js';
import { useSignedInSimulator } from './test-simulator.js';

const card = testCard('approve-magstripe');

describe.each(databases)('a refund through the terminal simulator over TCP on $name', (database) => {
  const fixture = useSignedInSimulator(database);

  const sale = async (amountMinor: bigint) => {
    const receipt = await transact(fixture.context, { kind: 'sale', card, entry: 'swipe', pin: '1234', amountMinor });
    expect(receipt.approved).toBe(true);
    if (receipt.rrn === undefined) throw new Error('an approved sale has an RRN');
    return { ...receipt, rrn: receipt.rrn };
  };

  it('refunds a sale of the journal in two parts, declines a third beyond the sale (13), and counts the refunds as credits', async () => {
    const original = await sale(10_000n);
    const first = await refundTransaction(fixture.context, { rrn: original.rrn, amountMinor: 3_000n, card });
    expect(first).toMatchObject({ approved: true, responseCode: '00', transaction: 'refund', amountMinor: 3_000n });
    expect(formatReceipt(first)).toContain('REFUND');
    expect(await issuerBalance(fixture.host, card)).toBe(card.balanceMinor - 7_000n);
    const second = await refundTransaction(fixture.context, { rrn: original.rrn, amountMinor: 6_000n, card, pin: '1234' });
    expect(second).toMatchObject({ approved: true, responseCode: '00' });
    const beyond = await refundTransaction(fixture.context, { rrn: original.rrn, amountMinor: 1_001n, card });
    expect(beyond).toMatchObject({ approved: false, responseCode: '13' });
    expect(await issuerBalance(fixture.host, card)).toBe(card.balanceMinor - 1_000n);
    const entries = loadJournal(fixture.dataDir, TERMINAL_ID, '000001').entries;
    expect(entries.map((entry) => [entry.kind, entry.amountMinor, entry.originalTrace])).toEqual([['sale', '10000', undefined], ['refund', '3000', original.trace], ['refund', '6000', original.trace]]);
    expect(journalTotals(entries)).toEqual({ debitAmountMinor: 10_000n, debitCount: 1n, creditAmountMinor: 9_000n, creditCount: 2n });
    expect((await fixture.host.ledger.verifyLedger()).ok).toBe(true);
    // The host counts the refunds as the terminal does: the settlement balances.
    expect(await settleTerminal(fixture.context)).toMatchObject({ responseCode: '00', balanced: true, nextBatchNumber: '000002' });
  });

  it('refunds a sale of a settled batch with --batch, --trace and --date; an unknown RRN is 25; a wrong date is 25; no batch and trace for an RRN not in the journal is refused before sending', async () => {
    const original = await sale(5_000n);
    await settleTerminal(fixture.context);
    await expectBastionRejection(refundTransaction(fixture.context, { rrn: original.rrn, amountMinor: 100n, card }), 'SIM_ERR_ARGUMENT');
    const lastTrace = fixture.state().lastTrace;
    // The sale's business day as the host has it (its clock is the fixture's test clock), MMDD.
    const row = await fixture.host.store.db<HostTables>().selectFrom('host_transactions').select(['created_at_ms']).where('rrn', '=', original.rrn).executeTakeFirstOrThrow();
    const today = new LocalDateFormatter().localDate(row.created_at_ms).slice(4);
    const wrongDay = today === '0101' ? '0102' : '0101';
    expect(await refundTransaction(fixture.context, { rrn: original.rrn, amountMinor: 100n, card, originalBatch: '1', originalTrace: original.trace, originalDate: wrongDay })).toMatchObject({ approved: false, responseCode: '25' });
    expect(fixture.state().lastTrace).toBe(lastTrace + 1);
    expect(await refundTransaction(fixture.context, { rrn: '000000000001', amountMinor: 100n, card, originalBatch: '1', originalTrace: original.trace })).toMatchObject({ approved: false, responseCode: '25' });
    const refunded = await refundTransaction(fixture.context, { rrn: original.rrn, amountMinor: 5_000n, card, originalBatch: '000001', originalTrace: original.trace, originalDate: today });
    expect(refunded).toMatchObject({ responseCode: '00', approved: true, batchNumber: '000002' });
    expect(await issuerBalance(fixture.host, card)).toBe(card.balanceMinor);
    expect(loadJournal(fixture.dataDir, TERMINAL_ID, '000002').entries.map((entry) => entry.kind)).toEqual(['refund']);
    expect(fixture.state().pendingReversal).toBeUndefined();
  });

  it('sends a pending reversal before the refund', async () => {
    const original = await sale(2_000n);
    await transact(fixture.context, { kind: 'sale', card, entry: 'swipe', pin: '1234', amountMinor: 700n, dropResponse: true });
    expect(fixture.state().pendingReversal).toBeDefined();
    expect(await refundTransaction(fixture.context, { rrn: original.rrn, amountMinor: 2_000n, card })).toMatchObject({ approved: true });
    expect(fixture.state().pendingReversal).toBeUndefined();
    expect(await issuerBalance(fixture.host, card)).toBe(card.balanceMinor);
  });

  it('refuses bad input before anything is sent', async () => {
    const lastTrace = fixture.state().lastTrace;
    await expectBastionRejection(refundTransaction(fixture.context, { rrn: '12345', amountMinor: 1n, card }), 'SIM_ERR_ARGUMENT');
    await expectBastionRejection(refundTransaction(fixture.context, { rrn: '123456789012', amountMinor: 0n, card }), 'SIM_ERR_ARGUMENT');
    await expectBastionRejection(refundTransaction(fixture.context, { rrn: '123456789012', amountMinor: 1n, card, originalDate: '1332' }), 'SIM_ERR_ARGUMENT');
    await expectBastionRejection(refundTransaction(fixture.context, { rrn: '123456789012', amountMinor: 1n, card, originalTrace: 'x' }), 'SIM_ERR_ARGUMENT');
    expect(fixture.state().lastTrace).toBe(lastTrace);
  });
});
