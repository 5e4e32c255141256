import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testCard, type TestCardDefinition } from '../../adapters/network/issuer-simulator/index.js';
import { databases } from '../../adapters/store/test-databases.js';
import { verifyAuditLog } from '../../domain/audit/index.js';
import { testChainKey } from '../../domain/audit/test-audit.js';
import { hostMoney, issuerBalance } from '../../domain/host/test-adjustments.js';
import { TERMINAL_ID } from '../../domain/host/test-host.js';
import type { EntryMethod } from './card-reader.js';
import { journalTotals, loadJournal, type JournalTotals } from './journal.js';
import { completionTransaction, loadPreAuths, preAuthTransaction } from './preauth.js';
import type { Receipt } from './receipt.js';
import { refundTransaction } from './refund.js';
import { settleTerminal } from './settle.js';
import { signOutTerminal } from './sign-out.js';
import { squiggleSignature } from './signature-image.js';
import { uploadSignature } from './signature-upload.js';
import { signInTerminal, transact } from './terminal.js';
import { openSimulatorFixture, type SimulatorFixture } from './test-simulator.js';
import { voidTransaction } from './void.js';

/**
 * A full business day of one terminal, over real TCP through the simulator library against the
 * real host: sign-in; a seeded pseudo-random mix of chip, swipe and contactless sales with and
 * without PIN, approvals and declines (51, 54, 41, 55) and balance inquiries; a lost reply and its
 * automatic reversal; two voids; a refund; signature uploads; a pre-auth and its completion; a
 * balanced settlement (batch 1);
 * more transactions; an unbalanced settlement with batch upload (batch 2); sign-out. After every
 * step the ledger balances; at the end the terminal's totals equal the host's for each batch, each
 * issuer card moved by exactly the net approved amount and the audit chain verifies.
 *
 * The seed is printed; BASTION_DAY_SEED=<n> replays a day.
 */
const seed = Number(process.env['BASTION_DAY_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
process.stdout.write(`business day seed ${seed} (replay with BASTION_DAY_SEED=${seed})\n`);

/** mulberry32: small, seedable, good enough to pick cards and amounts. */
function randomFrom(start: number): () => number {
  let state = start >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

type Category = 'approve' | 'balance' | 'funds-51' | 'expired-54' | 'lost-41' | 'wrong-pin-55';

interface PlannedTransaction {
  readonly kind: 'sale' | 'balance-inquiry';
  readonly card: TestCardDefinition;
  readonly entry: EntryMethod;
  readonly pin?: string;
  readonly amountMinor: bigint;
  readonly expectedCode: string;
}

/** Each batch's categories are fixed (every kind of outcome happens whatever the seed); the seed orders them and picks cards, entry methods and amounts. */
const batchOneCategories: Category[] = [...Array<Category>(18).fill('approve'), ...Array<Category>(4).fill('balance'), 'funds-51', 'funds-51', 'funds-51', 'expired-54', 'expired-54', 'lost-41', 'wrong-pin-55', 'wrong-pin-55'];
const batchTwoCategories: Category[] = [...Array<Category>(10).fill('approve'), 'balance', 'balance', 'funds-51', 'expired-54'];

function plan(categories: readonly Category[], random: () => number): PlannedTransaction[] {
  const pick = <T>(choices: readonly T[]): T => choices[Math.floor(random() * choices.length)] as T;
  const amount = (minMinor: number, maxMinor: number): bigint => BigInt(minMinor + Math.floor(random() * (maxMinor - minMinor + 1)));
  const shuffled = [...categories];
  for (let index = shuffled.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    [shuffled[index], shuffled[other]] = [shuffled[other] as Category, shuffled[index] as Category];
  }
  return shuffled.map((category): PlannedTransaction => {
    const chipEntry = pick<EntryMethod>(['chip', 'contactless']);
    switch (category) {
      case 'approve': {
        const choice = pick(['chip-pin', 'chip-no-pin', 'swipe-pin'] as const);
        if (choice === 'chip-pin') return { kind: 'sale', card: testCard('approve-chip-pin'), entry: chipEntry, pin: '1234', amountMinor: amount(1, 80_000), expectedCode: '00' };
        if (choice === 'chip-no-pin') return { kind: 'sale', card: testCard('chip-no-pin'), entry: chipEntry, amountMinor: amount(1, 80_000), expectedCode: '00' };
        return { kind: 'sale', card: testCard('approve-magstripe'), entry: 'swipe', pin: '1234', amountMinor: amount(1, 80_000), expectedCode: '00' };
      }
      case 'balance':
        return pick([
          { kind: 'balance-inquiry', card: testCard('approve-magstripe'), entry: 'swipe', pin: '1234', amountMinor: 0n, expectedCode: '00' } as const,
          { kind: 'balance-inquiry', card: testCard('approve-chip-pin'), entry: chipEntry, pin: '1234', amountMinor: 0n, expectedCode: '00' } as const,
        ]);
      case 'funds-51':
        return { kind: 'sale', card: testCard('insufficient-funds'), entry: chipEntry, pin: '1234', amountMinor: amount(1_001, 90_000), expectedCode: '51' };
      case 'expired-54':
        return { kind: 'sale', card: testCard('expired'), entry: chipEntry, pin: '1234', amountMinor: amount(1, 80_000), expectedCode: '54' };
      case 'lost-41':
        return { kind: 'sale', card: testCard('lost'), entry: chipEntry, pin: '1234', amountMinor: amount(1, 80_000), expectedCode: '41' };
      case 'wrong-pin-55':
        // Two wrong PINs at most: the third would block the card (75).
        return { kind: 'sale', card: testCard('pin-to-block'), entry: chipEntry, pin: '1234', amountMinor: amount(1, 80_000), expectedCode: '55' };
    }
  });
}

interface ApprovedSale {
  readonly receipt: Receipt & { readonly rrn: string };
  readonly card: TestCardDefinition;
  readonly amountMinor: bigint;
}

describe.each(databases)('a full business day of one terminal over TCP on $name', (database) => {
  let fixture: SimulatorFixture;

  beforeEach(async () => {
    fixture = await openSimulatorFixture(database);
  });

  afterEach(async () => {
    await fixture.close();
  });

  it('runs a day: 50 transactions, a lost reply reversed, voids, a refund, a pre-auth and its completion, two settlements; ledger balanced at every step, terminal totals = host totals, issuer moved by the net', async () => {
    const random = randomFrom(seed);
    const context = fixture.context;
    /** What each card's issuer balance must have moved by: approved sales minus voids and refunds. */
    const takenByProfile = new Map<string, bigint>();
    const take = (card: TestCardDefinition, amountMinor: bigint): void => {
      takenByProfile.set(card.profile, (takenByProfile.get(card.profile) ?? 0n) + amountMinor);
    };
    let steps = 0;
    let transactions = 0;
    const ledgerBalances = async (step: string): Promise<void> => {
      steps += 1;
      const verification = await fixture.host.ledger.verifyLedger();
      expect(verification.ok, `seed ${seed}: ledger after ${step}`).toBe(true);
    };
    const expectIssuerMoved = async (card: TestCardDefinition): Promise<void> => {
      expect(await issuerBalance(fixture.host, card), `issuer balance of ${card.profile}`).toBe(card.balanceMinor - (takenByProfile.get(card.profile) ?? 0n));
    };

    /** A hotel-style pre-auth: the money is held, not taken; the completion takes a little less and ends the hold. */
    const preAuthWithCompletion = async (): Promise<bigint> => {
      const card = testCard('approve-magstripe');
      const heldMinor = BigInt(1_000 + Math.floor(random() * 50_000));
      const held = await preAuthTransaction(context, { card, amountMinor: heldMinor, pin: '1234' });
      transactions += 1;
      expect(held).toMatchObject({ approved: true, transaction: 'pre-auth', amountMinor: heldMinor });
      expect(loadPreAuths(fixture.dataDir, TERMINAL_ID).map((record) => record.trace)).toEqual([held.trace]);
      await expectIssuerMoved(card);
      await ledgerBalances('pre-auth');
      const completedMinor = heldMinor - BigInt(Math.floor(random() * 1_000));
      const completed = await completionTransaction(context, { trace: held.trace, amountMinor: completedMinor });
      transactions += 1;
      expect(completed).toMatchObject({ approved: true, transaction: 'completion', amountMinor: completedMinor });
      take(card, completedMinor);
      await expectIssuerMoved(card);
      await ledgerBalances('completion');
      return completedMinor;
    };

    const run = async (planned: readonly PlannedTransaction[]): Promise<ApprovedSale[]> => {
      const approved: ApprovedSale[] = [];
      for (const [index, step] of planned.entries()) {
        const receipt = await transact(context, { kind: step.kind, card: step.card, entry: step.entry, ...(step.pin === undefined ? {} : { pin: step.pin }), ...(step.kind === 'sale' ? { amountMinor: step.amountMinor } : {}) });
        transactions += 1;
        const label = `seed ${seed} #${index} ${step.kind} ${step.card.profile} ${step.entry}${step.pin === undefined ? '' : ' PIN'} ${step.amountMinor}`;
        expect(receipt.responseCode, label).toBe(step.expectedCode);
        if (step.kind === 'sale' && receipt.approved) {
          if (receipt.rrn === undefined) throw new Error(`${label}: an approval without an RRN`);
          take(step.card, step.amountMinor);
          approved.push({ receipt: { ...receipt, rrn: receipt.rrn }, card: step.card, amountMinor: step.amountMinor });
        }
        if (step.kind === 'balance-inquiry') expect(receipt.balanceMinor, label).toBe(step.card.balanceMinor - (takenByProfile.get(step.card.profile) ?? 0n));
        await ledgerBalances(label);
      }
      return approved;
    };

    // Morning: sign-in.
    expect(await signInTerminal(context)).toMatchObject({ signedIn: true, batchNumber: '000001' });
    await ledgerBalances('sign-in');

    // Batch 1: the first half of the mix.
    const batchOne = plan(batchOneCategories, random);
    const approvedOne = await run(batchOne.slice(0, 16));

    // A lost reply: the host approved the sale, the terminal never saw the answer.
    const magstripe = testCard('approve-magstripe');
    const lostAmountMinor = BigInt(1 + Math.floor(random() * 10_000));
    const lost = await transact(context, { kind: 'sale', card: magstripe, entry: 'swipe', pin: '1234', amountMinor: lostAmountMinor, dropResponse: true });
    transactions += 1;
    expect(lost).toMatchObject({ approved: false, responseCode: '' });
    expect(fixture.state().pendingReversal?.trace).toBe(lost.trace);
    expect(await issuerBalance(fixture.host, magstripe)).toBe(magstripe.balanceMinor - (takenByProfile.get(magstripe.profile) ?? 0n) - lostAmountMinor);
    await ledgerBalances('the lost reply');
    // The next transaction sends the reversal first: the money comes back.
    approvedOne.push(...(await run(batchOne.slice(16, 17))));
    expect(fixture.state().pendingReversal).toBeUndefined();
    await expectIssuerMoved(magstripe);
    approvedOne.push(...(await run(batchOne.slice(17))));

    // Two voids and a refund of (half) a third sale, all of stripe or chip sales alike; signatures for three sales.
    expect(approvedOne.length).toBeGreaterThanOrEqual(5);
    const [firstVoided, secondVoided, refunded, ...others] = approvedOne as [ApprovedSale, ApprovedSale, ApprovedSale, ...ApprovedSale[]];
    for (const sale of [firstVoided, secondVoided]) {
      const voided = await voidTransaction(context, { trace: sale.receipt.trace, card: sale.card });
      transactions += 1;
      expect(voided, `void of ${sale.receipt.trace}`).toMatchObject({ approved: true, transaction: 'void', amountMinor: sale.amountMinor });
      take(sale.card, -sale.amountMinor);
      await expectIssuerMoved(sale.card);
      await ledgerBalances(`void of ${sale.receipt.trace}`);
    }
    const refundMinor = refunded.amountMinor - refunded.amountMinor / 2n;
    const refund = await refundTransaction(context, { rrn: refunded.receipt.rrn, amountMinor: refundMinor, card: refunded.card });
    transactions += 1;
    expect(refund).toMatchObject({ approved: true, transaction: 'refund', amountMinor: refundMinor });
    take(refunded.card, -refundMinor);
    await expectIssuerMoved(refunded.card);
    await ledgerBalances('refund');
    for (const sale of others.slice(0, 3)) {
      const signed = await uploadSignature(context, { trace: sale.receipt.trace, rrn: sale.receipt.rrn, image: squiggleSignature(sale.receipt.trace) });
      expect(signed, `signature of ${sale.receipt.trace}`).toMatchObject({ stored: true, responseCode: '00' });
      await ledgerBalances(`signature of ${sale.receipt.trace}`);
    }

    const completedMinor = await preAuthWithCompletion();

    // Settlement of batch 1: the terminal's journal balances with the host, the batch closes.
    const journalOne = journalTotals(loadJournal(fixture.dataDir, TERMINAL_ID, '000001').entries);
    const expectedOne = totalsOf([...approvedOne.map((sale) => sale.amountMinor), completedMinor], [firstVoided.amountMinor, secondVoided.amountMinor, refundMinor]);
    expect(journalOne).toEqual(expectedOne);
    const settledOne = await settleTerminal(context);
    expect(settledOne).toMatchObject({ responseCode: '00', domesticResult: '1', balanced: true, uploadedCount: 0, nextBatchNumber: '000002' });
    expect(settledOne.claimed).toEqual(journalOne);
    expect(await fixture.host.settlement.find(TERMINAL_ID, '000001')).toMatchObject({ status: 'closed', domesticResult: '1', hostTotals: journalOne });
    await ledgerBalances('settlement of batch 1');

    // Batch 2: more of the day, then a settlement whose totals the terminal gets wrong.
    const approvedTwo = await run(plan(batchTwoCategories, random));
    const journalTwo = journalTotals(loadJournal(fixture.dataDir, TERMINAL_ID, '000002').entries);
    expect(journalTwo).toEqual(totalsOf(approvedTwo.map((sale) => sale.amountMinor), []));
    const settledTwo = await settleTerminal(context, { skewMinor: 100n });
    expect(settledTwo).toMatchObject({ responseCode: '00', domesticResult: '2', balanced: false, uploadedCount: approvedTwo.length, nextBatchNumber: '000003' });
    expect(await fixture.host.settlement.find(TERMINAL_ID, '000002')).toMatchObject({ status: 'closed', domesticResult: '2', uploadedCount: BigInt(approvedTwo.length), hostTotals: journalTwo });
    expect(await fixture.host.settlement.differences(TERMINAL_ID, '000002')).toEqual([]);
    await ledgerBalances('settlement of batch 2');

    // Evening: sign-out.
    expect(await signOutTerminal(context)).toMatchObject({ responseCode: '00', signedOut: true });
    await ledgerBalances('sign-out');

    expect(transactions).toBe(50);
    expect(steps).toBeGreaterThan(transactions);
    for (const profile of ['approve-chip-pin', 'chip-no-pin', 'approve-magstripe', 'insufficient-funds', 'expired', 'lost', 'pin-to-block']) await expectIssuerMoved(testCard(profile));
    const takenMinor = [...takenByProfile.values()].reduce((sum, amount) => sum + amount, 0n);
    const money = await hostMoney(fixture.host);
    expect(money.receivable).toBe(takenMinor);
    expect(money.payable + money.fees).toBe(takenMinor);
    expect((await verifyAuditLog(fixture.host.store, { chainKey: testChainKey })).intact).toBe(true);
  });
});

function totalsOf(debitsMinor: readonly bigint[], creditsMinor: readonly bigint[]): JournalTotals {
  const sum = (amounts: readonly bigint[]): bigint => amounts.reduce((total, amount) => total + amount, 0n);
  return { debitAmountMinor: sum(debitsMinor), debitCount: BigInt(debitsMinor.length), creditAmountMinor: sum(creditsMinor), creditCount: BigInt(creditsMinor.length) };
}
