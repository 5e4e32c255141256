import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AdjustmentRequest } from '../../../ports/network.js';
import type { Store } from '../../../ports/store.js';
import { secondStoreOn } from '../../../domain/card-data/test-card-data.js';
import { databases } from '../../store/test-databases.js';
import { IssuerSimulator } from './issuer-simulator.js';
import { testCard, type TestCardDefinition } from './seed-cards.js';
import type { IssuerTables } from './tables.js';
import { openIssuer, requestFor, type IssuerFixture } from './test-issuer.js';

const card: TestCardDefinition = { ...testCard('approve-magstripe'), profile: 'adjustments', pan: '6212340000000159', balanceMinor: 100_000n, dailyLimitMinor: 1_000_000n };
const otherCard: TestCardDefinition = { ...card, profile: 'adjustments-other', pan: '6212340000000167' };
const acquirer = { retrievalReferenceNumber: '000000000001', systemTraceAuditNumber: '000001', terminalId: '10000001', merchantId: '102581054110001' };

describe.each(databases)('issuer simulator voids, refunds and reversals on $name', (database) => {
  let fixture: IssuerFixture;
  let otherStore: Store | undefined;

  beforeEach(async () => {
    fixture = await openIssuer(database, [card, otherCard]);
  });
  afterEach(async () => {
    await otherStore?.close();
    otherStore = undefined;
    await fixture.store.close();
  });

  async function balance(definition: TestCardDefinition = card): Promise<bigint> {
    const rows = await fixture.store.db<IssuerTables>().selectFrom('issuer_cards').select(['balance_minor', 'profile']).execute();
    return rows.find((row) => row.profile === definition.profile)?.balance_minor ?? -1n;
  }

  async function sale(key: string, amountMinor = 10_000n): Promise<void> {
    const answer = await fixture.simulator.authorize(requestFor(card, { idempotencyKey: key, amountMinor }));
    expect(answer.responseCode).toBe('00');
  }

  function adjustment(kind: AdjustmentRequest['kind'], key: string, originalKey: string, amountMinor: bigint, pan?: string): AdjustmentRequest {
    return { kind, idempotencyKey: key, originalIdempotencyKey: originalKey, amountMinor, currency: card.currency, ...(pan === undefined ? {} : { pan }), acquirer };
  }

  it('a void gives the whole sale back once; a second void is 12; another card or amount is 25 / 13', async () => {
    await sale('s1');
    expect(await balance()).toBe(90_000n);
    expect((await fixture.simulator.adjust(adjustment('void', 'v0', 's1', 10_000n, otherCard.pan))).responseCode).toBe('25');
    expect((await fixture.simulator.adjust(adjustment('void', 'v0b', 's1', 9_999n, card.pan))).responseCode).toBe('13');
    const first = await fixture.simulator.adjust(adjustment('void', 'v1', 's1', 10_000n, card.pan));
    expect(first.responseCode).toBe('00');
    expect(await fixture.simulator.adjust(adjustment('void', 'v1', 's1', 10_000n, card.pan))).toEqual(first);
    expect((await fixture.simulator.adjust(adjustment('void', 'v2', 's1', 10_000n, card.pan))).responseCode).toBe('12');
    expect((await fixture.simulator.adjust(adjustment('void', 'v3', 'never', 10_000n, card.pan))).responseCode).toBe('25');
    expect(await balance()).toBe(100_000n);
  });

  it('refunds add up to the sale at most, also when they race', async () => {
    await sale('s1');
    const simulators = [fixture.simulator];
    if (database.name === 'postgres') {
      otherStore = await secondStoreOn(fixture.store);
      simulators.push(await IssuerSimulator.open({ store: otherStore, hsm: fixture.hsm, clock: fixture.clock.now }));
    }
    const answers = await Promise.all(Array.from({ length: 8 }, (_, index) => (simulators[index % simulators.length] as IssuerSimulator).adjust(adjustment('refund', `r${String(index)}`, 's1', 3_000n))));
    expect(answers.filter((answer) => answer.responseCode === '00')).toHaveLength(3);
    expect(answers.filter((answer) => answer.responseCode === '13')).toHaveLength(5);
    expect(await balance()).toBe(99_000n);
  });

  it('a reversal of an approved sale restores the card once; repeated it answers the same', async () => {
    await sale('s1');
    const first = await fixture.simulator.adjust(adjustment('reversal', 's1:rev', 's1', 10_000n));
    expect(first.responseCode).toBe('00');
    expect(await fixture.simulator.adjust(adjustment('reversal', 's1:rev', 's1', 10_000n))).toEqual(first);
    expect((await fixture.simulator.adjust(adjustment('reversal', 's1:rev2', 's1', 10_000n))).responseCode).toBe('00');
    expect(await balance()).toBe(100_000n);
  });

  it('a reversal before its authorization makes the authorization declined 12, and moves nothing', async () => {
    expect((await fixture.simulator.adjust(adjustment('reversal', 'k:rev', 'k', 10_000n))).responseCode).toBe('00');
    const late = await fixture.simulator.authorize(requestFor(card, { idempotencyKey: 'k', amountMinor: 10_000n }));
    expect(late.responseCode).toBe('12');
    expect(await balance()).toBe(100_000n);
  });

  it('a reversal of a void takes the money again and lets the sale be refunded again', async () => {
    await sale('s1');
    expect((await fixture.simulator.adjust(adjustment('void', 'v1', 's1', 10_000n, card.pan))).responseCode).toBe('00');
    expect((await fixture.simulator.adjust(adjustment('reversal', 'v1:rev', 'v1', 10_000n))).responseCode).toBe('00');
    expect(await balance()).toBe(90_000n);
    expect((await fixture.simulator.adjust(adjustment('refund', 'r1', 's1', 10_000n))).responseCode).toBe('00');
    expect(await balance()).toBe(100_000n);
  });
});
