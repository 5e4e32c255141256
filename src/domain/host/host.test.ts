import { describe, expect, it } from 'vitest';
import { testCard } from '../../adapters/network/issuer-simulator/index.js';
import { databases } from '../../adapters/store/test-databases.js';
import { readAuditTail } from '../audit/index.js';
import type { HostTables } from './tables.js';
import { codec, openHost, TERMINAL_ID, TestTerminal, useHost } from './test-host.js';

describe.each(databases)('host pipeline over real TCP on $name', (database) => {
  const host = useHost(database, { macFailuresLockAfter: 3, signIn: false });

  async function rows() {
    return host.fixture.store.db<HostTables>().selectFrom('host_transactions').selectAll().execute();
  }

  it('signs in with working keys whose KCVs the terminal checks, and records the sign-in', async () => {
    const reply = await host.terminal.signIn();
    expect(reply.mti).toBe('0810');
    expect(reply.get(39)).toBe('00');
    expect(host.terminal.mak).toBeDefined();
    const tail = await readAuditTail(host.fixture.store, 5);
    expect(tail.map((row) => row.action)).toContain('terminal.sign-in');
  });

  it('approves a chip sale with PIN, returns RRN, auth code, MAC and ARPC, and posts a balanced ledger entry', async () => {
    await host.terminal.signIn();
    const reply = await host.terminal.exchange(host.terminal.sale(testCard('approve-chip-pin'), { pin: '1234' }));
    expect(reply.mti).toBe('0210');
    expect(reply.get(39)).toBe('00');
    expect(reply.get(37)).toMatch(/^\d{12}$/);
    expect(reply.get(38)).toHaveLength(6);
    expect(reply.get(55)?.[0]).toBe(0x91);
    expect(reply.get(64)).toBeDefined();
    const stored = await rows();
    expect(stored).toHaveLength(1);
    expect(stored[0]?.masked_pan).toBe('621234******0019');
    const verification = await host.fixture.ledger.verifyLedger();
    expect(verification.ok).toBe(true);
    expect(verification.entriesChecked).toBe(1);
  });

  it('approves a magstripe sale and answers a balance inquiry with field 54', async () => {
    await host.terminal.signIn();
    const sale = await host.terminal.exchange(host.terminal.sale(testCard('approve-magstripe'), { pin: '1234' }));
    expect(sale.get(39)).toBe('00');
    const balance = await host.terminal.exchange(host.terminal.sale(testCard('approve-magstripe'), { pin: '1234', balance: true }));
    expect(balance.get(39)).toBe('00');
    expect(balance.get(54)).toMatch(/^1002156C\d{12}$/);
  });

  it('approves a contactless chip sale (22 = 071, ARQC in 55) and answers it with an ARPC', async () => {
    await host.terminal.signIn();
    const request = host.terminal.sale(testCard('approve-chip-pin'), { pin: '1234', contactless: true });
    expect(codec.unpack(request).get(22)).toBe('071');
    const reply = await host.terminal.exchange(request);
    expect(reply.get(39)).toBe('00');
    expect(reply.get(55)?.[0]).toBe(0x91);
  });

  it('declines three wrong PINs 55, 55, 75; insufficient funds 51; expired 54', async () => {
    await host.terminal.signIn();
    const card = testCard('approve-chip-pin');
    const codes: (string | undefined)[] = [];
    for (const pin of ['9999', '9998', '9997']) codes.push((await host.terminal.exchange(host.terminal.sale(card, { pin }))).get(39));
    expect(codes).toEqual(['55', '55', '75']);
    expect((await host.terminal.exchange(host.terminal.sale(testCard('insufficient-funds'), { pin: '1234', amountMinor: 1_001n }))).get(39)).toBe('51');
    expect((await host.terminal.exchange(host.terminal.sale(testCard('expired'), { pin: '1234' }))).get(39)).toBe('54');
  });

  it('replays a duplicate (same batch and trace) byte for byte, with one posting — also concurrently', async () => {
    await host.terminal.signIn();
    const request = host.terminal.sale(testCard('approve-chip-pin'), { pin: '1234' });
    const first = await host.terminal.exchangeRaw(request);
    const again = await host.terminal.exchangeRaw(request);
    expect(again.equals(first)).toBe(true);
    const racing = host.terminal.sale(testCard('approve-chip-pin'), { pin: '1234' });
    const other = await TestTerminal.connect(host.fixture);
    try {
      const [a, b] = await Promise.all([host.terminal.exchangeRaw(racing), other.exchangeRaw(racing)]);
      expect(a.equals(b)).toBe(true);
    } finally {
      other.close();
    }
    expect(await rows()).toHaveLength(2);
    expect((await host.fixture.ledger.verifyLedger()).entriesChecked).toBe(2);
    expect((await host.fixture.ledger.verifyLedger()).ok).toBe(true);
  });

  it('declines a bad MAC with A0, records it, and locks the terminal after repeated failures', async () => {
    await host.terminal.signIn();
    const card = testCard('approve-chip-pin');
    const reply = await host.terminal.exchange(host.terminal.sale(card, { pin: '1234', badMac: true }));
    expect(reply.get(39)).toBe('A0');
    expect(reply.get(64)).toBeUndefined();
    expect((await readAuditTail(host.fixture.store, 5)).map((row) => row.action)).toContain('terminal.mac-failure');
    await host.terminal.exchange(host.terminal.sale(card, { pin: '1234', badMac: true }));
    await host.terminal.exchange(host.terminal.sale(card, { pin: '1234', badMac: true }));
    expect((await host.fixture.terminals.findByTerminalId(TERMINAL_ID))?.status).toBe('locked');
    expect((await readAuditTail(host.fixture.store, 10)).map((row) => row.action)).toContain('terminal.lock');
    expect((await host.terminal.exchange(host.terminal.sale(card, { pin: '1234' }))).get(39)).toBe('58');
    expect(await rows()).toHaveLength(0);
    const refused = (await readAuditTail(host.fixture.store, 1))[0];
    expect(refused?.action).toBe('terminal.refused');
    expect(JSON.parse(refused?.details ?? '{}')).toMatchObject({ reason: 'terminal-locked', responseCode: '58', mti: '0200' });
  });

  it('refuses an unknown terminal (97) as a security event, and one not signed in (77) as routine', async () => {
    const stranger = await TestTerminal.connect(host.fixture, '10000009');
    try {
      expect((await stranger.exchange(stranger.signInMessage())).get(39)).toBe('97');
    } finally {
      stranger.close();
    }
    const refused = (await readAuditTail(host.fixture.store, 1))[0];
    expect(refused).toMatchObject({ action: 'terminal.refused', actor: 'terminal:10000009', outcome: 'denied' });
    expect(JSON.parse(refused?.details ?? '{}')).toMatchObject({ reason: 'unknown-terminal', responseCode: '97', mti: '0800' });
    // A garbled id with a space (one flipped bit of a '0') is still declined 97 and recorded, escaped.
    const garbled = await TestTerminal.connect(host.fixture, '1000 %09');
    try {
      expect((await garbled.exchange(garbled.signInMessage())).get(39)).toBe('97');
    } finally {
      garbled.close();
    }
    expect((await readAuditTail(host.fixture.store, 1))[0]).toMatchObject({ action: 'terminal.refused', actor: 'terminal:1000%20%2509', target: 'terminal:1000%20%2509' });
    await host.terminal.signIn();
    const second = await TestTerminal.connect(host.fixture, '10000002');
    try {
      second.mak = host.terminal.mak;
      second.pik = host.terminal.pik;
      expect((await second.exchange(second.sale(testCard('approve-chip-pin'), { pin: '1234' }))).get(39)).toBe('77');
    } finally {
      second.close();
    }
    expect((await readAuditTail(host.fixture.store, 1))[0]?.action).toBe('terminal.sign-in');
  });

  it('approves sales without a PIN (stripe and chip), and signs out: then 77 until the next sign-in', async () => {
    await host.terminal.signIn();
    expect((await host.terminal.exchange(host.terminal.sale(testCard('chip-no-pin')))).get(39)).toBe('00');
    expect((await host.terminal.exchange(host.terminal.sale(testCard('chip-no-pin'), { stripe: true }))).get(39)).toBe('00');
    const signOut = await host.terminal.exchange(host.terminal.signOutMessage());
    expect(signOut.mti).toBe('0830');
    expect(signOut.get(39)).toBe('00');
    expect((await host.terminal.exchange(host.terminal.sale(testCard('chip-no-pin')))).get(39)).toBe('77');
    await host.terminal.signIn();
    expect((await host.terminal.exchange(host.terminal.sale(testCard('chip-no-pin')))).get(39)).toBe('00');
  });

  it('answers a message type it does not handle with 12, and unreadable card data with 14', async () => {
    await host.terminal.signIn();
    // 0600 (an administrative request) is not a message the host answers.
    const unhandled = codec.unpack(host.terminal.sale(testCard('approve-chip-pin')));
    unhandled.mti = '0600';
    expect((await host.terminal.exchange(host.terminal.withMac(unhandled))).get(39)).toBe('12');
    const noCard = codec.unpack(host.terminal.sale(testCard('approve-magstripe')));
    noCard.delete(35);
    expect((await host.terminal.exchange(host.terminal.withMac(noCard))).get(39)).toBe('14');
  });

  it('leaves no clear PAN, track or PIN block in the host table', async () => {
    await host.terminal.signIn();
    const card = testCard('approve-chip-pin');
    await host.terminal.exchange(host.terminal.sale(card, { pin: '1234' }));
    const text = JSON.stringify(await rows(), (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : Buffer.isBuffer(value) ? value.toString('hex') : value));
    expect(text).not.toContain(card.pan);
    expect(text.toUpperCase()).not.toContain(card.pan.slice(0, 12));
  });
});

describe.each(databases)('host limits on $name', (database) => {
  it('declines a zero amount 13 and one over the configured maximum 61, without asking the network', async () => {
    const fixture = await openHost(database, { saleAmountMaxMinor: 50_000n });
    const terminal = await TestTerminal.connect(fixture);
    try {
      await terminal.signIn();
      const card = testCard('approve-chip-pin');
      expect((await terminal.exchange(terminal.sale(card, { pin: '1234', amountMinor: 50_001n }))).get(39)).toBe('61');
      expect((await terminal.exchange(terminal.sale(card, { pin: '1234', amountMinor: 0n }))).get(39)).toBe('13');
      expect((await terminal.exchange(terminal.sale(card, { pin: '1234', amountMinor: 50_000n }))).get(39)).toBe('00');
    } finally {
      terminal.close();
      await fixture.close();
    }
  });
});
