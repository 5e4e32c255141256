import { describe, expect, it } from 'vitest';
import { KILL_AFTER_MS_MAX, KILL_AFTER_MS_MIN, planRound, seededDraws } from './crash-seed.js';

describe('crash test seeds', () => {
  it('one seed gives one plan: the same kill moment, victims, amounts and next seed', () => {
    const first = planRound(1, 4_242, 3);
    const again = planRound(1, 4_242, 3);
    expect({ ...again, amountOf: undefined }).toEqual({ ...first, amountOf: undefined });
    expect([0, 1, 2, 50].map((n) => again.amountOf(n))).toEqual([0, 1, 2, 50].map((n) => first.amountOf(n)));
  });

  it('a round\'s seed is a run seed that starts with that round', () => {
    const second = planRound(2, planRound(1, 77, 2).nextSeed, 2);
    expect({ ...planRound(2, second.seed, 2), amountOf: undefined }).toEqual({ ...second, amountOf: undefined });
  });

  it('kill moments, victims and amounts stay in their bounds; seeds spread', () => {
    const seeds = new Set<number>();
    let seed = 1;
    let allKilled = 0;
    for (let round = 1; round <= 300; round++) {
      const plan = planRound(round, seed, 3);
      expect(plan.killAfterMs).toBeGreaterThanOrEqual(KILL_AFTER_MS_MIN);
      expect(plan.killAfterMs).toBeLessThanOrEqual(KILL_AFTER_MS_MAX);
      expect(plan.victims.length === 1 || plan.victims.length === 3).toBe(true);
      for (const victim of plan.victims) expect([0, 1, 2]).toContain(victim);
      if (plan.victims.length === 3) allKilled++;
      for (let n = 0; n < 20; n++) expect(plan.amountOf(n) >= 100n && plan.amountOf(n) <= 9_999n).toBe(true);
      seeds.add(plan.seed);
      seed = plan.nextSeed;
    }
    expect(seeds.size).toBe(300);
    expect(allKilled).toBeGreaterThan(50);
    expect(allKilled).toBeLessThan(150);
    expect(planRound(1, 9, 1).victims).toEqual([0]);
    expect(seededDraws(0)()).not.toBe(seededDraws(1)());
  });
});
