import { describe, expect, it } from 'vitest';
import { testCard } from '../../adapters/network/issuer-simulator/index.js';
import { databases } from '../../adapters/store/test-databases.js';
import { hostMoney, issuerBalance } from '../../domain/host/test-adjustments.js';
import { TERMINAL_ID } from '../../domain/host/test-host.js';
import { expectBastionRejection } from '../../lib/errors/test-helpers.js';
import { loadJournal } from './journal.js';
import { completionTransaction, completionVoidTransaction, loadPreAuths, preAuthTransaction, preAuthVoidTransaction } from './preauth.js';
import { formatReceipt } from './receipt.js';
import { settleTerminal } from './settle.js';
import { transact } from './terminal.js';
import { useSignedInSimulator } from './test-simulator.js';

const card = testCard('approve-magstripe');

describe.each(databases)('pre-auth, completion and their voids through the terminal simulator over TCP on $name', (database) => {
  const fixture = useSignedInSimulator(database);

  async function available(): Promise<bigint | undefined> {
    return (await transact(fixture.context, { kind: 'balance-inquiry', card, entry: 'swipe', pin: '1234' })).balanceMinor;
  }

  it('a pre-auth holds, its void releases; a completion (request and advice) is a debit, its void a credit; settlement balances', async () => {
    const held = await preAuthTransaction(fixture.context, { card, amountMinor: 10_000n, pin: '1234' });
    expect(held).toMatchObject({ approved: true, transaction: 'pre-auth', amountMinor: 10_000n });
    expect(formatReceipt(held)).toContain('PRE-AUTH');
    expect(loadPreAuths(fixture.dataDir, TERMINAL_ID).map((record) => record.trace)).toEqual([held.trace]);
    expect(await available()).toBe(card.balanceMinor - 10_000n);
    expect(await preAuthVoidTransaction(fixture.context, { trace: held.trace })).toMatchObject({ approved: true, transaction: 'pre-auth-void' });
    expect(await available()).toBe(card.balanceMinor);
    expect(await completionTransaction(fixture.context, { trace: held.trace, amountMinor: 10_000n })).toMatchObject({ approved: false, responseCode: '12' });

    const first = await preAuthTransaction(fixture.context, { card, amountMinor: 10_000n, pin: '1234' });
    const second = await preAuthTransaction(fixture.context, { card, amountMinor: 2_000n, pin: '1234' });
    expect(await completionTransaction(fixture.context, { trace: first.trace, amountMinor: 11_501n })).toMatchObject({ approved: false, responseCode: '13' });
    const completed = await completionTransaction(fixture.context, { trace: first.trace, amountMinor: 11_500n });
    expect(completed).toMatchObject({ approved: true, transaction: 'completion' });
    const advised = await completionTransaction(fixture.context, { trace: second.trace, amountMinor: 2_000n, advice: true });
    expect(advised).toMatchObject({ approved: true, transaction: 'completion' });
    expect(await completionVoidTransaction(fixture.context, { trace: advised.trace })).toMatchObject({ approved: true, transaction: 'completion-void', amountMinor: 2_000n });
    expect(await issuerBalance(fixture.host, card)).toBe(card.balanceMinor - 11_500n);
    expect((await hostMoney(fixture.host)).receivable).toBe(11_500n);
    expect(loadJournal(fixture.dataDir, TERMINAL_ID, '000001').entries.map((entry) => entry.kind)).toEqual(['completion', 'completion', 'completion-void']);
    await expectBastionRejection(completionTransaction(fixture.context, { trace: '999', amountMinor: 1n }), 'SIM_ERR_ARGUMENT');
    await expectBastionRejection(completionVoidTransaction(fixture.context, { trace: first.trace }), 'SIM_ERR_ARGUMENT');

    const settled = await settleTerminal(fixture.context);
    expect(settled).toMatchObject({ responseCode: '00', balanced: true, nextBatchNumber: '000002' });
    expect(settled.claimed).toEqual({ debitAmountMinor: 13_500n, debitCount: 2n, creditAmountMinor: 2_000n, creditCount: 1n });
  });
});
