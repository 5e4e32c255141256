/**
 * The crash test's randomness, all from one 32-bit seed so that a printed seed replays a run's
 * choices (when to kill, which node, the amounts). Round 1 uses the run's seed itself and each
 * later round the first draw of the round before, so any round's seed is also a run seed that
 * starts with that round. Timing still varies from run to run: a seed replays the faults, not
 * the scheduler.
 */
export const SEED_MAX = 0xffff_ffff;

/** Kill delays are drawn from this range, in milliseconds after the round's load starts. */
export const KILL_AFTER_MS_MIN = 200;
export const KILL_AFTER_MS_MAX = 2000;

/** mulberry32: small, fast, and good enough to spread kill moments; not for keys. */
export function seededDraws(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

export interface RoundPlan {
  readonly round: number;
  readonly seed: number;
  /** The seed of the round after this one. */
  readonly nextSeed: number;
  readonly killAfterMs: number;
  /** Indexes of the nodes to kill (all of them for one node). */
  readonly victims: readonly number[];
  /** Amount of a terminal's sale `n` in this round, 1.00 to 99.99. */
  readonly amountOf: (n: number) => bigint;
  /**
   * Whether terminal `index` (one in four) sends the reversals it owes during this round's load
   * instead of before it, `lateDelayMs` into the load (from 40 ms before the kill to 10 ms after), so that some
   * reversals meet the kill in flight and must be sent again after the restart.
   */
  readonly lateReverser: (index: number) => boolean;
  readonly lateDelayMs: (index: number) => number;
}

/**
 * What round `round` of a run on `nodes` nodes does, from its seed: a kill 200 to 2000 ms into
 * the load; with several nodes, all of them one round in three, else one chosen at random.
 */
export function planRound(round: number, seed: number, nodes: number): RoundPlan {
  const draw = seededDraws(seed);
  const nextSeed = draw();
  const killAfterMs = KILL_AFTER_MS_MIN + (draw() % (KILL_AFTER_MS_MAX - KILL_AFTER_MS_MIN + 1));
  const killAll = nodes === 1 || draw() % 3 === 0;
  const victim = draw() % nodes;
  const victims = killAll ? Array.from({ length: nodes }, (_, index) => index) : [victim];
  const amountSalt = draw();
  const amountOf = (n: number): bigint => BigInt(100 + ((Math.imul(n + 1, 0x9e3779b1) ^ amountSalt) >>> 0) % 9900);
  const lateSalt = draw();
  const lateReverser = (index: number): boolean => ((Math.imul(index + 1, 0x85ebca6b) ^ lateSalt) >>> 0) % 4 === 0;
  // Just before the kill (up to 40 ms) or just after it (up to 10 ms): a reversal takes milliseconds.
  const lateDelayMs = (index: number): number => killAfterMs - 40 + (((Math.imul(index + 1, 0xc2b2ae35) ^ lateSalt) >>> 0) % 51);
  return { round, seed, nextSeed, killAfterMs, victims, amountOf, lateReverser, lateDelayMs };
}
