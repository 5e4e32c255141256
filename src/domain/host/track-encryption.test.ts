import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { testCard, testCardTrack2 } from '../../adapters/network/issuer-simulator/index.js';
import { databases } from '../../adapters/store/test-databases.js';
import type { HostTables } from './tables.js';
import { codec, useHost } from './test-host.js';

/**
 * Field 53, third digit 1: the terminal enciphers track 2 under its TDK and sends PAN (2) and
 * expiry (14) in clear. The host re-enciphers the track to the network's ZEK in the HSM; only the
 * issuer simulator deciphers it (CVV for the stripe, PAN and expiry against 2 and 14).
 */
describe.each(databases)('enciphered tracks over real TCP on $name', (database) => {
  const host = useHost(database);

  it('approves a magstripe sale whose track 2 is enciphered under the TDK', async () => {
    const card = testCard('approve-magstripe');
    const request = host.terminal.sale(card, { pin: '1234', encryptTrack: true });
    const sent = codec.unpack(request);
    expect(sent.get(53)).toBe('2610000000000000');
    const clearTrack = testCardTrack2(card);
    expect(sent.get(35)).toHaveLength(clearTrack.length);
    expect(sent.get(35)).not.toContain(clearTrack.slice(card.pan.length, card.pan.length + 8)); // separator, expiry, service code enciphered
    const reply = await host.terminal.exchange(request);
    expect(reply.get(39)).toBe('00');
    expect(reply.get(38)).toHaveLength(6);
    expect((await host.fixture.ledger.verifyLedger()).entriesChecked).toBe(1);
  });

  it('approves a chip sale that carries its track 2 enciphered', async () => {
    const reply = await host.terminal.exchange(host.terminal.sale(testCard('approve-chip-pin'), { pin: '1234', encryptTrack: true }));
    expect(reply.get(39)).toBe('00');
    expect(reply.get(55)?.[0]).toBe(0x91);
  });

  it('declines 14, with a MAC and without a posting, a track enciphered under a key that is not the TDK', async () => {
    const reply = await host.terminal.exchange(host.terminal.sale(testCard('approve-magstripe'), { pin: '1234', encryptTrack: true, trackKey: randomBytes(16) }));
    expect(reply.get(39)).toBe('14');
    expect(reply.get(64)).toBeDefined();
    const rows = await host.fixture.store.db<HostTables>().selectFrom('host_transactions').select('response_code').execute();
    expect(rows.map((row) => row.response_code)).toEqual(['14']);
    expect((await host.fixture.ledger.verifyLedger()).entriesChecked).toBe(0);
  });

  it('answers 14 when field 2 or 14 is missing, or the enciphered track is too short for its block', async () => {
    const card = testCard('approve-magstripe');
    for (const spoil of [
      (message: ReturnType<typeof codec.unpack>) => message.delete(2),
      (message: ReturnType<typeof codec.unpack>) => message.delete(14),
      (message: ReturnType<typeof codec.unpack>) => message.set(35, '6212340000000019'),
    ]) {
      const message = codec.unpack(host.terminal.sale(card, { pin: '1234', encryptTrack: true }));
      spoil(message);
      expect((await host.terminal.exchange(host.terminal.withMac(message))).get(39)).toBe('14');
    }
  });
});
