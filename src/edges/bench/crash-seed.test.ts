import { describe, expect, it } from 'vitest';
import { KILL_AFTER_MS_MAX, KILL_AFTER_MS_MIN, planRound, seededDraws, type RoundPlan } from './crash-seed.js';

/** A plan's choices as data: its functions sampled. */
function choices(plan: RoundPlan): unknown {
  const sample = [0, 1, 2, 7, 50];
  return { ...plan, amountOf: sample.map(plan.amountOf), lateReverser: sample.map(plan.lateReverser), lateDelayMs: sample.map(plan.lateDelayMs) };
}

describe('crash test seeds', () => {
  it('one seed gives one plan: the same kill moment, victims, amounts and next seed', () => {
    const first = planRound(1, 4_242, 3);
    const again = planRound(1, 4_242, 3);
    expect(choices(again)).toEqual(choices(first));
  });

  it('a round\'s seed is a run seed that starts with that round', () => {
    const second = planRound(2, planRound(1, 77, 2).nextSeed, 2);
    expect(choices(planRound(2, second.seed, 2))).toEqual(choices(second));
  });

  it('kill moments, victims and amounts stay in their bounds; seeds spread', () => {
    const seeds = new Set<number>();
    let seed = 1;
    let allKilled = 0;
    let lateReversers = 0;
    for (let round = 1; round <= 300; round++) {
      const plan = planRound(round, seed, 3);
      expect(plan.killAfterMs).toBeGreaterThanOrEqual(KILL_AFTER_MS_MIN);
      expect(plan.killAfterMs).toBeLessThanOrEqual(KILL_AFTER_MS_MAX);
      expect(plan.victims.length === 1 || plan.victims.length === 3).toBe(true);
      for (const victim of plan.victims) expect([0, 1, 2]).toContain(victim);
      if (plan.victims.length === 3) allKilled++;
      for (let n = 0; n < 20; n++) expect(plan.amountOf(n) >= 100n && plan.amountOf(n) <= 9_999n).toBe(true);
      for (let index = 0; index < 16; index++) {
        expect(plan.lateDelayMs(index)).toBeGreaterThanOrEqual(plan.killAfterMs - 40);
        expect(plan.lateDelayMs(index)).toBeLessThanOrEqual(plan.killAfterMs + 10);
        if (plan.lateReverser(index)) lateReversers++;
      }
      seeds.add(plan.seed);
      seed = plan.nextSeed;
    }
    expect(seeds.size).toBe(300);
    expect(allKilled).toBeGreaterThan(50);
    expect(allKilled).toBeLessThan(150);
    // One terminal in four, give or take.
    expect(lateReversers).toBeGreaterThan(300 * 16 * 0.2);
    expect(lateReversers).toBeLessThan(300 * 16 * 0.3);
    expect(planRound(1, 9, 1).victims).toEqual([0]);
    expect(seededDraws(0)()).not.toBe(seededDraws(1)());
  });
});
