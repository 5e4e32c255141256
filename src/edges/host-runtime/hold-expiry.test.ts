import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../adapters/log/index.js';
import { EXPIRE_HOLDS_BATCH_MAX, HOLD_LIFETIME_MS_DEFAULT, testCard, type IssuerTables } from '../../adapters/network/issuer-simulator/index.js';
import { openIssuer, requestFor, type IssuerFixture } from '../../adapters/network/issuer-simulator/test-issuer.js';
import { databases } from '../../adapters/store/test-databases.js';
import { BastionError } from '../../lib/errors/index.js';
import { startHoldExpirySweep, type HoldExpirySweep } from './hold-expiry.js';

function capturingLogger() {
  const lines: string[] = [];
  return { lines, logger: createLogger({ level: 'info', destination: { write: (line: string) => { lines.push(line); } } }) };
}

describe.each(databases)('the hold expiry sweep of a running host on $name', (database) => {
  let fixture: IssuerFixture;
  let sweep: HoldExpirySweep | undefined;
  beforeEach(async () => {
    fixture = await openIssuer(database);
  });
  afterEach(async () => {
    await sweep?.stop();
    await fixture.store.close();
  });

  async function heldMinor(): Promise<bigint> {
    const rows = await fixture.store.db<IssuerTables>().selectFrom('issuer_cards').select(['held_minor', 'profile']).execute();
    return rows.find((row) => row.profile === 'approve-magstripe')?.held_minor ?? -1n;
  }

  it('leaves live holds alone and frees the money of holds past their expiry, once', async () => {
    const card = testCard('approve-magstripe');
    expect((await fixture.simulator.authorize(requestFor(card, { kind: 'pre-auth', amountMinor: 7_000n }))).responseCode).toBe('00');
    const { lines, logger } = capturingLogger();
    sweep = startHoldExpirySweep({ network: fixture.simulator, batchMax: EXPIRE_HOLDS_BATCH_MAX, logger });
    expect(await sweep.runOnce()).toBe(0);
    expect(await heldMinor()).toBe(7_000n);
    fixture.clock.advance(HOLD_LIFETIME_MS_DEFAULT + 1n);
    expect(await sweep.runOnce()).toBe(1);
    expect(await heldMinor()).toBe(0n);
    expect(await sweep.runOnce()).toBe(0);
    expect(lines.join('')).toContain('"holdsEnded":1');
  });
});

describe('the hold expiry sweep', () => {
  it('runs sweeps until one ends fewer than a batch, logs a failure by its code only, and refuses a silly interval', async () => {
    const counts = [3, 3, 1, 3];
    const calls: number[] = [];
    const { lines, logger } = capturingLogger();
    const sweep = startHoldExpirySweep({ network: { expireHolds: () => { calls.push(1); return Promise.resolve(counts.shift() ?? 0); } }, batchMax: 3, logger });
    expect(await sweep.runOnce()).toBe(7);
    expect(calls).toHaveLength(3);
    await sweep.stop();

    const failing = startHoldExpirySweep({ network: { expireHolds: () => Promise.reject(new BastionError('ISSUER_ERR_CORRUPT', 'a stored hold row is not valid')) }, batchMax: 3, logger });
    expect(await failing.runOnce()).toBe(0);
    await failing.stop();
    expect(lines.some((line) => line.includes('"code":"ISSUER_ERR_CORRUPT"'))).toBe(true);
    expect(() => startHoldExpirySweep({ network: { expireHolds: () => Promise.resolve(0) }, batchMax: 3, intervalMs: 10, logger })).toThrow(/at least 1000/);
  });
});
