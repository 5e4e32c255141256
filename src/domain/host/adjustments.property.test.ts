import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { testCard } from '../../adapters/network/issuer-simulator/index.js';
import { databases } from '../../adapters/store/test-databases.js';
import type { HostTables } from './tables.js';
import { hostMoney, issuerBalance, originalOf, refundMessage, reversalOf, voidMessage, type OriginalRef } from './test-adjustments.js';
import { codec, openHost, TestTerminal } from './test-host.js';

const card = testCard('approve-magstripe');

/**
 * One step of a terminal's (or a network's) life with one card: a sale, a void or refund of an
 * earlier sale, a reversal of an earlier request (sent or not: a reversal may come before its
 * original), the original of an earlier reversal sent late, or any earlier message sent again.
 * Indexes pick among what exists so far (modulo), so every sequence is meaningful.
 */
type Step =
  | { readonly op: 'sale'; readonly amountMinor: bigint }
  | { readonly op: 'void'; readonly pick: number }
  | { readonly op: 'refund'; readonly pick: number; readonly amountMinor: bigint }
  | { readonly op: 'reverse'; readonly pick: number; readonly unsent: boolean }
  | { readonly op: 'late-original'; readonly pick: number }
  | { readonly op: 'again'; readonly pick: number };

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ op: fc.constant('sale' as const), amountMinor: fc.bigInt({ min: 1n, max: 5_000n }) }),
  fc.record({ op: fc.constant('void' as const), pick: fc.nat() }),
  fc.record({ op: fc.constant('refund' as const), pick: fc.nat(), amountMinor: fc.bigInt({ min: 1n, max: 5_000n }) }),
  fc.record({ op: fc.constant('reverse' as const), pick: fc.nat(), unsent: fc.boolean() }),
  fc.record({ op: fc.constant('late-original' as const), pick: fc.nat() }),
  fc.record({ op: fc.constant('again' as const), pick: fc.nat() }),
);

const runsOn: Record<string, number> = { sqlite: 25, postgres: 8 };

describe.each(databases)('any interleaving of sale, void, refund and reversal on $name', (database) => {
  it('keeps the ledger balanced, creates no money, and never refunds more than a sale', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArbitrary, { minLength: 1, maxLength: 14 }), async (steps) => {
        const fixture = await openHost(database);
        const terminal = await TestTerminal.connect(fixture);
        try {
          await terminal.signIn();
          const sales: OriginalRef[] = [];
          const sent: Buffer[] = [];
          const unsent: Buffer[] = [];
          const pick = <T,>(list: readonly T[], index: number): T | undefined => (list.length === 0 ? undefined : list[index % list.length]);
          const send = async (message: Buffer): Promise<void> => {
            sent.push(message);
            const reply = await terminal.exchange(message);
            const request = codec.unpack(message);
            if (request.mti === '0200' && request.get(3) === '000000' && reply.get(39) === '00') sales.push(originalOf(message, reply));
          };
          for (const step of steps) {
            if (step.op === 'sale') await send(terminal.sale(card, { pin: '1234', amountMinor: step.amountMinor }));
            else if (step.op === 'void') {
              const original = pick(sales, step.pick);
              if (original !== undefined) await send(voidMessage(terminal, card, original));
            } else if (step.op === 'refund') {
              const original = pick(sales, step.pick);
              if (original !== undefined) await send(refundMessage(terminal, card, original, step.amountMinor));
            } else if (step.op === 'reverse') {
              if (step.unsent) {
                const never = terminal.sale(card, { pin: '1234', amountMinor: 700n });
                unsent.push(never);
                await send(reversalOf(terminal, never));
              } else {
                const earlier = pick(sent, step.pick);
                if (earlier !== undefined && codec.unpack(earlier).mti !== '0400') await send(reversalOf(terminal, earlier));
              }
            } else if (step.op === 'late-original') {
              const late = pick(unsent, step.pick);
              if (late !== undefined) expect((await terminal.exchange(late)).get(39)).toBe('12');
            } else {
              const earlier = pick(sent, step.pick);
              if (earlier !== undefined) await terminal.exchange(earlier);
            }
          }
          const money = await hostMoney(fixture);
          // What the scheme owes for this card is what the issuer took from it, and it is all
          // either the merchant's or the acquirer's fee.
          expect(money.receivable).toBe(card.balanceMinor - (await issuerBalance(fixture, card)));
          expect(money.payable + money.fees).toBe(money.receivable);
          expect(money.receivable >= 0n).toBe(true);
          const rows = await fixture.store.db<HostTables>().selectFrom('host_transactions').selectAll().where('kind', '=', 'sale').execute();
          for (const row of rows) expect(row.refunded_minor <= row.amount_minor).toBe(true);
        } finally {
          terminal.close();
          await fixture.close();
        }
      }),
      { numRuns: runsOn[database.name] ?? 8 },
    );
  });
});
