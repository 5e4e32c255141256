import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectBastionRejection } from '../../../lib/errors/test-helpers.js';
import type { AuthorizationRequest } from '../../../ports/network.js';
import { databases } from '../../store/test-databases.js';
import { testCardTrack2 } from './card-side.js';
import { testCard } from './seed-cards.js';
import { openIssuer, pinUnderZpk, requestFor, trackUnderZek, type IssuerFixture } from './test-issuer.js';

/** A copy of `request` without the named optional fields. */
function without(request: AuthorizationRequest, ...fields: readonly ('track2' | 'serviceCode')[]): AuthorizationRequest {
  return Object.fromEntries(Object.entries(request).filter(([name]) => !(fields as readonly string[]).includes(name))) as unknown as AuthorizationRequest;
}

/** The request with its clear track (and service code) replaced by the track under the ZEK. */
function enciphered(request: AuthorizationRequest, encryptedTrack2: Buffer): AuthorizationRequest {
  return { ...without(request, 'track2', 'serviceCode'), encryptedTrack2 };
}

describe.each(databases)('issuer simulator: track 2 under the zone data key on $name', (database) => {
  let fixture: IssuerFixture;
  beforeAll(async () => {
    fixture = await openIssuer(database);
  });
  afterAll(async () => {
    await fixture.store.close();
  });

  it('approves a swipe whose track comes enciphered, without a service code: CVV and service code come from the deciphered track', async () => {
    const card = testCard('approve-magstripe');
    const request = enciphered(requestFor(card, { pinData: await pinUnderZpk(fixture, card, card.testPin) }), await trackUnderZek(fixture, testCardTrack2(card)));
    expect(request.serviceCode).toBeUndefined();
    expect(await fixture.simulator.authorize(request)).toMatchObject({ outcome: 'approved', responseCode: '00' });
  });

  it('approves a chip sale that carries its track enciphered', async () => {
    const card = testCard('approve-chip-pin');
    const request = enciphered(requestFor(card, { pinData: await pinUnderZpk(fixture, card, card.testPin) }), await trackUnderZek(fixture, testCardTrack2(card)));
    expect(await fixture.simulator.authorize(request)).toMatchObject({ outcome: 'approved', responseCode: '00' });
  });

  it('declines 14 (never throws) a track enciphered under another key, or naming another PAN or expiry', async () => {
    const card = testCard('approve-magstripe');
    const other = testCard('chip-no-pin');
    const cases: readonly Promise<Buffer>[] = [
      trackUnderZek(fixture, testCardTrack2(card), { underAnotherTdk: true }),
      trackUnderZek(fixture, testCardTrack2(other)),
      trackUnderZek(fixture, testCardTrack2(card).replace(`=${card.expiry}`, '=3912')),
    ];
    for (const track of await Promise.all(cases)) {
      const response = await fixture.simulator.authorize(enciphered(requestFor(card), track));
      expect(`${response.outcome} ${response.reason} ${response.responseCode}`).toBe('declined invalid-card 14');
    }
  });

  it('declines a deciphered track whose CVV is wrong 34, as for a clear one', async () => {
    const card = testCard('approve-magstripe');
    const track2 = testCardTrack2(card);
    const cvvAt = track2.indexOf('=') + 8;
    const wrongCvv = `${track2.slice(0, cvvAt)}${track2.charAt(cvvAt) === '9' ? '0' : String(Number(track2.charAt(cvvAt)) + 1)}${track2.slice(cvvAt + 1)}`;
    const response = await fixture.simulator.authorize(enciphered(requestFor(card), await trackUnderZek(fixture, wrongCvv)));
    expect(response.reason).toBe('cvv-failure');
  });

  it('refuses a request that sends both tracks, a short enciphered track, or a clear track without a service code', async () => {
    const card = testCard('approve-magstripe');
    const track = await trackUnderZek(fixture, testCardTrack2(card));
    const request = requestFor(card);
    await expectBastionRejection(fixture.simulator.authorize({ ...request, encryptedTrack2: track }), 'ISSUER_ERR_REQUEST', { argument: 'encryptedTrack2' });
    await expectBastionRejection(fixture.simulator.authorize(enciphered(request, track.subarray(0, 8))), 'ISSUER_ERR_REQUEST', { argument: 'encryptedTrack2' });
    await expectBastionRejection(fixture.simulator.authorize(without(request, 'serviceCode')), 'ISSUER_ERR_REQUEST', { argument: 'serviceCode' });
  });
});
