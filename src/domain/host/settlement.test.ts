import { describe, expect, it } from 'vitest';
import { testCard } from '../../adapters/network/issuer-simulator/index.js';
import { databases } from '../../adapters/store/test-databases.js';
import { IsoMessage, unionPayPosSpec } from '../../lib/iso8583/index.js';
import { readMagstripeRecords } from './batch-upload.js';
import { readSettlementField, writeSettlementField } from './settlement-field.js';
import { originalOf, refundMessage, reversalOf, voidMessage } from './test-adjustments.js';
import { MERCHANT_ID, TERMINAL_ID, useHost } from './test-host.js';

const zero = { debitAmountMinor: 0n, debitCount: 0n, creditAmountMinor: 0n, creditCount: 0n };

describe('field 48 of settlement and of a magstripe batch upload', () => {
  it('reads 31 or 62 digits of totals and writes them back with the host codes', () => {
    const domestic = { debitAmountMinor: 52_033n, debitCount: 4n, creditAmountMinor: 700n, creditCount: 1n };
    const digits = '0000000520330040000000007000010';
    expect(readSettlementField(digits)).toEqual({ domestic, foreign: zero });
    expect(readSettlementField(`${digits}${'0'.repeat(31)}`)).toEqual({ domestic, foreign: zero });
    expect(writeSettlementField({ domestic, foreign: zero }, { domestic: '2', foreign: '1' })).toBe(`0000000520330040000000007000012${'0'.repeat(30)}1`);
    for (const bad of [undefined, '', digits.slice(1), `${digits}0`, `${digits.slice(0, 30)}x`]) expect(readSettlementField(bad)).toBeUndefined();
  });

  it('reads 1 to 8 records of organisation, trace, PAN right-aligned in 20 and amount; refuses a count that does not match', () => {
    const record = `00000123${'6212340000000027'.padStart(20, '0')}000000000700`;
    expect(readMagstripeRecords(`01${record}`)).toEqual([{ trace: '000123', pan: '6212340000000027', amountMinor: 700n }]);
    expect(readMagstripeRecords(`02${record}${record}`)).toHaveLength(2);
    for (const bad of [undefined, `02${record}`, `00`, `09${record.repeat(9)}`, `01${record}0`, `01${record.slice(0, 8)}${'0'.repeat(20)}000000000700`]) expect(readMagstripeRecords(bad)).toBeUndefined();
  });
});

/** The host side of settlement with hand-built frames over real TCP: MAC, format and order checks. */
describe.each(databases)('settlement and batch upload refusals over real TCP on $name', (database) => {
  const host = useHost(database);

  const message = (mti: string, trace: string, networkCode: string, field48?: string) => {
    const built = new IsoMessage(unionPayPosSpec, mti, { 11: trace, 41: TERMINAL_ID, 42: MERCHANT_ID, 60: { typeCode: '00', batchNumber: host.terminal.batch, networkCode } });
    if (field48 !== undefined) built.set(48, field48);
    return built;
  };

  it('refuses a 0500 with a bad MAC (A0, nothing recorded) and a malformed 48 (30, MAC’d); answers an upload before any settlement 12', async () => {
    expect((await host.terminal.exchange(host.terminal.withMac(message('0500', '000101', '201', '0'.repeat(62)), true))).get(39)).toBe('A0');
    const malformed = await host.terminal.exchange(host.terminal.withMac(message('0500', '000102', '201', '0'.repeat(40))));
    expect(malformed.get(39)).toBe('30');
    expect(malformed.get(64)).toBeDefined();
    expect((await host.terminal.exchange(host.terminal.withMac(message('0320', '000103', '202', '0000')))).get(39)).toBe('12');
    expect(await host.fixture.settlement.find(TERMINAL_ID, '000001')).toBeUndefined();
    expect((await host.fixture.terminals.require({ terminalId: TERMINAL_ID })).batchNumber).toBe('000001');
  });

  it('counts sales as debit (a voided one too) and voids and refunds as credit; a reversed sale counts nowhere; then balances', async () => {
    const card = testCard('approve-magstripe');
    const sold = async (amountMinor: bigint) => {
      const request = host.terminal.sale(card, { pin: '1234', amountMinor, stripe: true });
      const reply = await host.terminal.exchange(request);
      expect(reply.get(39)).toBe('00');
      return { request, original: originalOf(request, reply) };
    };
    const voided = await sold(1_000n);
    const refunded = await sold(2_000n);
    const reversed = await sold(3_000n);
    expect((await host.terminal.exchange(voidMessage(host.terminal, card, voided.original))).get(39)).toBe('00');
    expect((await host.terminal.exchange(refundMessage(host.terminal, card, refunded.original, 500n))).get(39)).toBe('00');
    expect((await host.terminal.exchange(reversalOf(host.terminal, reversed.request))).get(39)).toBe('00');
    const claim = `0000000030000020000000015000020${'0'.repeat(31)}`;
    const reply = await host.terminal.exchange(host.terminal.withMac(message('0500', host.terminal.nextTrace(), '201', claim)));
    expect(reply.get(48)).toBe(`0000000030000020000000015000021${'0'.repeat(30)}1`);
    expect(await host.fixture.settlement.find(TERMINAL_ID, '000001')).toMatchObject({ status: 'closed', hostTotals: { debitAmountMinor: 3_000n, debitCount: 2n, creditAmountMinor: 1_500n, creditCount: 2n } });
    expect((await host.fixture.terminals.require({ terminalId: TERMINAL_ID })).batchNumber).toBe('000002');
  });

  it('counts approved sales only, answers 1 or 2 in field 48 with the settlement date in 15, and an upload record twice counts once', async () => {
    expect((await host.terminal.exchange(host.terminal.sale(testCard('approve-magstripe'), { pin: '1234', amountMinor: 700n, trace: '000001', stripe: true }))).get(39)).toBe('00');
    expect((await host.terminal.exchange(host.terminal.sale(testCard('insufficient-funds'), { pin: '1234', amountMinor: 90_000n, trace: '000002' }))).get(39)).toBe('51');
    const reply = await host.terminal.exchange(host.terminal.withMac(message('0500', '000003', '201', `000000000800001${'0'.repeat(12)}0000${'0'.repeat(31)}`)));
    expect(reply.get(39)).toBe('00');
    expect(reply.get(15)).toBe(host.fixture.terminals.today().slice(4));
    expect(reply.get(48)).toBe(`0000000008000010000000000000002${'0'.repeat(30)}1`);
    expect(await host.fixture.settlement.find(TERMINAL_ID, '000001')).toMatchObject({ status: 'settling', hostTotals: { debitAmountMinor: 700n, debitCount: 1n } });
    const record = `0100000001${'6212340000000027'.padStart(20, '0')}000000000700`;
    for (const trace of ['000004', '000005']) expect((await host.terminal.exchange(host.terminal.withMac(message('0320', trace, '201', record)))).get(39)).toBe('00');
    expect((await host.terminal.exchange(host.terminal.withMac(message('0320', '000006', '202', '0001')))).get(39)).toBe('00');
    expect(await host.fixture.settlement.find(TERMINAL_ID, '000001')).toMatchObject({ status: 'closed', uploadedCount: 1n, declaredUploadCount: 1n });
    expect(await host.fixture.settlement.differences(TERMINAL_ID, '000001')).toEqual([]);
    expect((await host.fixture.terminals.require({ terminalId: TERMINAL_ID })).batchNumber).toBe('000002');
    // An upload message retransmitted after the close is answered 00 and changes nothing.
    expect((await host.terminal.exchange(host.terminal.withMac(message('0320', '000007', '202', '0001')))).get(39)).toBe('00');
    expect((await host.fixture.terminals.require({ terminalId: TERMINAL_ID })).batchNumber).toBe('000002');
  });
});
