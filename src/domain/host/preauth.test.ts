import { describe, expect, it } from 'vitest';
import { HOLD_LIFETIME_MS_DEFAULT, testCard, testCardTrack2 } from '../../adapters/network/issuer-simulator/index.js';
import { databases } from '../../adapters/store/test-databases.js';
import { IsoMessage, unionPayPosSpec } from '../../lib/iso8583/index.js';
import { hostMoney, issuerBalance, originalOf, reversalOf, type OriginalRef } from './test-adjustments.js';
import { codec, MERCHANT_ID, TERMINAL_ID, useHost } from './test-host.js';

const card = testCard('approve-magstripe');
const startBalance = card.balanceMinor;

describe.each(databases)('pre-authorisation, completion and their voids over real TCP on $name', (database) => {
  const host = useHost(database);

  /** A swiped pre-auth (0100 / 030000 / 10) with PIN: the sale's message under the pre-auth's MTI, 3 and 60.1. */
  function preAuthMessage(amountMinor: bigint): Buffer {
    const sale = codec.unpack(host.terminal.sale(card, { pin: '1234', amountMinor, stripe: true }));
    const message = new IsoMessage(unionPayPosSpec, '0100');
    for (const field of [4, 11, 22, 25, 26, 35, 41, 42, 49, 52] as const) {
      const value = sale.get(field);
      if (value !== undefined) message.set(field, value);
    }
    message.set(3, '030000');
    message.set(60, { typeCode: '10', batchNumber: host.terminal.batch });
    return host.terminal.withMac(message);
  }

  /** A swiped message of the family that refers to `original` by 61 (batch + trace) and 38, with 37 when `withRrn`. */
  function referring(mti: string, processingCode: string, typeCode: string, original: OriginalRef, amountMinor: bigint, options: { withRrn?: boolean; authCode?: string } = {}): Buffer {
    const message = new IsoMessage(unionPayPosSpec, mti, {
      3: processingCode,
      4: amountMinor.toString().padStart(12, '0'),
      11: host.terminal.nextTrace(),
      22: '022',
      25: '00',
      35: testCardTrack2(card),
      38: options.authCode ?? original.authCode,
      41: host.terminal.terminalId,
      42: MERCHANT_ID,
      49: '156',
      60: { typeCode, batchNumber: host.terminal.batch },
      61: { originalBatch: original.batch, originalTrace: original.trace },
    });
    if (options.withRrn === true) message.set(37, original.rrn);
    return host.terminal.withMac(message);
  }

  const preAuthVoid = (original: OriginalRef, amountMinor = original.amountMinor) => referring('0100', '200000', '11', original, amountMinor, { withRrn: true });
  const completion = (original: OriginalRef, amountMinor: bigint, options: { advice?: boolean; authCode?: string } = {}) =>
    referring(options.advice === true ? '0220' : '0200', '000000', options.advice === true ? '24' : '20', original, amountMinor, options.authCode === undefined ? {} : { authCode: options.authCode });
  const completionVoid = (original: OriginalRef, amountMinor = original.amountMinor) => referring('0200', '200000', '21', original, amountMinor, { withRrn: true });

  async function send(request: Buffer): Promise<{ code: string | undefined; original: OriginalRef; mti: string }> {
    const reply = await host.terminal.exchange(request);
    return { code: reply.get(39), original: originalOf(request, reply), mti: reply.mti };
  }

  async function preAuth(amountMinor: bigint): Promise<{ request: Buffer; original: OriginalRef }> {
    const request = preAuthMessage(amountMinor);
    const answer = await send(request);
    expect(answer.code).toBe('00');
    expect(answer.mti).toBe('0110');
    expect(answer.original.authCode).toHaveLength(6);
    return { request, original: answer.original };
  }

  /** The available balance as a balance inquiry over the host answers it (field 54, last 12 digits). */
  async function available(): Promise<bigint> {
    const reply = await host.terminal.exchange(host.terminal.sale(card, { pin: '1234', balance: true, stripe: true }));
    expect(reply.get(39)).toBe('00');
    return BigInt((reply.get(54) ?? '').slice(-12));
  }

  /** The test merchant's fee: 0.38%, rounded half up. */
  const fee = (amountMinor: bigint) => (amountMinor * 38n + 5_000n) / 10_000n;

  it('a pre-auth holds the money (available down, nothing posted); its void releases it once; refusals 25, 13, 12', async () => {
    const { original } = await preAuth(10_000n);
    expect(await available()).toBe(startBalance - 10_000n);
    expect(await issuerBalance(host.fixture, card)).toBe(startBalance);
    expect(await hostMoney(host.fixture)).toEqual({ payable: 0n, fees: 0n, receivable: 0n });
    expect((await send(referring('0100', '200000', '11', original, 10_000n, { withRrn: true, authCode: '999999' }))).code).toBe('25');
    expect((await send(preAuthVoid(original, 9_999n))).code).toBe('13');
    const request = preAuthVoid(original);
    const first = await host.terminal.exchangeRaw(request);
    expect(codec.unpack(first).get(39)).toBe('00');
    expect(await host.terminal.exchangeRaw(request)).toEqual(first);
    expect(await available()).toBe(startBalance);
    expect((await send(preAuthVoid(original))).code).toBe('12');
    expect((await send(completion(original, 10_000n))).code).toBe('12');
    expect(await hostMoney(host.fixture)).toEqual({ payable: 0n, fees: 0n, receivable: 0n });
  });

  it('a completion up to 115% is posted like a sale and releases the hold; above is 13; a second completion is 12; its void undoes the entry once', async () => {
    const { original } = await preAuth(10_000n);
    expect((await send(completion(original, 11_501n))).code).toBe('13');
    expect((await send(completion(original, 11_500n, { authCode: '999999' }))).code).toBe('25');
    const completed = await send(completion(original, 11_500n));
    expect(completed.code).toBe('00');
    expect(await issuerBalance(host.fixture, card)).toBe(startBalance - 11_500n);
    expect(await available()).toBe(startBalance - 11_500n);
    expect(await hostMoney(host.fixture)).toEqual({ payable: 11_500n - fee(11_500n), fees: fee(11_500n), receivable: 11_500n });
    expect((await send(completion(original, 1_000n))).code).toBe('12');
    expect((await send(preAuthVoid(original))).code).toBe('12');

    expect((await send(completionVoid(completed.original, 11_499n))).code).toBe('13');
    expect((await send(completionVoid(completed.original))).code).toBe('00');
    expect(await issuerBalance(host.fixture, card)).toBe(startBalance);
    expect(await hostMoney(host.fixture)).toEqual({ payable: 0n, fees: 0n, receivable: 0n });
    expect((await send(completionVoid(completed.original))).code).toBe('12');
  });

  it('a completion advice is posted once however often it is sent; a declined advice is recorded and posts nothing', async () => {
    const { original } = await preAuth(10_000n);
    const over = completion(original, 20_000n, { advice: true });
    expect((await send(over)).code).toBe('13');
    expect((await send(over)).code).toBe('13');
    const advice = completion(original, 10_000n, { advice: true });
    const first = await host.terminal.exchangeRaw(advice);
    expect(codec.unpack(first).mti).toBe('0230');
    expect(codec.unpack(first).get(39)).toBe('00');
    expect(await host.terminal.exchangeRaw(advice)).toEqual(first);
    expect(await issuerBalance(host.fixture, card)).toBe(startBalance - 10_000n);
    expect(await hostMoney(host.fixture)).toEqual({ payable: 10_000n - fee(10_000n), fees: fee(10_000n), receivable: 10_000n });
  });

  it('a completion after the hold expired (30 days) is 12 and nothing is taken', async () => {
    const { original } = await preAuth(10_000n);
    host.fixture.clock.advance(HOLD_LIFETIME_MS_DEFAULT);
    expect((await host.terminal.signIn()).get(39)).toBe('00');
    expect((await send(completion(original, 10_000n))).code).toBe('12');
    expect(await issuerBalance(host.fixture, card)).toBe(startBalance);
    expect(await available()).toBe(startBalance);
    expect(await hostMoney(host.fixture)).toEqual({ payable: 0n, fees: 0n, receivable: 0n });
  });

  it('a reversed pre-auth releases the hold (its completion is then 12); a reversed completion gives the money back', async () => {
    const reversed = await preAuth(10_000n);
    expect((await send(reversalOf(host.terminal, reversed.request))).code).toBe('00');
    expect(await available()).toBe(startBalance);
    expect((await send(completion(reversed.original, 10_000n))).code).toBe('12');

    const { original } = await preAuth(10_000n);
    const request = completion(original, 10_000n);
    expect((await send(request)).code).toBe('00');
    expect(await issuerBalance(host.fixture, card)).toBe(startBalance - 10_000n);
    expect((await send(reversalOf(host.terminal, request))).code).toBe('00');
    expect(await issuerBalance(host.fixture, card)).toBe(startBalance);
    expect(await hostMoney(host.fixture)).toEqual({ payable: 0n, fees: 0n, receivable: 0n });
  });

  it('settlement counts a completion as debit and a completion void as credit (pre-auths and their voids nowhere), and balances', async () => {
    const first = await preAuth(10_000n);
    const second = await preAuth(5_000n);
    const voided = await preAuth(1_000n);
    expect((await send(preAuthVoid(voided.original))).code).toBe('00');
    expect((await send(completion(first.original, 11_000n))).code).toBe('00');
    const completed = await send(completion(second.original, 5_000n, { advice: true }));
    expect(completed.code).toBe('00');
    expect((await send(completionVoid(completed.original))).code).toBe('00');
    const claim = `0000000160000020000000050000010${'0'.repeat(31)}`;
    const settle = new IsoMessage(unionPayPosSpec, '0500', { 11: host.terminal.nextTrace(), 41: TERMINAL_ID, 42: MERCHANT_ID, 48: claim, 60: { typeCode: '00', batchNumber: host.terminal.batch, networkCode: '201' } });
    const reply = await host.terminal.exchange(host.terminal.withMac(settle));
    expect(reply.get(48)).toBe(`0000000160000020000000050000011${'0'.repeat(30)}1`);
    expect(await host.fixture.settlement.find(TERMINAL_ID, '000001')).toMatchObject({ status: 'closed', hostTotals: { debitAmountMinor: 16_000n, debitCount: 2n, creditAmountMinor: 5_000n, creditCount: 1n } });
  });
});
