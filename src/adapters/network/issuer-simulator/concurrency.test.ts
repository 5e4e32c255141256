import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { secondStoreOn } from '../../../domain/card-data/test-card-data.js';
import type { NetworkResponse } from '../../../ports/network.js';
import type { Store } from '../../../ports/store.js';
import { databases } from '../../store/test-databases.js';
import { IssuerSimulator } from './issuer-simulator.js';
import { PIN_TRIES_LIMIT } from './pin-check.js';
import { testCard, type TestCardDefinition } from './seed-cards.js';
import type { IssuerTables } from './tables.js';
import { openIssuer, pinUnderZpk, requestFor, type IssuerFixture } from './test-issuer.js';

const saleAmountMinor = 2_500n;
/** Funds for exactly ten sales of saleAmountMinor. */
const tenSales: TestCardDefinition = {
  ...testCard('approve-magstripe'),
  profile: 'funds-for-ten',
  pan: '6212340000000134',
  balanceMinor: 10n * saleAmountMinor,
  dailyLimitMinor: 1_000_000n,
};
const tenSalesByLimit: TestCardDefinition = { ...tenSales, profile: 'limit-for-ten', pan: '6212340000000142', balanceMinor: 1_000_000n, dailyLimitMinor: 10n * saleAmountMinor };
const pinCard = testCard('pin-to-block');
const chipCard = testCard('chip-no-pin');
const chipPinCard = testCard('approve-chip-pin');

/**
 * Several hosts may share one PostgreSQL database: there the requests go through two simulators
 * on two stores with their own connection pools, as two processes would. SQLite is one process
 * by design; there they go through one store, whose transactions the driver serialises.
 * Requests use the stripe: one card's chip counts its ATC one transaction at a time, so
 * concurrent chip requests of one card would (rightly) be refused as replays.
 */
describe.each(databases)('issuer simulator under concurrency on $name', (database) => {
  let fixture: IssuerFixture;
  let otherStore: Store | undefined;
  let simulators: IssuerSimulator[];
  beforeEach(async () => {
    fixture = await openIssuer(database, [tenSales, tenSalesByLimit, pinCard, chipCard, chipPinCard]);
    simulators = [fixture.simulator];
    if (database.name === 'postgres') {
      otherStore = await secondStoreOn(fixture.store);
      simulators.push(await IssuerSimulator.open({ store: otherStore, hsm: fixture.hsm, clock: fixture.clock.now }));
    }
  });
  afterEach(async () => {
    await otherStore?.close();
    otherStore = undefined;
    await fixture.store.close();
  });

  const simulatorFor = (index: number): IssuerSimulator => simulators[index % simulators.length] ?? fixture.simulator;
  const balanceOf = async (profile: string): Promise<bigint> =>
    (await fixture.store.db<IssuerTables>().selectFrom('issuer_cards').select('balance_minor').where('profile', '=', profile).executeTakeFirstOrThrow()).balance_minor;

  it('20 concurrent sales on a card with funds for 10: exactly 10 approved, the balance never below zero', async () => {
    const requests = Array.from({ length: 20 }, () => requestFor(tenSales, { amountMinor: saleAmountMinor }));
    const responses = await Promise.all(requests.map((request, index) => simulatorFor(index).authorize(request)));
    expect(responses.filter((response) => response.reason === 'approved')).toHaveLength(10);
    expect(responses.filter((response) => response.reason === 'insufficient-funds')).toHaveLength(10);
    expect(await balanceOf('funds-for-ten')).toBe(0n);
  });

  it('20 concurrent sales against a daily limit for 10: exactly 10 approved', async () => {
    const responses = await Promise.all(Array.from({ length: 20 }, (_, index) => simulatorFor(index).authorize(requestFor(tenSalesByLimit, { amountMinor: saleAmountMinor }))));
    expect(responses.filter((response) => response.reason === 'approved')).toHaveLength(10);
    expect(responses.filter((response) => response.reason === 'exceeds-limit')).toHaveLength(10);
    expect(await balanceOf('limit-for-ten')).toBe(tenSalesByLimit.balanceMinor - 10n * saleAmountMinor);
  });

  it('20 concurrent copies of one request: one decision, identical answers, one debit', async () => {
    const request = requestFor(tenSales, { amountMinor: saleAmountMinor });
    const responses = await Promise.all(Array.from({ length: 20 }, (_, index) => simulatorFor(index).authorize(request)));
    const first = responses[0] as NetworkResponse;
    expect(first.reason).toBe('approved');
    for (const response of responses) expect(response).toEqual(first);
    expect(await balanceOf('funds-for-ten')).toBe(9n * saleAmountMinor);
    const rows = await fixture.store.db<IssuerTables>().selectFrom('issuer_authorizations').select('id').where('idempotency_key', '=', request.idempotencyKey).execute();
    expect(rows).toHaveLength(1);
  });

  it('20 concurrent copies of one chip request: one decision, identical answers with the ARPC, one debit, the ATC advanced once', async () => {
    const before = await balanceOf('chip-no-pin');
    const request = requestFor(chipCard, { amountMinor: saleAmountMinor });
    const responses = await Promise.all(Array.from({ length: 20 }, (_, index) => simulatorFor(index).authorize(request)));
    const first = responses[0] as NetworkResponse;
    expect(first.reason).toBe('approved');
    expect(first.issuerAuthentication).toBeDefined();
    for (const response of responses) expect(response).toEqual(first);
    expect(await balanceOf('chip-no-pin')).toBe(before - saleAmountMinor);
    const card = await fixture.store.db<IssuerTables>().selectFrom('issuer_cards').select('atc_high_water').where('profile', '=', 'chip-no-pin').executeTakeFirstOrThrow();
    expect(card.atc_high_water).toBe(BigInt(request.chip?.atc.readUInt16BE(0) ?? -1));
    const rows = await fixture.store.db<IssuerTables>().selectFrom('issuer_authorizations').select(['outcome']).where('idempotency_key', '=', request.idempotencyKey).execute();
    expect(rows).toEqual([{ outcome: 'approved' }]);
  });

  it('one cryptogram sent 20 times at once under 20 keys: one approved with its ARPC, 19 declined 34 without one, one debit', async () => {
    const before = await balanceOf('chip-no-pin');
    const request = requestFor(chipCard, { amountMinor: saleAmountMinor });
    const responses = await Promise.all(Array.from({ length: 20 }, (_, index) => simulatorFor(index).authorize({ ...request, idempotencyKey: `${request.idempotencyKey}:${index}` })));
    const approved = responses.filter((response) => response.reason === 'approved');
    expect(approved).toHaveLength(1);
    expect(approved[0]?.issuerAuthentication).toBeDefined();
    const replays = responses.filter((response) => response.reason === 'cryptogram-failure');
    expect(replays).toHaveLength(19);
    for (const replay of replays) expect(replay.issuerAuthentication).toBeUndefined();
    expect(await balanceOf('chip-no-pin')).toBe(before - saleAmountMinor);
  });

  it('one cryptogram with a wrong PIN sent 10 times at once under 10 keys: one wrong PIN counted, the replays declined 34 and counting none', async () => {
    const wrongPin = await pinUnderZpk(fixture, chipPinCard, '1357');
    const request = requestFor(chipPinCard, { pinData: wrongPin });
    const responses = await Promise.all(Array.from({ length: 10 }, (_, index) => simulatorFor(index).authorize({ ...request, idempotencyKey: `${request.idempotencyKey}:${index}` })));
    expect(responses.filter((response) => response.reason === 'incorrect-pin')).toHaveLength(1);
    expect(responses.filter((response) => response.reason === 'cryptogram-failure')).toHaveLength(9);
    const row = await fixture.store.db<IssuerTables>().selectFrom('issuer_cards').select(['pin_tries_used', 'atc_high_water']).where('profile', '=', chipPinCard.profile).executeTakeFirstOrThrow();
    expect(row).toEqual({ pin_tries_used: 1n, atc_high_water: BigInt(request.chip?.atc.readUInt16BE(0) ?? -1) });
  });

  it('10 concurrent wrong PINs count at most to the limit; the PIN ends blocked and the right PIN gets 75', async () => {
    const wrongPin = await pinUnderZpk(fixture, pinCard, '1357');
    const responses = await Promise.all(Array.from({ length: 10 }, (_, index) => simulatorFor(index).authorize(requestFor(pinCard, { pinData: wrongPin, entryMode: 'fallback' }))));
    expect(responses.filter((response) => response.reason === 'incorrect-pin')).toHaveLength(PIN_TRIES_LIMIT - 1);
    expect(responses.filter((response) => response.reason === 'pin-tries-exceeded')).toHaveLength(10 - (PIN_TRIES_LIMIT - 1));
    const row = await fixture.store.db<IssuerTables>().selectFrom('issuer_cards').select('pin_tries_used').where('profile', '=', 'pin-to-block').executeTakeFirstOrThrow();
    expect(row.pin_tries_used).toBe(BigInt(PIN_TRIES_LIMIT));
    const right = await fixture.simulator.authorize(requestFor(pinCard, { pinData: await pinUnderZpk(fixture, pinCard, pinCard.testPin), entryMode: 'fallback' }));
    expect(right.reason).toBe('pin-tries-exceeded');
  });
});
