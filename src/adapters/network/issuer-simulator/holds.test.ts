import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AdjustmentRequest } from '../../../ports/network.js';
import { databases } from '../../store/test-databases.js';
import { HOLD_LIFETIME_MS_DEFAULT } from './holds.js';
import { testCard, type TestCardDefinition } from './seed-cards.js';
import type { IssuerTables } from './tables.js';
import { openIssuer, requestFor, type IssuerFixture } from './test-issuer.js';

const card: TestCardDefinition = { ...testCard('approve-magstripe'), profile: 'holds', pan: '6212340000000175', balanceMinor: 100_000n, dailyLimitMinor: 1_000_000n };
const otherCard: TestCardDefinition = { ...card, profile: 'holds-other', pan: '6212340000000183' };
const acquirer = { retrievalReferenceNumber: '000000000001', systemTraceAuditNumber: '000001', terminalId: '10000001', merchantId: '102581054110001' };

describe.each(databases)('issuer simulator pre-authorisation holds on $name', (database) => {
  let fixture: IssuerFixture;
  const preAuths = new Map<string, ReturnType<typeof requestFor>>();

  beforeEach(async () => {
    preAuths.clear();
    fixture = await openIssuer(database, [card, otherCard]);
  });
  afterEach(async () => {
    await fixture.store.close();
  });

  async function account(): Promise<{ balance: bigint; held: bigint }> {
    const rows = await fixture.store.db<IssuerTables>().selectFrom('issuer_cards').select(['balance_minor', 'held_minor', 'profile']).execute();
    const row = rows.find((each) => each.profile === card.profile);
    return { balance: row?.balance_minor ?? -1n, held: row?.held_minor ?? -1n };
  }

  async function available(): Promise<bigint | undefined> {
    const answer = await fixture.simulator.authorize(requestFor(card, { kind: 'balance-inquiry' }));
    return answer.outcome === 'approved' ? answer.balance?.amountMinor : undefined;
  }

  async function preAuth(key: string, amountMinor: bigint): Promise<string> {
    // A retry is the same request again (same trace and references).
    const request = preAuths.get(key) ?? requestFor(card, { kind: 'pre-auth', idempotencyKey: key, amountMinor });
    preAuths.set(key, request);
    return (await fixture.simulator.authorize(request)).responseCode;
  }

  async function adjust(kind: AdjustmentRequest['kind'], key: string, originalKey: string, amountMinor: bigint, pan?: string): Promise<string> {
    return (await fixture.simulator.adjust({ kind, idempotencyKey: key, originalIdempotencyKey: originalKey, amountMinor, currency: card.currency, ...(pan === undefined ? {} : { pan }), acquirer })).responseCode;
  }

  it('a pre-auth holds money (available, not balance, goes down); its void releases it once; a sale cannot spend what is held', async () => {
    expect(await preAuth('p1', 60_000n)).toBe('00');
    expect(await preAuth('p1', 60_000n)).toBe('00');
    expect(await account()).toEqual({ balance: 100_000n, held: 60_000n });
    expect(await available()).toBe(40_000n);
    expect((await fixture.simulator.authorize(requestFor(card, { amountMinor: 50_000n }))).responseCode).toBe('51');
    expect(await preAuth('p2', 50_000n)).toBe('51');
    expect(await adjust('pre-auth-void', 'pv0', 'p1', 59_999n)).toBe('13');
    expect(await adjust('pre-auth-void', 'pv1', 'p1', 60_000n, otherCard.pan)).toBe('25');
    expect(await adjust('pre-auth-void', 'pv2', 'p1', 60_000n, card.pan)).toBe('00');
    expect(await adjust('pre-auth-void', 'pv3', 'p1', 60_000n, card.pan)).toBe('12');
    expect(await adjust('completion', 'c1', 'p1', 60_000n)).toBe('12');
    expect(await available()).toBe(100_000n);
    expect(await account()).toEqual({ balance: 100_000n, held: 0n });
  });

  it('a completion takes up to the hold plus 15%, releases the hold, and only once; its void gives the money back', async () => {
    expect(await preAuth('p1', 20_000n)).toBe('00');
    expect(await adjust('completion', 'c0', 'p1', 23_001n)).toBe('13');
    expect(await adjust('completion', 'c0b', 'sale-never', 1_000n)).toBe('25');
    expect(await adjust('completion', 'c1', 'p1', 23_000n, card.pan)).toBe('00');
    expect(await adjust('completion', 'c1', 'p1', 23_000n, card.pan)).toBe('00');
    expect(await account()).toEqual({ balance: 77_000n, held: 0n });
    expect(await adjust('completion', 'c2', 'p1', 1_000n)).toBe('12');
    expect(await adjust('pre-auth-void', 'pv1', 'p1', 20_000n)).toBe('12');
    expect(await adjust('completion-void', 'cv0', 'c1', 22_999n)).toBe('13');
    expect(await adjust('completion-void', 'cv1', 'c1', 23_000n, card.pan)).toBe('00');
    expect(await adjust('completion-void', 'cv2', 'c1', 23_000n)).toBe('12');
    // The completion void does not put the hold back: the pre-auth is finished.
    expect(await account()).toEqual({ balance: 100_000n, held: 0n });
    expect(await adjust('completion', 'c3', 'p1', 1_000n)).toBe('12');
  });

  it('a hold expires: lazily at a completion after its lifetime, or by the sweep', async () => {
    expect(await preAuth('p1', 10_000n)).toBe('00');
    expect(await preAuth('p2', 30_000n)).toBe('00');
    fixture.clock.advance(HOLD_LIFETIME_MS_DEFAULT - 1n);
    expect(await fixture.simulator.expireHolds()).toBe(0);
    expect(await available()).toBe(60_000n);
    fixture.clock.advance(1n);
    expect(await adjust('completion', 'c1', 'p1', 10_000n)).toBe('12');
    expect(await account()).toEqual({ balance: 100_000n, held: 30_000n });
    expect(await fixture.simulator.expireHolds()).toBe(1);
    expect(await fixture.simulator.expireHolds()).toBe(0);
    expect(await account()).toEqual({ balance: 100_000n, held: 0n });
    expect(await adjust('completion', 'c2', 'p2', 30_000n)).toBe('12');
    expect(await adjust('pre-auth-void', 'pv2', 'p2', 30_000n)).toBe('12');
  });

  it('reversals: of a pre-auth release its hold; of a completion give the money back; of a completion void take it again', async () => {
    expect(await preAuth('p1', 10_000n)).toBe('00');
    expect(await adjust('reversal', 'r1', 'p1', 10_000n)).toBe('00');
    expect(await account()).toEqual({ balance: 100_000n, held: 0n });
    expect(await adjust('completion', 'c1', 'p1', 10_000n)).toBe('12');

    expect(await preAuth('p2', 10_000n)).toBe('00');
    expect(await adjust('completion', 'c2', 'p2', 11_000n)).toBe('00');
    expect(await account()).toEqual({ balance: 89_000n, held: 0n });
    expect(await adjust('reversal', 'r2', 'c2', 11_000n)).toBe('00');
    expect(await adjust('reversal', 'r2', 'c2', 11_000n)).toBe('00');
    expect(await account()).toEqual({ balance: 100_000n, held: 0n });

    expect(await preAuth('p3', 10_000n)).toBe('00');
    expect(await adjust('completion', 'c3', 'p3', 10_000n)).toBe('00');
    expect(await adjust('completion-void', 'cv3', 'c3', 10_000n)).toBe('00');
    expect(await adjust('reversal', 'r3', 'cv3', 10_000n)).toBe('00');
    expect(await account()).toEqual({ balance: 90_000n, held: 0n });
  });

  it('concurrent completions of one hold: exactly one is approved', async () => {
    expect(await preAuth('p1', 10_000n)).toBe('00');
    const codes = await Promise.all([1, 2, 3, 4].map((index) => adjust('completion', `c${index}`, 'p1', 10_000n)));
    expect(codes.filter((code) => code === '00')).toHaveLength(1);
    expect(codes.filter((code) => code === '12')).toHaveLength(3);
    expect(await account()).toEqual({ balance: 90_000n, held: 0n });
  });
});
