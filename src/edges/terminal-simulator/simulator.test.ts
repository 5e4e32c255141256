import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testCard } from '../../adapters/network/issuer-simulator/index.js';
import { databases } from '../../adapters/store/test-databases.js';
import { readAuditTail } from '../../domain/audit/index.js';
import type { HostTables } from '../../domain/host/index.js';
import { MERCHANT_ID, TERMINAL_ID } from '../../domain/host/test-host.js';
import { expectBastionRejection } from '../../lib/errors/test-helpers.js';
import { acquireTerminalLock } from './lock.js';
import { provisionSimulatedTerminal } from './state.js';
import { signInTerminal, transact } from './terminal.js';
import { formatReceipt } from './receipt.js';
import { openSimulatorFixture, type SimulatorFixture } from './test-simulator.js';

describe.each(databases)('terminal simulator against a real host over TCP on $name', (database) => {
  let fixture: SimulatorFixture;

  beforeEach(async () => {
    fixture = await openSimulatorFixture(database);
  });

  afterEach(async () => {
    await fixture.close();
  });

  const sale = (profile: string, options: { amountMinor?: bigint; pin?: string; entry?: 'chip' | 'swipe' | 'contactless' } = {}) => {
    const card = testCard(profile);
    return transact(fixture.context, {
      kind: 'sale',
      card,
      entry: options.entry ?? (card.emv === undefined ? 'swipe' : 'chip'),
      amountMinor: options.amountMinor ?? 1_234n,
      ...(options.pin === undefined ? {} : { pin: options.pin }),
    });
  };

  it('signs in, sells by chip and PIN, by swipe, answers a balance inquiry; receipts masked, ledger balanced', async () => {
    const signIn = await signInTerminal(fixture.context);
    expect(signIn).toMatchObject({ signedIn: true, responseCode: '00', trace: '000001', batchNumber: '000001' });
    expect(signIn.kcvs?.pik).toMatch(/^[0-9A-F]{6}$/);
    expect(fixture.state().workingKeys).toBeDefined();

    const chip = await sale('approve-chip-pin', { pin: '1234' });
    expect(chip).toMatchObject({ approved: true, responseCode: '00', trace: '000002', maskedPan: '621234******0019', entry: 'chip', amountMinor: 1_234n, issuerAuthenticated: true, merchantId: MERCHANT_ID, terminalId: TERMINAL_ID });
    expect(chip.rrn).toMatch(/^\d{12}$/);
    expect(chip.authCode).toHaveLength(6);
    const printed = formatReceipt(chip);
    expect(printed).toContain('621234******0019');
    expect(printed).toContain('¥12.34 CNY');
    expect(printed).toContain('APPROVED');
    expect(printed).not.toContain(testCard('approve-chip-pin').pan);

    const swipe = await sale('approve-magstripe', { pin: '1234', amountMinor: 50_000n });
    expect(swipe).toMatchObject({ approved: true, entry: 'swipe', maskedPan: '621234******0027' });
    expect(swipe.issuerAuthenticated).toBeUndefined();

    const balance = await transact(fixture.context, { kind: 'balance-inquiry', card: testCard('approve-magstripe'), entry: 'swipe', pin: '1234' });
    expect(balance).toMatchObject({ approved: true, transaction: 'balance-inquiry', balanceMinor: 10_000_000n - 50_000n });
    expect(formatReceipt(balance)).toContain('BALANCE');

    const contactless = await sale('chip-no-pin', { entry: 'contactless' });
    expect(contactless).toMatchObject({ approved: true, entry: 'contactless', issuerAuthenticated: true });

    const rows = await fixture.host.store.db<HostTables>().selectFrom('host_transactions').selectAll().orderBy('trace').execute();
    expect(rows.map((row) => [row.trace, row.kind, row.response_code])).toEqual([
      ['000002', 'sale', '00'],
      ['000003', 'sale', '00'],
      ['000004', 'balance-inquiry', '00'],
      ['000005', 'sale', '00'],
    ]);
    const verification = await fixture.host.ledger.verifyLedger();
    expect(verification.ok).toBe(true);
    expect(verification.entriesChecked).toBe(3);
    expect(fixture.state().lastTrace).toBe(5);
    expect(fixture.state().cardAtc).toEqual({ 'approve-chip-pin': 1, 'chip-no-pin': 1 });
  });

  it('with track 2 in clear (53 = 2600…, no 2 and 14): chip, swipe, contactless and balance approved', async () => {
    fixture.edit((state) => ({ ...state, encryptTracks: false }));
    await signInTerminal(fixture.context);
    expect(await sale('approve-chip-pin', { pin: '1234' })).toMatchObject({ approved: true, issuerAuthenticated: true });
    expect(await sale('approve-magstripe', { pin: '1234', amountMinor: 2_000n })).toMatchObject({ approved: true, entry: 'swipe' });
    expect(await sale('chip-no-pin', { entry: 'contactless' })).toMatchObject({ approved: true, entry: 'contactless' });
    expect(await transact(fixture.context, { kind: 'balance-inquiry', card: testCard('approve-magstripe'), entry: 'swipe', pin: '1234' })).toMatchObject({ approved: true, balanceMinor: 10_000_000n - 2_000n });
    expect((await fixture.host.ledger.verifyLedger()).entriesChecked).toBe(3);
  });

  it('a track enciphered under a key the host does not hold is unreadable (14), with no posting', async () => {
    expect(fixture.state().encryptTracks).toBe(true);
    await signInTerminal(fixture.context);
    fixture.edit((state) => (state.workingKeys === undefined ? state : { ...state, workingKeys: { ...state.workingKeys, tdk: randomBytes(16).toString('hex').toUpperCase() } }));
    expect(await sale('approve-magstripe', { pin: '1234' })).toMatchObject({ approved: false, responseCode: '14' });
    expect((await fixture.host.ledger.verifyLedger()).entriesChecked).toBe(0);
  });

  it('declines for real: wrong PIN three times blocks it (55, 55, 75, then 75), insufficient funds 51, expired 54', async () => {
    await signInTerminal(fixture.context);
    const codes: string[] = [];
    for (const pin of ['1111', '2222', '3333', '2468']) codes.push((await sale('pin-to-block', { pin })).responseCode);
    expect(codes).toEqual(['55', '55', '75', '75']);
    const poor = await sale('insufficient-funds', { pin: '1234', amountMinor: 1_001n });
    expect(poor).toMatchObject({ approved: false, responseCode: '51', responseMeaning: 'insufficient funds' });
    expect(formatReceipt(poor)).toContain('DECLINED');
    expect((await sale('expired', { pin: '1234' })).responseCode).toBe('54');
    expect((await fixture.host.ledger.verifyLedger()).entriesChecked).toBe(0);
  });

  it('a wrong MAK in the key file: A0 and a security event, then the terminal is locked (58)', async () => {
    await signInTerminal(fixture.context);
    fixture.edit((state) => (state.workingKeys === undefined ? state : { ...state, workingKeys: { ...state.workingKeys, mak: randomBytes(8).toString('hex').toUpperCase() } }));
    const first = await sale('approve-chip-pin', { pin: '1234' });
    expect(first).toMatchObject({ approved: false, responseCode: 'A0' });
    expect((await readAuditTail(fixture.host.store, 10)).map((row) => row.action)).toContain('terminal.mac-failure');
    await sale('approve-chip-pin', { pin: '1234' });
    await sale('approve-chip-pin', { pin: '1234' });
    expect((await fixture.host.terminals.findByTerminalId(TERMINAL_ID))?.status).toBe('locked');
    expect((await readAuditTail(fixture.host.store, 20)).map((row) => row.action)).toContain('terminal.lock');
    expect((await sale('approve-chip-pin', { pin: '1234' })).responseCode).toBe('58');
    expect(await signInTerminal(fixture.context)).toMatchObject({ signedIn: false, responseCode: '58' });
    expect((await fixture.host.ledger.verifyLedger()).entriesChecked).toBe(0);
  });

  it('an unknown terminal gets 97; a terminal that has not signed in gets 77', async () => {
    const address = { host: fixture.host.address.host, port: fixture.host.address.port };
    provisionSimulatedTerminal({ dataDir: fixture.dataDir, terminalId: '10000009', merchantId: MERCHANT_ID, hostAddress: address, tmk: fixture.host.tmk });
    const stranger = { ...fixture.context, terminalId: '10000009' };
    expect(await signInTerminal(stranger)).toMatchObject({ signedIn: false, responseCode: '97', responseMeaning: 'terminal not registered' });
    expect(fixture.state('10000009').workingKeys).toBeUndefined();

    // 10000002 is registered with a TMK but never signed in; give its simulator keys of its own.
    await signInTerminal(fixture.context);
    const keys = fixture.state().workingKeys;
    provisionSimulatedTerminal({ dataDir: fixture.dataDir, terminalId: '10000002', merchantId: MERCHANT_ID, hostAddress: address, tmk: fixture.host.tmk });
    fixture.edit((state) => (keys === undefined ? state : { ...state, workingKeys: keys }), '10000002');
    const second = await transact({ ...fixture.context, terminalId: '10000002' }, { kind: 'sale', card: testCard('approve-chip-pin'), entry: 'chip', amountMinor: 100n, pin: '1234' });
    expect(second).toMatchObject({ approved: false, responseCode: '77' });
  });

  it('refuses working keys whose KCVs do not match (a wrong TMK) and keeps the old ones', async () => {
    await signInTerminal(fixture.context);
    const before = fixture.state().workingKeys;
    fixture.edit((state) => ({ ...state, tmk: randomBytes(16).toString('hex').toUpperCase() }));
    await expectBastionRejection(signInTerminal(fixture.context), 'SIM_ERR_KCV_MISMATCH');
    expect(fixture.state().workingKeys).toEqual(before);
    expect(fixture.state().lastTrace).toBe(2);
  });

  it('refuses a sale before sign-in without sending anything', async () => {
    await expectBastionRejection(sale('approve-chip-pin', { pin: '1234' }), 'SIM_ERR_NOT_SIGNED_IN');
    expect(fixture.state().lastTrace).toBe(0);
    expect(await fixture.host.store.db<HostTables>().selectFrom('host_transactions').selectAll().execute()).toHaveLength(0);
  });

  it('does one command at a time per terminal (SIM_ERR_BUSY while another holds it), and keeps a card ATC rising across terminals', async () => {
    const lock = acquireTerminalLock(fixture.dataDir, TERMINAL_ID);
    try {
      await expectBastionRejection(signInTerminal(fixture.context), 'SIM_ERR_BUSY');
    } finally {
      lock.release();
    }
    expect(fixture.state().lastTrace).toBe(0);
    await signInTerminal(fixture.context);
    await sale('approve-chip-pin', { pin: '1234' });
    // The same card on the host's second terminal: its ATC continues from 1, so the issuer accepts it.
    const second = { ...fixture.context, terminalId: '10000002' };
    provisionSimulatedTerminal({ dataDir: fixture.dataDir, terminalId: '10000002', merchantId: MERCHANT_ID, hostAddress: { host: fixture.host.address.host, port: fixture.host.address.port }, tmk: fixture.host.tmk });
    await signInTerminal(second);
    expect(await transact(second, { kind: 'sale', card: testCard('approve-chip-pin'), entry: 'chip', amountMinor: 100n, pin: '1234' })).toMatchObject({ approved: true });
    expect(fixture.state('10000002').cardAtc).toEqual({ 'approve-chip-pin': 2 });
  });

  it('reaches the host at an address given instead of the key file', async () => {
    fixture.edit((state) => ({ ...state, hostAddress: { host: '127.0.0.1', port: 1 } }));
    await expectBastionRejection(signInTerminal(fixture.context), 'SIM_ERR_CONNECT');
    expect(await signInTerminal({ ...fixture.context, port: fixture.host.address.port })).toMatchObject({ signedIn: true });
    // A sale that never reached the host still used its trace and the card's ATC (saved before sending).
    await expectBastionRejection(sale('approve-chip-pin', { pin: '1234' }), 'SIM_ERR_CONNECT');
    expect(fixture.state()).toMatchObject({ lastTrace: 3, cardAtc: { 'approve-chip-pin': 1 } });
    const retried = await transact({ ...fixture.context, port: fixture.host.address.port }, { kind: 'sale', card: testCard('approve-chip-pin'), entry: 'chip', amountMinor: 100n, pin: '1234' });
    expect(retried).toMatchObject({ approved: true, trace: '000004' });
    expect(fixture.state().cardAtc).toEqual({ 'approve-chip-pin': 2 });
  });
});

