import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NetworkResponse } from '../../../ports/network.js';
import { databases } from '../../store/test-databases.js';
import { IssuerSimulator } from './issuer-simulator.js';
import { testCard } from './seed-cards.js';
import type { IssuerTables } from './tables.js';
import { openIssuer, pinUnderZpk, requestFor, type IssuerFixture } from './test-issuer.js';

const watchedHsmCalls = new Set(['verifyArqc', 'generateArpc', 'verifyPinPvv', 'verifyCvv']);

function outcomeOf(response: NetworkResponse): string {
  return `${response.outcome} ${response.reason} ${response.responseCode}`;
}

describe.each(databases)('the issuer\'s card checks before the transaction, on $name', (database) => {
  let fixture: IssuerFixture;
  /** HSM calls as [method, made inside a transaction of the simulator] */
  const calls: [string, boolean][] = [];
  let simulator: IssuerSimulator;

  beforeAll(async () => {
    fixture = await openIssuer(database);
    let transactionsOpen = 0;
    const store = new Proxy(fixture.store, {
      get: (target, name) => {
        const value: unknown = Reflect.get(target, name);
        if (name !== 'transact') return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        return (work: (trx: unknown) => Promise<unknown>) =>
          target.transact(async (trx) => {
            transactionsOpen += 1;
            try {
              return await work(trx);
            } finally {
              transactionsOpen -= 1;
            }
          });
      },
    });
    const hsm = new Proxy(fixture.hsm, {
      get: (target, name) => {
        const value: unknown = Reflect.get(target, name);
        if (typeof value !== 'function') return value;
        const bound = (value as (...args: unknown[]) => unknown).bind(target);
        if (typeof name !== 'string' || !watchedHsmCalls.has(name)) return bound;
        return (request: unknown) => {
          calls.push([name, transactionsOpen > 0]);
          return bound(request);
        };
      },
    });
    simulator = await IssuerSimulator.open({ store, hsm, clock: fixture.clock.now });
  });
  afterAll(async () => {
    await fixture.store.close();
  });

  const setCard = async (profile: string, columns: Partial<Record<'pvv' | 'emv_psn' | 'service_code', string>>): Promise<void> => {
    await fixture.store.db<IssuerTables>().updateTable('issuer_cards').set(columns).where('profile', '=', profile).execute();
  };

  it('checks the cryptogram and the PIN of a card it has seen before outside the transaction; the ARPC, which needs the decision, inside', async () => {
    const card = testCard('chip-mchip-style');
    const sale = async (): Promise<string> => outcomeOf(await simulator.authorize(requestFor(card, { amountMinor: 100n, pinData: await pinUnderZpk(fixture, card, card.testPin) })));
    // Seen for the first time: checked in the transaction, as before; from then on, before it.
    for (const checkedInside of [true, false]) {
      calls.length = 0;
      expect(await sale()).toBe('approved approved 00');
      expect(calls).toEqual([
        ['verifyArqc', checkedInside],
        ['verifyPinPvv', checkedInside],
        ['generateArpc', true],
      ]);
    }
  });

  it('does not check the PIN ahead when the cryptogram failed', async () => {
    const card = testCard('chip-mchip-style');
    const request = requestFor(card, { amountMinor: 100n, pinData: await pinUnderZpk(fixture, card, card.testPin) });
    const chip = request.chip;
    if (chip === undefined) throw new Error('no chip data');
    const arqc = Buffer.from(chip.arqc);
    arqc[0] = (arqc[0] ?? 0) ^ 1;
    calls.length = 0;
    expect(outcomeOf(await simulator.authorize({ ...request, chip: { ...chip, arqc } }))).toBe('declined cryptogram-failure 34');
    expect(calls.map(([method]) => method)).not.toContain('verifyPinPvv');
  });

  it('decides on the PVV as the transaction reads it: a PIN right for the remembered PVV is wrong after a PIN change', async () => {
    const card = testCard('approve-chip-pin');
    const withPin = async (): Promise<string> => outcomeOf(await simulator.authorize(requestFor(card, { amountMinor: 100n, pinData: await pinUnderZpk(fixture, card, card.testPin) })));
    expect(await withPin()).toBe('approved approved 00');
    await setCard('approve-chip-pin', { pvv: '0000' });
    calls.length = 0;
    expect(await withPin()).toBe('declined incorrect-pin 55');
    // The check made ahead on the remembered PVV was not used: the transaction checked again.
    expect(calls).toContainEqual(['verifyPinPvv', true]);
    const row = await fixture.store.db<IssuerTables>().selectFrom('issuer_cards').select('pin_tries_used').where('profile', '=', 'approve-chip-pin').executeTakeFirstOrThrow();
    expect(row.pin_tries_used).toBe(1n);
  });

  it('decides on the EMV profile as the transaction reads it: a cryptogram good for the remembered PSN fails after the PSN changed', async () => {
    const card = testCard('chip-no-pin');
    const sale = async (): Promise<string> => outcomeOf(await simulator.authorize(requestFor(card, { amountMinor: 100n })));
    expect(await sale()).toBe('approved approved 00');
    await setCard('chip-no-pin', { emv_psn: '02' });
    expect(await sale()).toBe('declined cryptogram-failure 34');
  });

  it('decides on the service code as the transaction reads it: a track good for the remembered one fails its CVV after it changed', async () => {
    const card = testCard('approve-magstripe');
    const swipe = async (): Promise<string> => outcomeOf(await simulator.authorize(requestFor(card, { amountMinor: 100n, pinData: await pinUnderZpk(fixture, card, card.testPin) })));
    expect(await swipe()).toBe('approved approved 00');
    calls.length = 0;
    expect(await swipe()).toBe('approved approved 00');
    expect(calls).toEqual([
      ['verifyCvv', false],
      ['verifyPinPvv', false],
    ]);
    await setCard('approve-magstripe', { service_code: '120' });
    expect(await swipe()).toBe('declined cvv-failure 34');
  });
});
