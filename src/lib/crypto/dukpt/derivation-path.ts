/**
 * The host-side DUKPT walk shared by both generations: starting from the initial key, for each
 * one-bit of the transaction counter from the most significant down, set that bit in a working
 * counter and derive the next key from the current one and the working counter. The key reached
 * after the last one-bit is the transaction key (TDES "future key", AES "derivation key").
 */
export type DerivationStep<K> = (parent: K, workingCounter: number) => K;

/** One walk from `root`, without remembering anything (one-off derivations). */
export function walkCounterBits<K>(root: K, counter: number, topBit: number, step: DerivationStep<K>): K {
  let key = root;
  let working = 0;
  for (let bit = topBit; bit !== 0; bit >>>= 1) {
    if ((counter & bit) === 0) continue;
    working = (working | bit) >>> 0;
    key = step(key, working);
  }
  return key;
}

/**
 * The same walk, remembering the keys of the previous walk from the same root. Consecutive KSNs
 * of one device share their high counter bits, so their walks share a prefix of steps; those
 * steps are reused instead of recomputed. Step i of two walks is the same derivation exactly
 * when the working counters at step i are equal (each working counter fixes every earlier one),
 * so a match at each depth, checked in order, is a sufficient key.
 *
 * One instance belongs to one device (one root): see DeviceWalkCache.
 */
export class DerivationPathCache<K> {
  private readonly counters: number[] = [];
  private readonly keys: K[] = [];

  walk(root: K, counter: number, topBit: number, step: DerivationStep<K>): K {
    let key = root;
    let working = 0;
    let depth = 0;
    for (let bit = topBit; bit !== 0; bit >>>= 1) {
      if ((counter & bit) === 0) continue;
      working = (working | bit) >>> 0;
      if (depth < this.counters.length && this.counters[depth] === working) {
        key = this.keys[depth] as K;
      } else {
        // The paths part here: everything remembered from this depth on belongs to the old path.
        this.counters.length = depth;
        this.keys.length = depth;
        key = step(key, working);
        this.counters.push(working);
        this.keys.push(key);
      }
      depth++;
    }
    return key;
  }
}
