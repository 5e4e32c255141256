import { describe, expect, it } from 'vitest';
import { testCard, testCardTrack2 } from '../../adapters/network/issuer-simulator/index.js';
import { databases } from '../../adapters/store/test-databases.js';
import { storedBytes } from '../card-data/test-card-data.js';
import { codec, openHost, TestTerminal } from './test-host.js';

describe.each(databases)('canary: no clear card data stored by the host on $name', (database) => {
  it('finds no PAN (digits, BCD, hex), track 2, PIN block or clear terminal key anywhere in the database after a run', async () => {
    const fixture = await openHost(database);
    const terminal = await TestTerminal.connect(fixture);
    const needles: Buffer[] = [];
    try {
      await terminal.signIn();
      for (const profile of ['approve-chip-pin', 'approve-magstripe', 'insufficient-funds'] as const) {
        const card = testCard(profile);
        const request = terminal.sale(card, { pin: '1234' });
        expect((await terminal.exchange(request)).get(39)).toMatch(/^\d\d$/);
        const pinBlock = codec.unpack(request).get(52);
        if (pinBlock === undefined) throw new Error('the request has a PIN block');
        const track2 = testCardTrack2(card).replace('=', 'D');
        const bcdPan = Buffer.from(card.pan.length % 2 === 0 ? card.pan : `${card.pan}0`, 'hex');
        needles.push(Buffer.from(card.pan), bcdPan, Buffer.from(bcdPan.toString('hex')), Buffer.from(pinBlock), Buffer.from(Buffer.from(pinBlock).toString('hex')), Buffer.from(track2));
      }
      // A terminal that enciphers its tracks (53 digit 3 = 1): the clear track never reaches the host.
      const swiped = testCard('approve-magstripe');
      expect((await terminal.exchange(terminal.sale(swiped, { pin: '1234', encryptTrack: true }))).get(39)).toBe('00');
      const clearTrack = testCardTrack2(swiped).replace('=', 'D');
      needles.push(Buffer.from(clearTrack.length % 2 === 0 ? clearTrack : `${clearTrack}0`, 'hex'), Buffer.from(testCardTrack2(swiped)));
      // Keys the terminal holds in clear: its TMK and the working keys of this sign-in.
      for (const key of [fixture.tmk, terminal.pik, terminal.mak, terminal.tdk]) {
        if (key === undefined) throw new Error('the terminal holds all its keys after sign-in');
        needles.push(Buffer.from(key), Buffer.from(key.toString('hex')), Buffer.from(key.toString('hex').toUpperCase()));
      }
      const stored = await storedBytes(fixture.store);
      const control = Buffer.from(testCard('approve-chip-pin').pan.slice(0, 6));
      expect(stored.includes(control)).toBe(true);
      for (const needle of needles) expect(stored.includes(needle)).toBe(false);
    } finally {
      terminal.close();
      await fixture.close();
    }
  });
});
