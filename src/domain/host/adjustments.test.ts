import { describe, expect, it } from 'vitest';
import { testCard } from '../../adapters/network/issuer-simulator/index.js';
import { databases } from '../../adapters/store/test-databases.js';
import type { HostTables } from './tables.js';
import { hostMoney, issuerBalance, originalOf, refundMessage, reversalOf, voidMessage, type OriginalRef } from './test-adjustments.js';
import { codec, TestTerminal, useHost } from './test-host.js';

const card = testCard('approve-magstripe');
const otherCard = testCard('approve-chip-pin');
const startBalance = card.balanceMinor;

describe.each(databases)('void, refund and reversal over real TCP on $name', (database) => {
  const host = useHost(database);

  async function sale(amountMinor = 10_000n): Promise<{ request: Buffer; original: OriginalRef }> {
    const request = host.terminal.sale(card, { pin: '1234', amountMinor });
    const reply = await host.terminal.exchange(request);
    expect(reply.get(39)).toBe('00');
    return { request, original: originalOf(request, reply) };
  }

  async function rows() {
    return host.fixture.store.db<HostTables>().selectFrom('host_transactions').selectAll().orderBy('id').execute();
  }

  describe('void', () => {
    it('is approved once: the card gets the money back, the ledger nets to zero (fee too), a retransmission is replayed, a second void is 12', async () => {
      const { original } = await sale();
      expect(await issuerBalance(host.fixture, card)).toBe(startBalance - 10_000n);
      const request = voidMessage(host.terminal, card, original);
      const reply = await host.terminal.exchangeRaw(request);
      const decoded = codec.unpack(reply);
      expect(decoded.mti).toBe('0210');
      expect(decoded.get(39)).toBe('00');
      expect(decoded.get(38)).toHaveLength(6);
      expect(await host.terminal.exchangeRaw(request)).toEqual(reply);
      expect(await issuerBalance(host.fixture, card)).toBe(startBalance);
      expect(await hostMoney(host.fixture)).toEqual({ payable: 0n, fees: 0n, receivable: 0n });
      expect((await host.terminal.exchange(voidMessage(host.terminal, card, original))).get(39)).toBe('12');
      expect(await issuerBalance(host.fixture, card)).toBe(startBalance);
      const sold = (await rows()).find((row) => row.kind === 'sale');
      expect(sold?.cancelled_by).toMatch(/^void \d{12}$/);
    });

    it('declines: unknown original or wrong RRN / auth code / card 25, another amount 13, a declined original 25, another terminal 25', async () => {
      const { original } = await sale();
      expect((await host.terminal.exchange(voidMessage(host.terminal, card, original, { rrn: '000000000000' }))).get(39)).toBe('25');
      expect((await host.terminal.exchange(voidMessage(host.terminal, card, original, { authCode: '000000' === original.authCode ? '111111' : '000000' }))).get(39)).toBe('25');
      expect((await host.terminal.exchange(voidMessage(host.terminal, card, original, { originalTrace: '999999' }))).get(39)).toBe('25');
      expect((await host.terminal.exchange(voidMessage(host.terminal, otherCard, original))).get(39)).toBe('25');
      expect((await host.terminal.exchange(voidMessage(host.terminal, card, original, { amountMinor: 9_999n }))).get(39)).toBe('13');
      const declinedRequest = host.terminal.sale(testCard('insufficient-funds'), { pin: '1234', amountMinor: 1_001n, stripe: true });
      const declinedReply = await host.terminal.exchange(declinedRequest);
      expect(declinedReply.get(39)).toBe('51');
      expect((await host.terminal.exchange(voidMessage(host.terminal, testCard('insufficient-funds'), { ...originalOf(declinedRequest, declinedReply), authCode: '000000' }))).get(39)).toBe('25');
      const other = await TestTerminal.connect(host.fixture, '10000002');
      try {
        await other.signIn();
        expect((await other.exchange(voidMessage(other, card, original))).get(39)).toBe('25');
      } finally {
        other.close();
      }
      expect(await issuerBalance(host.fixture, card)).toBe(startBalance - 10_000n);
    });

    it('of a sale in a batch that is no longer the terminal\'s (settled) is 12; that sale can still be refunded', async () => {
      const { original } = await sale();
      await host.fixture.store.db().transaction().execute((trx) => host.fixture.terminals.advanceBatchWithin(trx, { terminalId: host.terminal.terminalId }, host.terminal.batch));
      host.terminal.batch = '000002';
      expect((await host.terminal.exchange(voidMessage(host.terminal, card, original))).get(39)).toBe('12');
      expect((await host.terminal.exchange(refundMessage(host.terminal, card, original, 10_000n))).get(39)).toBe('00');
      expect(await issuerBalance(host.fixture, card)).toBe(startBalance);
    });

    it('two voids of one sale racing: exactly one is approved', async () => {
      const { original } = await sale();
      const second = await TestTerminal.connect(host.fixture);
      try {
        second.mak = host.terminal.mak;
        const [a, b] = await Promise.all([host.terminal.exchange(voidMessage(host.terminal, card, original, { trace: '000101' })), second.exchange(voidMessage(second, card, original, { trace: '000102' }))]);
        expect([a.get(39), b.get(39)].sort()).toEqual(['00', '12']);
      } finally {
        second.close();
      }
      expect(await issuerBalance(host.fixture, card)).toBe(startBalance);
      expect(await hostMoney(host.fixture)).toEqual({ payable: 0n, fees: 0n, receivable: 0n });
    });
  });

  describe('refund', () => {
    it('partial refunds up to the sale; one more is 13; the fee stays earned; a voided sale cannot be refunded', async () => {
      const { original } = await sale();
      expect((await host.terminal.exchange(refundMessage(host.terminal, card, original, 4_000n))).get(39)).toBe('00');
      const reply = await host.terminal.exchange(refundMessage(host.terminal, card, original, 6_000n));
      expect(reply.mti).toBe('0230');
      expect(reply.get(39)).toBe('00');
      expect((await host.terminal.exchange(refundMessage(host.terminal, card, original, 1n))).get(39)).toBe('13');
      expect(await issuerBalance(host.fixture, card)).toBe(startBalance);
      const money = await hostMoney(host.fixture);
      expect(money.fees).toBeGreaterThan(0n);
      expect(money.payable + money.fees).toBe(0n);
      expect(money.receivable).toBe(0n);
      expect((await host.terminal.exchange(voidMessage(host.terminal, card, original))).get(39)).toBe('12');
    });

    it('declines a wrong original date 25 and another card 25', async () => {
      const { original } = await sale();
      expect((await host.terminal.exchange(refundMessage(host.terminal, card, original, 1_000n, { date: '0101' }))).get(39)).toBe('25');
      expect((await host.terminal.exchange(refundMessage(host.terminal, otherCard, original, 1_000n))).get(39)).toBe('25');
      expect((await host.terminal.exchange(refundMessage(host.terminal, card, original, 1_000n, { date: '0515' }))).get(39)).toBe('00');
    });

    it('concurrent refunds never add up to more than the sale', async () => {
      const { original } = await sale();
      const terminals = [host.terminal];
      for (let index = 0; index < 3; index++) {
        const extra = await TestTerminal.connect(host.fixture);
        extra.mak = host.terminal.mak;
        terminals.push(extra);
      }
      try {
        const replies = await Promise.all(terminals.flatMap((each, index) => [0, 1].map((slot) => each.exchange(refundMessage(each, card, original, 3_000n, { trace: String(200 + index * 2 + slot).padStart(6, '0') })))));
        const approved = replies.filter((reply) => reply.get(39) === '00');
        expect(approved).toHaveLength(3);
      } finally {
        for (const extra of terminals.slice(1)) extra.close();
      }
      expect(await issuerBalance(host.fixture, card)).toBe(startBalance - 1_000n);
      const sold = (await rows()).find((row) => row.kind === 'sale');
      expect(sold?.refunded_minor).toBe(9_000n);
    });
  });

  describe('reversal', () => {
    it('of an approved sale: card and ledger back to zero; repeated, the same 0410; the sale can no longer be voided', async () => {
      const { request, original } = await sale();
      const reversal = reversalOf(host.terminal, request);
      const reply = await host.terminal.exchangeRaw(reversal);
      expect(codec.unpack(reply).mti).toBe('0410');
      expect(codec.unpack(reply).get(39)).toBe('00');
      expect(await host.terminal.exchangeRaw(reversal)).toEqual(reply);
      expect(await issuerBalance(host.fixture, card)).toBe(startBalance);
      expect(await hostMoney(host.fixture)).toEqual({ payable: 0n, fees: 0n, receivable: 0n });
      expect((await host.terminal.exchange(voidMessage(host.terminal, card, original))).get(39)).toBe('12');
    });

    it('of a request never seen is acknowledged and recorded; the original arriving afterwards is declined 12 and never posted', async () => {
      const request = host.terminal.sale(card, { pin: '1234', amountMinor: 10_000n });
      expect((await host.terminal.exchange(reversalOf(host.terminal, request))).get(39)).toBe('00');
      expect((await host.terminal.exchange(request)).get(39)).toBe('12');
      expect(await issuerBalance(host.fixture, card)).toBe(startBalance);
      expect(await hostMoney(host.fixture)).toEqual({ payable: 0n, fees: 0n, receivable: 0n });
      expect((await rows()).map((row) => row.kind).sort()).toEqual(['reversal', 'reversed-unseen']);
    });

    it('racing its original, in either order and many times: never money without its sale, never a sale left standing', async () => {
      const second = await TestTerminal.connect(host.fixture);
      second.mak = host.terminal.mak;
      try {
        for (let round = 0; round < 10; round++) {
          const request = host.terminal.sale(card, { pin: '1234', amountMinor: 100n });
          const reversal = reversalOf(host.terminal, request);
          const [saleReply, reversalReply] = round % 2 === 0 ? await Promise.all([host.terminal.exchange(request), second.exchange(reversal)]) : (await Promise.all([second.exchange(reversal), host.terminal.exchange(request)])).reverse();
          expect(reversalReply?.get(39)).toBe('00');
          expect(['00', '12']).toContain(saleReply?.get(39));
        }
      } finally {
        second.close();
      }
      expect(await issuerBalance(host.fixture, card)).toBe(startBalance);
      expect(await hostMoney(host.fixture)).toEqual({ payable: 0n, fees: 0n, receivable: 0n });
      const standing = (await rows()).filter((row) => row.kind === 'sale' && row.response_code === '00' && row.cancelled_by === null);
      expect(standing).toHaveLength(0);
    });

    it('of a void gives the sale back (money taken again, sale entry standing); of a refund gives the refundable amount back', async () => {
      const { original } = await sale();
      const voidRequest = voidMessage(host.terminal, card, original);
      expect((await host.terminal.exchange(voidRequest)).get(39)).toBe('00');
      expect((await host.terminal.exchange(reversalOf(host.terminal, voidRequest))).get(39)).toBe('00');
      expect(await issuerBalance(host.fixture, card)).toBe(startBalance - 10_000n);
      const afterVoidReversal = await hostMoney(host.fixture);
      expect(afterVoidReversal.receivable).toBe(10_000n);
      const refund = refundMessage(host.terminal, card, original, 10_000n);
      expect((await host.terminal.exchange(refund)).get(39)).toBe('00');
      expect((await host.terminal.exchange(reversalOf(host.terminal, refund))).get(39)).toBe('00');
      expect(await issuerBalance(host.fixture, card)).toBe(startBalance - 10_000n);
      expect((await hostMoney(host.fixture)).receivable).toBe(10_000n);
      expect((await host.terminal.exchange(refundMessage(host.terminal, card, original, 10_000n))).get(39)).toBe('00');
      expect(await issuerBalance(host.fixture, card)).toBe(startBalance);
    });
  });
});
