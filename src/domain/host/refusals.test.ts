import { describe, expect, it } from 'vitest';
import { testCard } from '../../adapters/network/issuer-simulator/index.js';
import { databases } from '../../adapters/store/test-databases.js';
import { hostResponseCodes } from './response-codes.js';
import type { HostTables } from './tables.js';
import { codec, MERCHANT_ID, useHost } from './test-host.js';

/** Refusals of a 0200 over real TCP: merchant (03, 97) and format (30). */
describe.each(databases)('host refusals over real TCP on $name', (database) => {
  const host = useHost(database);

  async function rowCount(): Promise<number> {
    return (await host.fixture.store.db<HostTables>().selectFrom('host_transactions').select('id').execute()).length;
  }

  it('answers 03 (invalid merchant), without a MAC, while the bound merchant is suspended, and 00 again once it is active', async () => {
    const card = testCard('approve-chip-pin');
    await host.fixture.merchants.setStatus(MERCHANT_ID, 'suspended');
    const reply = await host.terminal.exchange(host.terminal.sale(card, { pin: '1234' }));
    expect(reply.get(39)).toBe('03');
    expect(reply.get(64)).toBeUndefined();
    await host.fixture.merchants.setStatus(MERCHANT_ID, 'active');
    expect((await host.terminal.exchange(host.terminal.sale(card, { pin: '1234' }))).get(39)).toBe('00');
    expect(await rowCount()).toBe(1);
  });

  it('answers 97 when field 42 names another merchant than the one the terminal is bound to (docs/protocol.md, check 4)', async () => {
    const message = codec.unpack(host.terminal.sale(testCard('approve-chip-pin'), { pin: '1234' }));
    message.set(42, '102581054119999');
    expect((await host.terminal.exchange(host.terminal.withMac(message))).get(39)).toBe('97');
    expect(await rowCount()).toBe(0);
  });

  it('answers 30 (format error), MAC\'d, to a 0200 without field 11 or without field 60, and records nothing', async () => {
    for (const field of [11, 60] as const) {
      const message = codec.unpack(host.terminal.sale(testCard('approve-chip-pin'), { pin: '1234' }));
      message.delete(field);
      const reply = await host.terminal.exchange(host.terminal.withMac(message));
      expect(reply.get(39), `without ${field}`).toBe('30');
      expect(reply.get(64), `without ${field}`).toBeDefined();
    }
    expect(await rowCount()).toBe(0);
    expect((await host.fixture.ledger.verifyLedger()).entriesChecked).toBe(0);
  });
});

describe('hostResponseCodes', () => {
  it('lists the codes later transactions need: 05 do not honour (void, refund) and 25 original not found', () => {
    expect(hostResponseCodes['05']).toBe('do not honour');
    expect(hostResponseCodes['25']).toBe('original transaction not found');
    expect(hostResponseCodes['94']).toBe('duplicate transaction');
  });
});
