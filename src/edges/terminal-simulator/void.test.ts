import { describe, expect, it } from 'vitest';
import { testCard } from '../../adapters/network/issuer-simulator/index.js';
import { databases } from '../../adapters/store/test-databases.js';
import { hostMoney, issuerBalance } from '../../domain/host/test-adjustments.js';
import { TERMINAL_ID } from '../../domain/host/test-host.js';
import { expectBastionRejection } from '../../lib/errors/test-helpers.js';
import { loadJournal } from './journal.js';
import { formatReceipt } from './receipt.js';
import { transact } from './terminal.js';
import { useSignedInSimulator } from './test-simulator.js';
import { voidTransaction } from './void.js';

const card = testCard('approve-magstripe');

describe.each(databases)('a void through the terminal simulator over TCP on $name', (database) => {
  const fixture = useSignedInSimulator(database);

  it('voids a sale by its trace from the journal (RRN, auth code, amount), once; the receipt says VOID', async () => {
    const sale = await transact(fixture.context, { kind: 'sale', card, entry: 'swipe', pin: '1234', amountMinor: 4_200n });
    expect(sale.approved).toBe(true);
    const voided = await voidTransaction(fixture.context, { trace: sale.trace });
    expect(voided).toMatchObject({ approved: true, transaction: 'void', amountMinor: 4_200n });
    expect(formatReceipt(voided)).toContain('VOID');
    expect(await issuerBalance(fixture.host, card)).toBe(card.balanceMinor);
    expect(await hostMoney(fixture.host)).toEqual({ payable: 0n, fees: 0n, receivable: 0n });
    expect(loadJournal(fixture.dataDir, TERMINAL_ID, '000001').entries.map((entry) => entry.kind)).toEqual(['sale', 'void']);
    const again = await voidTransaction(fixture.context, { trace: sale.trace });
    expect(again).toMatchObject({ approved: false, responseCode: '12' });
    await expectBastionRejection(voidTransaction(fixture.context, { trace: '999' }), 'SIM_ERR_ARGUMENT');
  });
});
