import { describe, expect, it } from 'vitest';
import { testCard } from '../../adapters/network/issuer-simulator/index.js';
import { databases } from '../../adapters/store/test-databases.js';
import type { HostTables } from '../../domain/host/index.js';
import { hostMoney, issuerBalance } from '../../domain/host/test-adjustments.js';
import { reversePending, transact } from './terminal.js';
import { useSignedInSimulator } from './test-simulator.js';

const card = testCard('approve-magstripe');

describe.each(databases)('a sale whose response is dropped is reversed, through the simulator over TCP on $name', (database) => {
  const fixture = useSignedInSimulator(database);

  const sale = (amountMinor: bigint, dropResponse = false) => transact(fixture.context, { kind: 'sale', card, entry: 'swipe', pin: '1234', amountMinor, dropResponse });

  it('keeps a pending reversal, sends the 0400 before the next sale, and only the next sale stays', async () => {
    const dropped = await sale(5_000n, true);
    expect(dropped.approved).toBe(false);
    expect(fixture.state().pendingReversal).toMatchObject({ trace: dropped.trace, amountMinor: '000000005000' });
    // The host did approve it: the issuer took the money.
    expect(await issuerBalance(fixture.host, card)).toBe(card.balanceMinor - 5_000n);

    const next = await sale(1_000n);
    expect(next.approved).toBe(true);
    expect(fixture.state().pendingReversal).toBeUndefined();
    expect(await issuerBalance(fixture.host, card)).toBe(card.balanceMinor - 1_000n);
    expect((await hostMoney(fixture.host)).receivable).toBe(1_000n);
    const rows = await fixture.host.store.db<HostTables>().selectFrom('host_transactions').select(['kind', 'trace', 'cancelled_by']).execute();
    expect(rows.find((row) => row.kind === 'sale' && row.trace === dropped.trace)?.cancelled_by).toMatch(/^reversal /);
    expect(JSON.stringify(fixture.state())).not.toContain(card.pan);
  });

  it('bastion terminal reverse sends it at once; nothing pending is nothing sent', async () => {
    const dropped = await sale(2_000n, true);
    expect(await reversePending(fixture.context)).toBe(dropped.trace);
    expect(fixture.state().pendingReversal).toBeUndefined();
    expect(await issuerBalance(fixture.host, card)).toBe(card.balanceMinor);
    expect(await hostMoney(fixture.host)).toEqual({ payable: 0n, fees: 0n, receivable: 0n });
    expect(await reversePending(fixture.context)).toBeUndefined();
  });
});
