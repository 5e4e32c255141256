import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emvAtcDiversifier, emvCommonSessionKey, emvGenerateArpc, PinBlockCipher } from '../../../lib/crypto/index.js';
import { expectBastionRejection } from '../../../lib/errors/test-helpers.js';
import type { AuthorizationRequest, NetworkResponse } from '../../../ports/network.js';
import { databases } from '../../store/test-databases.js';
import { IssuerSimulator } from './issuer-simulator.js';
import { testCardTrack2, testOnlyIccMasterKey } from './card-side.js';
import { PIN_TRIES_LIMIT } from './pin-check.js';
import { testCard, testCards, type TestCardDefinition } from './seed-cards.js';
import type { IssuerTables } from './tables.js';
import { openIssuer, pinUnderZpk, requestFor, TEST_NOW_MS, type IssuerFixture, type RequestOptions } from './test-issuer.js';

/** The ARPC a card expects for `arc`, computed on the card side with the crypto library. */
function expectedArpc(card: TestCardDefinition, request: AuthorizationRequest, arc: string): Buffer {
  const chip = request.chip;
  const emv = card.emv;
  if (chip === undefined || emv === undefined) throw new Error('not a chip request');
  const masterKey = testOnlyIccMasterKey(card);
  let key = masterKey;
  if (emv.sessionKey !== 'none') {
    const r = emvAtcDiversifier(chip.atc);
    if (emv.sessionKey === 'common-un') r.set(chip.unpredictableNumber, 4);
    key = emvCommonSessionKey(masterKey, r);
  }
  return emvGenerateArpc(key, chip.arqc, { method: 1, arc: Buffer.from(arc, 'latin1') });
}

function declined(response: NetworkResponse): string {
  return `${response.outcome} ${response.reason} ${response.responseCode}`;
}

describe.each(databases)('issuer simulator on $name', (database) => {
  let fixture: IssuerFixture;
  beforeAll(async () => {
    fixture = await openIssuer(database);
  });
  afterAll(async () => {
    await fixture.store.close();
  });

  const balanceOf = async (card: TestCardDefinition): Promise<bigint> => {
    const inquiry = await fixture.simulator.authorize(requestFor(card, { kind: 'balance-inquiry', pinData: await pinUnderZpk(fixture, card, card.testPin) }));
    if (inquiry.outcome !== 'approved' || inquiry.balance === undefined) throw new Error(`balance inquiry ${declined(inquiry)}`);
    return inquiry.balance.amountMinor;
  };

  describe('chip', () => {
    it('approves a chip and PIN sale, debits it and answers the card with a verifiable ARPC', async () => {
      const card = testCard('approve-chip-pin');
      const before = await balanceOf(card);
      const request = requestFor(card, { amountMinor: 2_500n, pinData: await pinUnderZpk(fixture, card, card.testPin) });
      const response = await fixture.simulator.authorize(request);
      expect(response).toMatchObject({ outcome: 'approved', reason: 'approved', responseCode: '00' });
      if (response.outcome !== 'approved') throw new Error('declined');
      expect(response.authorizationCode).toMatch(/^[0-9]{6}$/);
      expect(response.issuerReference).toMatch(/^iss_[a-z]{32}$/);
      expect(response.issuerAuthentication?.arc).toEqual(Buffer.from('3030', 'hex'));
      expect(response.issuerAuthentication?.arpc).toEqual(expectedArpc(card, request, '00'));
      expect(await balanceOf(card)).toBe(before - 2_500n);
    });

    it('tells the HSM that the ARPC follows the ARQC check, and the ARPC made then is the card-side one, for approvals and declines', async () => {
      const card = testCard('approve-chip-pin');
      const calls: { method: string; arpcFollows: unknown }[] = [];
      const watched = new Proxy(fixture.hsm, {
        get: (target, name) => {
          const value: unknown = Reflect.get(target, name);
          if (typeof value !== 'function') return value;
          const bound = (value as (...args: unknown[]) => unknown).bind(target);
          if (name !== 'verifyArqc' && name !== 'generateArpc') return bound;
          return (request: { arpcFollows?: unknown }) => {
            calls.push({ method: name, arpcFollows: request.arpcFollows });
            return bound(request);
          };
        },
      });
      const simulator = await IssuerSimulator.open({ store: fixture.store, hsm: watched, clock: fixture.clock.now });
      const approve = requestFor(card, { amountMinor: 100n, pinData: await pinUnderZpk(fixture, card, card.testPin) });
      const approved = await simulator.authorize(approve);
      expect(approved.responseCode).toBe('00');
      expect(approved.issuerAuthentication?.arpc).toEqual(expectedArpc(card, approve, '00'));
      const decline = requestFor(card, { amountMinor: 100n, currency: card.currency === '840' ? '156' : '840' });
      const declinedResponse = await simulator.authorize(decline);
      expect(declinedResponse.responseCode).toBe('57');
      expect(declinedResponse.issuerAuthentication?.arpc).toEqual(expectedArpc(card, decline, '57'));
      expect(calls).toEqual([
        { method: 'verifyArqc', arpcFollows: true },
        { method: 'generateArpc', arpcFollows: undefined },
        { method: 'verifyArqc', arpcFollows: true },
        { method: 'generateArpc', arpcFollows: undefined },
      ]);
    });

    it('declines a cryptogram that does not verify (34), without an ARPC and without a debit', async () => {
      const card = testCard('approve-chip-pin');
      const before = await balanceOf(card);
      const good = requestFor(card, { pinData: await pinUnderZpk(fixture, card, card.testPin) });
      const chip = good.chip;
      if (chip === undefined) throw new Error('no chip data');
      const arqc = Buffer.from(chip.arqc);
      arqc[7] = (arqc[7] as number) ^ 0x01;
      const response = await fixture.simulator.authorize({ ...good, chip: { ...chip, arqc } });
      expect(response).toMatchObject({ outcome: 'declined', reason: 'cryptogram-failure', responseCode: '34' });
      expect(response.issuerAuthentication).toBeUndefined();
      expect(await balanceOf(card)).toBe(before);
    });

    it('declines cryptograms over other data, with another PSN, or of a card whose key it is not', async () => {
      const card = testCard('approve-chip-pin');
      const good = requestFor(card);
      const chip = good.chip;
      if (chip === undefined) throw new Error('no chip data');
      const otherData = Buffer.from(chip.cdolData);
      otherData[5] = (otherData[5] as number) ^ 0x10; // the amount the card signed
      expect((await fixture.simulator.authorize({ ...good, chip: { ...chip, cdolData: otherData } })).reason).toBe('cryptogram-failure');
      expect((await fixture.simulator.authorize({ ...requestFor(card), chip: { ...chip, panSequenceNumber: '02' } })).reason).toBe('cryptogram-failure');
      const otherCard = requestFor(testCard('chip-no-pin'));
      expect((await fixture.simulator.authorize({ ...otherCard, chip: { ...(otherCard.chip ?? chip), arqc: chip.arqc } })).reason).toBe('cryptogram-failure');
    });

    it('declines a replayed cryptogram: an ATC not above the highest seen', async () => {
      const card = testCard('chip-no-pin');
      const first = requestFor(card, { amountMinor: 100n });
      expect((await fixture.simulator.authorize(first)).reason).toBe('approved');
      // The same card data under a new idempotency key: a copy of the first transaction.
      const replay = await fixture.simulator.authorize({ ...first, idempotencyKey: `${first.idempotencyKey}:again` });
      expect(declined(replay)).toBe('declined cryptogram-failure 34');
    });

    it('uses up the cryptogram of every answer it gives a genuine chip card: declines (51, 55, 13 after a PIN try reset, 57) and a balance inquiry', async () => {
      const card = testCard('insufficient-funds');
      const db = fixture.store.db<IssuerTables>();
      const cardState = () => db.selectFrom('issuer_cards').select(['balance_minor', 'atc_high_water', 'pin_tries_used']).where('profile', '=', card.profile).executeTakeFirstOrThrow();
      const rightPin = await pinUnderZpk(fixture, card, card.testPin);
      const cases: [RequestOptions, string, bigint][] = [
        [{ amountMinor: 1_001n, pinData: rightPin }, 'declined insufficient-funds 51', 0n],
        [{ amountMinor: 100n, pinData: await pinUnderZpk(fixture, card, '8642') }, 'declined incorrect-pin 55', 1n],
        [{ amountMinor: 0n, pinData: rightPin }, 'declined invalid-amount 13', 0n],
        [{ amountMinor: 100n, pinData: rightPin, currency: '840' }, 'declined transaction-not-permitted 57', 0n],
        [{ kind: 'balance-inquiry', pinData: rightPin }, 'approved approved 00', 0n],
      ];
      const balanceBefore = (await cardState()).balance_minor;
      for (const [options, answer, triesAfter] of cases) {
        const request = requestFor(card, options);
        const response = await fixture.simulator.authorize(request);
        expect(declined(response)).toBe(answer);
        expect(response.issuerAuthentication).toBeDefined();
        expect(await cardState()).toEqual({ balance_minor: balanceBefore, atc_high_water: BigInt(request.chip?.atc.readUInt16BE(0) ?? -1), pin_tries_used: triesAfter });
        // The same cryptogram under a new key: a replay, which writes nothing (no PIN try either).
        const replay = await fixture.simulator.authorize({ ...request, idempotencyKey: `${request.idempotencyKey}:again` });
        expect(declined(replay)).toBe('declined cryptogram-failure 34');
        expect(replay.issuerAuthentication).toBeUndefined();
        expect((await cardState()).pin_tries_used).toBe(triesAfter);
      }
    });

    it('approves a chip sale without a PIN', async () => {
      const response = await fixture.simulator.authorize(requestFor(testCard('chip-no-pin'), { amountMinor: 999n }));
      expect(response).toMatchObject({ outcome: 'approved', responseCode: '00' });
    });

    it('verifies every EMV profile: option B for a 19-digit PAN, the UN session key, no session key with padding 1', async () => {
      for (const profile of ['long-pan-option-b', 'chip-mchip-style', 'chip-cvn10-style']) {
        const card = testCard(profile);
        const request = requestFor(card, { pinData: await pinUnderZpk(fixture, card, card.testPin) });
        const response = await fixture.simulator.authorize(request);
        expect(response.reason, profile).toBe('approved');
        expect(response.issuerAuthentication?.arpc, profile).toEqual(expectedArpc(card, request, '00'));
      }
    });

    it('verifies a contactless cryptogram as it verifies a chip one', async () => {
      const card = testCard('chip-no-pin');
      const good = requestFor(card, { entryMode: 'contactless' });
      expect((await fixture.simulator.authorize(good)).reason).toBe('approved');
      const chip = good.chip;
      if (chip === undefined) throw new Error('no chip data');
      const bad = requestFor(card, { entryMode: 'contactless' });
      expect((await fixture.simulator.authorize({ ...bad, chip: { ...(bad.chip ?? chip), arqc: Buffer.alloc(8) } })).reason).toBe('cryptogram-failure');
    });

    it('answers a declined chip card with an ARPC over the decline code, so the card trusts the decline', async () => {
      const card = testCard('insufficient-funds');
      const request = requestFor(card, { amountMinor: 1_001n, pinData: await pinUnderZpk(fixture, card, card.testPin) });
      const response = await fixture.simulator.authorize(request);
      expect(declined(response)).toBe('declined insufficient-funds 51');
      expect(response.issuerAuthentication?.arc).toEqual(Buffer.from('51', 'latin1'));
      expect(response.issuerAuthentication?.arpc).toEqual(expectedArpc(card, request, '51'));
    });

    it('declines a chip request for a stripe-only card', async () => {
      const stripeCard = testCard('approve-magstripe');
      const chipRequest = requestFor(testCard('chip-no-pin'));
      const response = await fixture.simulator.authorize({ ...chipRequest, pan: stripeCard.pan, expiry: stripeCard.expiry, serviceCode: stripeCard.serviceCode });
      expect(response.reason).toBe('cryptogram-failure');
    });
  });

  describe('magnetic stripe', () => {
    it('approves a swipe with the right CVV in track 2 and the right PIN', async () => {
      const card = testCard('approve-magstripe');
      const response = await fixture.simulator.authorize(requestFor(card, { pinData: await pinUnderZpk(fixture, card, card.testPin) }));
      expect(response).toMatchObject({ outcome: 'approved', responseCode: '00' });
      expect(response.issuerAuthentication).toBeUndefined();
    });

    it('declines a track whose CVV is wrong (34), and one that is not the card\'s track', async () => {
      const card = testCard('approve-magstripe');
      const good = requestFor(card);
      const track2 = good.track2 ?? '';
      const cvvAt = track2.indexOf('=') + 8;
      const digit = track2.charAt(cvvAt) === '9' ? '0' : String(Number(track2.charAt(cvvAt)) + 1);
      const wrongCvv = `${track2.slice(0, cvvAt)}${digit}${track2.slice(cvvAt + 1)}`;
      expect(declined(await fixture.simulator.authorize({ ...good, track2: wrongCvv }))).toBe('declined cvv-failure 34');
      expect((await fixture.simulator.authorize({ ...requestFor(card), track2: testCardTrack2(testCard('chip-no-pin')) })).reason).toBe('cvv-failure');
      expect((await fixture.simulator.authorize({ ...requestFor(card), track2: `${card.pan}=3112` })).reason).toBe('cvv-failure');
    });

    it('accepts a chip card swiped after its chip failed (fallback) when its stripe verifies', async () => {
      const response = await fixture.simulator.authorize(requestFor(testCard('chip-no-pin'), { entryMode: 'fallback', amountMinor: 500n }));
      expect(response.reason).toBe('approved');
    });
  });

  describe('PIN', () => {
    it('blocks the PIN at the third wrong PIN (55, 55, 75), then answers 75 even to the right PIN', async () => {
      const card = testCard('pin-to-block');
      const wrong = (): Promise<NetworkResponse> => pinUnderZpk(fixture, card, '1357').then((pinData) => fixture.simulator.authorize(requestFor(card, { pinData })));
      expect(declined(await wrong())).toBe('declined incorrect-pin 55');
      expect(declined(await wrong())).toBe('declined incorrect-pin 55');
      expect(declined(await wrong())).toBe('declined pin-tries-exceeded 75');
      const right = await fixture.simulator.authorize(requestFor(card, { pinData: await pinUnderZpk(fixture, card, card.testPin) }));
      expect(declined(right)).toBe('declined pin-tries-exceeded 75');
      expect(declined(await wrong())).toBe('declined pin-tries-exceeded 75');
      const row = await fixture.store.db<IssuerTables>().selectFrom('issuer_cards').select('pin_tries_used').where('profile', '=', 'pin-to-block').executeTakeFirstOrThrow();
      expect(row.pin_tries_used).toBe(BigInt(PIN_TRIES_LIMIT));
    });

    it('a right PIN starts the count again', async () => {
      const card = testCard('approve-chip-pin');
      const wrong = async (): Promise<string> => (await fixture.simulator.authorize(requestFor(card, { pinData: await pinUnderZpk(fixture, card, '0000') }))).reason;
      expect(await wrong()).toBe('incorrect-pin');
      expect(await wrong()).toBe('incorrect-pin');
      expect((await fixture.simulator.authorize(requestFor(card, { pinData: await pinUnderZpk(fixture, card, card.testPin) }))).reason).toBe('approved');
      expect(await wrong()).toBe('incorrect-pin');
      expect(await wrong()).toBe('incorrect-pin');
      expect((await fixture.simulator.authorize(requestFor(card, { pinData: await pinUnderZpk(fixture, card, card.testPin) }))).reason).toBe('approved');
    });

    it('counts a PIN block that does not decode under the ZPK as a wrong PIN', async () => {
      const card = testCard('chip-mchip-style');
      // Enciphered under the terminal's PIK but never translated: garbage under the ZPK.
      const untranslated = new PinBlockCipher(0, fixture.pik.clear).encrypt(card.testPin, card.pan);
      const response = await fixture.simulator.authorize(requestFor(card, { pinData: { pinBlock: untranslated, format: 0 } }));
      expect(declined(response)).toBe('declined incorrect-pin 55');
      expect((await fixture.simulator.authorize(requestFor(card, { pinData: await pinUnderZpk(fixture, card, card.testPin) }))).reason).toBe('approved');
    });

    it('checks the card before the PIN: a copied stripe learns nothing and uses no PIN try', async () => {
      const card = testCard('approve-magstripe');
      const good = requestFor(card, { pinData: await pinUnderZpk(fixture, card, '9999') });
      const copied = { ...good, track2: (good.track2 ?? '').replace(/=(\d{7})(\d)/, (_all, head: string, last: string) => `=${head}${last === '0' ? '1' : '0'}`) };
      expect((await fixture.simulator.authorize(copied)).reason).toBe('cvv-failure');
      const row = await fixture.store.db<IssuerTables>().selectFrom('issuer_cards').select('pin_tries_used').where('profile', '=', 'approve-magstripe').executeTakeFirstOrThrow();
      expect(row.pin_tries_used).toBe(0n);
    });
  });

  describe('card status and expiry', () => {
    it.each([
      ['lost', 'lost-card', '41'],
      ['stolen', 'stolen-card', '43'],
      ['restricted', 'restricted-card', '62'],
      ['expired', 'expired-card', '54'],
    ])('declines the %s card: %s %s', async (profile, reason, code) => {
      const card = testCard(profile);
      const response = await fixture.simulator.authorize(requestFor(card, { pinData: await pinUnderZpk(fixture, card, card.testPin) }));
      expect(response).toMatchObject({ outcome: 'declined', reason, responseCode: code });
    });

    it('declines an expiry that is not the card\'s (54) and an unknown card (14)', async () => {
      const card = testCard('chip-no-pin');
      expect(declined(await fixture.simulator.authorize(requestFor(card, { expiry: '3012' })))).toBe('declined expired-card 54');
      const unknown: TestCardDefinition = { ...card, pan: '6212349999999999' };
      expect(declined(await fixture.simulator.authorize(requestFor(unknown)))).toBe('declined invalid-card 14');
    });

    it('a card is good through the last day of its expiry month, in the issuer\'s time zone', async () => {
      const card = { ...testCard('chip-no-pin') };
      // 2031-12-31 23:59 in Shanghai is still December; 00:00 on 1 January 2032 is not.
      fixture.clock.set(BigInt(Date.UTC(2031, 11, 31, 15, 59)));
      try {
        expect((await fixture.simulator.authorize(requestFor(card, { amountMinor: 1n }))).reason).toBe('approved');
        fixture.clock.set(BigInt(Date.UTC(2031, 11, 31, 16, 0)));
        expect((await fixture.simulator.authorize(requestFor(card, { amountMinor: 1n }))).reason).toBe('expired-card');
      } finally {
        fixture.clock.set(TEST_NOW_MS);
      }
    });
  });

  describe('amounts, limits and funds', () => {
    it('declines an amount of zero or less (13) and a currency the card does not hold (57)', async () => {
      const card = testCard('chip-no-pin');
      expect(declined(await fixture.simulator.authorize(requestFor(card, { amountMinor: 0n })))).toBe('declined invalid-amount 13');
      expect(declined(await fixture.simulator.authorize(requestFor(card, { amountMinor: -5n })))).toBe('declined invalid-amount 13');
      expect(declined(await fixture.simulator.authorize(requestFor(card, { currency: '840' })))).toBe('declined transaction-not-permitted 57');
    });

    it('declines a sale the balance does not cover (51) and leaves the balance as it was', async () => {
      const card = testCard('insufficient-funds');
      const pinData = await pinUnderZpk(fixture, card, card.testPin);
      expect(declined(await fixture.simulator.authorize(requestFor(card, { amountMinor: 1_001n, pinData })))).toBe('declined insufficient-funds 51');
      expect(await balanceOf(card)).toBe(1_000n);
    });

    it('declines beyond the daily limit (61) and starts a new day from zero', async () => {
      const card = testCard('low-daily-limit');
      const pinData = await pinUnderZpk(fixture, card, card.testPin);
      expect((await fixture.simulator.authorize(requestFor(card, { amountMinor: 6_000n, pinData }))).reason).toBe('approved');
      expect(declined(await fixture.simulator.authorize(requestFor(card, { amountMinor: 4_001n, pinData })))).toBe('declined exceeds-limit 61');
      expect((await fixture.simulator.authorize(requestFor(card, { amountMinor: 4_000n, pinData }))).reason).toBe('approved');
      expect((await fixture.simulator.authorize(requestFor(card, { amountMinor: 1n, pinData }))).reason).toBe('exceeds-limit');
      fixture.clock.advance(24n * 3_600_000n);
      try {
        expect((await fixture.simulator.authorize(requestFor(card, { amountMinor: 10_000n, pinData }))).reason).toBe('approved');
      } finally {
        fixture.clock.set(TEST_NOW_MS);
      }
      expect(await balanceOf(card)).toBe(card.balanceMinor - 20_000n);
    });

    it('answers a balance inquiry with the balance and its currency, and moves no money', async () => {
      const card = testCard('insufficient-funds');
      const response = await fixture.simulator.authorize(requestFor(card, { kind: 'balance-inquiry', pinData: await pinUnderZpk(fixture, card, card.testPin) }));
      expect(response).toMatchObject({ outcome: 'approved', balance: { amountMinor: 1_000n, currency: '156' } });
      expect((await fixture.simulator.authorize(requestFor(card, { kind: 'balance-inquiry', amountMinor: 5n }))).reason).toBe('invalid-amount');
    });

    it('declines the kinds it does not handle yet with 40', async () => {
      for (const kind of ['refund', 'void', 'reversal'] as const) {
        expect(declined(await fixture.simulator.authorize(requestFor(testCard('chip-no-pin'), { kind })))).toBe('declined function-not-supported 40');
      }
    });
  });

  describe('idempotency', () => {
    it('answers a retried request with the first answer and debits once', async () => {
      const card = testCard('approve-chip-pin');
      const before = await balanceOf(card);
      const request = requestFor(card, { amountMinor: 7_000n, pinData: await pinUnderZpk(fixture, card, card.testPin) });
      const first = await fixture.simulator.authorize(request);
      const again = await fixture.simulator.authorize(request);
      expect(first.reason).toBe('approved');
      expect(again).toEqual(first);
      expect(await balanceOf(card)).toBe(before - 7_000n);
    });

    it('answers a retried decline the same way without counting the wrong PIN again', async () => {
      const card = testCard('chip-cvn10-style');
      const request = requestFor(card, { pinData: await pinUnderZpk(fixture, card, '8642') });
      const first = await fixture.simulator.authorize(request);
      for (let retry = 0; retry < PIN_TRIES_LIMIT; retry++) expect(await fixture.simulator.authorize(request)).toEqual(first);
      expect(first.reason).toBe('incorrect-pin');
      const row = await fixture.store.db<IssuerTables>().selectFrom('issuer_cards').select('pin_tries_used').where('profile', '=', 'chip-cvn10-style').executeTakeFirstOrThrow();
      expect(row.pin_tries_used).toBe(1n);
    });

    it('answers a retry with the first answer when deciding again would now decline or fail, and keeps nothing of that attempt', async () => {
      const card = testCard('approve-chip-pin');
      const db = fixture.store.db<IssuerTables>();
      const cardState = () => db.selectFrom('issuer_cards').select(['balance_minor', 'spent_today_minor', 'atc_high_water', 'pin_tries_used', 'status']).where('profile', '=', card.profile).executeTakeFirstOrThrow();
      const request = requestFor(card, { amountMinor: 1_200n, pinData: await pinUnderZpk(fixture, card, card.testPin) });
      const first = await fixture.simulator.authorize(request);
      expect(first.reason).toBe('approved');
      const after = await cardState();
      // Blocked since: a decision made now would decline 78.
      await db.updateTable('issuer_cards').set({ status: 'blocked' }).where('profile', '=', card.profile).execute();
      try {
        expect(await fixture.simulator.authorize(request)).toEqual(first);
      } finally {
        await db.updateTable('issuer_cards').set({ status: 'active' }).where('profile', '=', card.profile).execute();
      }
      // An HSM that fails while deciding again: the retry still gets the first answer; a new key gets the failure.
      const failing = new Proxy(fixture.hsm, {
        get: (target, name) => {
          if (name === 'verifyArqc') return () => Promise.reject(new Error('HSM unavailable'));
          const value: unknown = Reflect.get(target, name);
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        },
      });
      const other = await IssuerSimulator.open({ store: fixture.store, hsm: failing, clock: fixture.clock.now });
      expect(await other.authorize(request)).toEqual(first);
      await expect(other.authorize(requestFor(card, { amountMinor: 1_200n, pinData: await pinUnderZpk(fixture, card, card.testPin) }))).rejects.toThrow('HSM unavailable');
      expect(await cardState()).toEqual(after);
      expect(await db.selectFrom('issuer_authorizations').select(['outcome']).where('idempotency_key', '=', request.idempotencyKey).execute()).toEqual([{ outcome: 'approved' }]);
    });

    it('refuses the same key for a different transaction (ISSUER_ERR_IDEMPOTENCY_CONFLICT)', async () => {
      const card = testCard('chip-no-pin');
      const request = requestFor(card, { amountMinor: 300n });
      await fixture.simulator.authorize(request);
      await expectBastionRejection(fixture.simulator.authorize({ ...requestFor(card, { amountMinor: 301n }), idempotencyKey: request.idempotencyKey }), 'ISSUER_ERR_IDEMPOTENCY_CONFLICT', { argument: 'idempotencyKey' }, [card.pan]);
    });
  });

  describe('malformed requests', () => {
    it.each<[string, (request: AuthorizationRequest) => AuthorizationRequest]>([
      ['pan', (request) => ({ ...request, pan: '62123400000000x9' })],
      ['expiry', (request) => ({ ...request, expiry: '311' })],
      ['idempotencyKey', (request) => ({ ...request, idempotencyKey: 'has space' })],
      ['currency', (request) => ({ ...request, currency: 'CNY' })],
      ['chip', (request) => ({ ...request, chip: undefined }) as unknown as AuthorizationRequest],
      ['chip.arqc', (request) => ({ ...request, chip: { ...(request.chip as NonNullable<AuthorizationRequest['chip']>), arqc: Buffer.alloc(7) } })],
      ['chip.atc', (request) => ({ ...request, chip: { ...(request.chip as NonNullable<AuthorizationRequest['chip']>), atc: Buffer.alloc(3) } })],
      ['pinData.pinBlock', (request) => ({ ...request, pinData: { pinBlock: Buffer.alloc(16), format: 0 } })],
      ['acquirer.terminalId', (request) => ({ ...request, acquirer: { ...request.acquirer, terminalId: 'T1' } })],
    ])('refuses a bad %s with ISSUER_ERR_REQUEST naming the field, never the card', async (argument, spoil) => {
      const card = testCard('approve-chip-pin');
      await expectBastionRejection(fixture.simulator.authorize(spoil(requestFor(card))), 'ISSUER_ERR_REQUEST', { argument }, [card.pan, card.pan.slice(-10)]);
    });

    it('refuses a swipe without track 2', async () => {
      const request = requestFor(testCard('approve-magstripe'));
      await expectBastionRejection(fixture.simulator.authorize({ ...request, track2: undefined } as unknown as AuthorizationRequest), 'ISSUER_ERR_REQUEST', { argument: 'track2' });
    });
  });

  it('keeps one account per documented test card', async () => {
    const rows = await fixture.store.db<IssuerTables>().selectFrom('issuer_cards').select(['profile', 'bin6', 'last4']).execute();
    expect(rows.map((row) => row.profile).sort()).toEqual(testCards.map((card) => card.profile).sort());
  });
});
