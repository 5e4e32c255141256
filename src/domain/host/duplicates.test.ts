import { describe, expect, it } from 'vitest';
import { testCard } from '../../adapters/network/issuer-simulator/index.js';
import { databases } from '../../adapters/store/test-databases.js';
import { unionPayEcbMac } from '../../lib/crypto/index.js';
import { IsoMessage, unionPayPosSpec } from '../../lib/iso8583/index.js';
import { carriesMac, hostCodec } from './reply.js';
import type { HostTables } from './tables.js';
import { codec, TestTerminal, useHost } from './test-host.js';

/** Whether field 64 of a packed reply is the POS ECB MAC of MTI..63 under `mak`. */
function macVerifies(reply: Buffer, mak: Buffer | undefined): boolean {
  if (mak === undefined) throw new Error('sign in first');
  return unionPayEcbMac(mak, reply.subarray(0, reply.length - 8), 'des-left').equals(reply.subarray(reply.length - 8));
}

describe.each(databases)('duplicates over real TCP on $name', (database) => {
  const host = useHost(database);

  async function rows() {
    return host.fixture.store.db<HostTables>().selectFrom('host_transactions').selectAll().execute();
  }

  it('answers 94 to another transaction under an answered terminal + batch + trace (amount, card, processing code), without a network call or posting', async () => {
    const card = testCard('approve-chip-pin');
    const trace = '000777';
    const first = await host.terminal.exchangeRaw(host.terminal.sale(card, { pin: '1234', trace, amountMinor: 100n }));
    expect(hostCodec.unpack(first).get(39)).toBe('00');
    const others = [
      host.terminal.sale(card, { pin: '1234', trace, amountMinor: 200n }),
      host.terminal.sale(testCard('approve-magstripe'), { pin: '1234', trace, amountMinor: 100n }),
      host.terminal.sale(card, { pin: '1234', trace, balance: true }),
    ];
    for (const other of others) {
      const reply = await host.terminal.exchangeRaw(other);
      expect(hostCodec.unpack(reply).get(39)).toBe('94');
      expect(macVerifies(reply, host.terminal.mak)).toBe(true);
    }
    // The first transaction sent again is still a retransmission.
    const again = await host.terminal.exchangeRaw(host.terminal.sale(card, { pin: '1234', trace, amountMinor: 100n }));
    expect(again.equals(first)).toBe(true);
    const stored = await rows();
    expect(stored).toHaveLength(1);
    expect(stored[0]?.request_fingerprint).toHaveLength(32);
    expect((await host.fixture.ledger.verifyLedger()).entriesChecked).toBe(1);
  });

  it('replays to a terminal that signed in again the first reply, MAC made again under the new MAK, otherwise byte for byte', async () => {
    const request = host.terminal.sale(testCard('approve-chip-pin'), { pin: '1234' });
    const first = await host.terminal.exchangeRaw(request);
    const oldMak = host.terminal.mak;
    await host.terminal.signIn();
    expect(host.terminal.mak?.equals(oldMak ?? Buffer.alloc(0))).toBe(false);
    // The terminal sends the same message again, MAC'd under the MAK it now holds.
    const replay = await host.terminal.exchangeRaw(host.terminal.withMac(codec.unpack(request)));
    expect(replay.subarray(0, replay.length - 8).equals(first.subarray(0, first.length - 8))).toBe(true);
    expect(macVerifies(replay, host.terminal.mak)).toBe(true);
    expect(macVerifies(first, host.terminal.mak)).toBe(false); // the recorded MAC would not have verified
    expect(await rows()).toHaveLength(1);
    expect((await host.fixture.ledger.verifyLedger()).entriesChecked).toBe(1);
  });

  it('settles copies racing on several connections with one posting and one answer', async () => {
    const request = host.terminal.sale(testCard('approve-chip-pin'), { pin: '1234' });
    const others = await Promise.all([TestTerminal.connect(host.fixture), TestTerminal.connect(host.fixture), TestTerminal.connect(host.fixture)]);
    try {
      const replies = await Promise.all([host.terminal, ...others].map((sender) => sender.exchangeRaw(request)));
      for (const reply of replies) expect(reply.equals(replies[0] ?? Buffer.alloc(0))).toBe(true);
      expect(hostCodec.unpack(replies[0] ?? Buffer.alloc(0)).get(39)).toBe('00');
    } finally {
      for (const other of others) other.close();
    }
    expect(await rows()).toHaveLength(1);
    expect((await host.fixture.ledger.verifyLedger()).entriesChecked).toBe(1);
  });
});

describe('carriesMac', () => {
  it('reads bit 64 of the primary bitmap', () => {
    const reply = new IsoMessage(unionPayPosSpec, '0210', { 11: '000001', 39: '00' });
    expect(carriesMac(hostCodec.pack(reply))).toBe(false);
    reply.set(64, Buffer.alloc(8));
    expect(carriesMac(hostCodec.pack(reply))).toBe(true);
  });
});
