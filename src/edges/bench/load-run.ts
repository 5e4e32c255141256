import type { LoadTerminal, SaleOutcome } from './load-terminal.js';

export interface LoadRunOptions {
  readonly durationMs: number;
  /** Offered sales per second over the whole fleet; undefined sends as fast as each terminal is answered. */
  readonly ratePerSecond?: number;
  /** Told once a second: sales so far, approved so far, seconds elapsed. */
  readonly onProgress?: (progress: LoadProgress) => void;
  /** Told every outcome (the crash test keeps the approvals). */
  readonly onOutcome?: (terminal: LoadTerminal, outcome: SaleOutcome) => void | Promise<void>;
  /** Amount of sale `n` of a terminal (default 1.00 to 99.99, varying). */
  readonly amountOf?: (n: number) => bigint;
  /** Stops the run early when it resolves (the crash test's kill). */
  readonly stop?: Promise<void>;
  /**
   * How a terminal answered 77 or A0 signs in again before its next sale (the crash test keeps
   * count of sign-ins still owed). Default: `terminal.signIn()`, a failure ignored (the next sale
   * is answered 77 or A0 again, and it tries again).
   */
  readonly signInAgain?: (terminal: LoadTerminal) => Promise<void>;
}

export interface LoadProgress {
  readonly elapsedSeconds: number;
  readonly sent: number;
  readonly approved: number;
  readonly approvedLastSecond: number;
}

export interface LoadResult {
  readonly elapsedSeconds: number;
  readonly sent: number;
  readonly approved: number;
  readonly approvedPerSecond: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Outcomes other than 00, by response code (or timeout / closed / bad-reply). */
  readonly errors: Readonly<Record<string, number>>;
}

const PROGRESS_INTERVAL_MS = 1000;
/** The host's answers after which the terminal must sign in (again) before it transacts. */
const SIGN_IN_AGAIN: ReadonlySet<string> = new Set(['77', 'A0']);

/**
 * Runs every terminal's sales loop for `durationMs`: each terminal sends a sale, waits for its
 * answer (a terminal is never faster than its host), then sends the next, at once or on its share
 * of the offered rate. Latency is from the request leaving to its reply checked. Every outcome
 * counts, none is retried: a terminal that got no answer keeps going with its next sale.
 */
export async function runLoad(terminals: readonly LoadTerminal[], options: LoadRunOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  let sent = 0;
  let approved = 0;
  let approvedAtLastTick = 0;
  const startedAt = performance.now();
  const endsAt = startedAt + options.durationMs;
  const stopped = stopFlag(options.stop);
  const amountOf = options.amountOf ?? ((n: number): bigint => BigInt(100 + ((n * 7919) % 9900)));
  const signInAgain = options.signInAgain ?? (async (terminal: LoadTerminal): Promise<void> => { await terminal.signIn().catch(() => undefined); });
  const ticker = setInterval(() => {
    options.onProgress?.({ elapsedSeconds: (performance.now() - startedAt) / 1000, sent, approved, approvedLastSecond: approved - approvedAtLastTick });
    approvedAtLastTick = approved;
  }, PROGRESS_INTERVAL_MS);
  const intervalMs = options.ratePerSecond === undefined ? 0 : (1000 * terminals.length) / options.ratePerSecond;

  const loop = async (terminal: LoadTerminal, index: number): Promise<void> => {
    // Spread the fleet's first sends over one interval so a fixed rate starts smooth.
    let nextAt = startedAt + (intervalMs * index) / terminals.length;
    for (let n = 0; !stopped(); n++) {
      if (intervalMs > 0) {
        const waitMs = nextAt - performance.now();
        if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
        nextAt += intervalMs;
      }
      if (stopped() || performance.now() >= endsAt) return;
      sent++;
      const outcome = await terminal.sale(amountOf(n));
      latencies.push(outcome.latencyMs);
      if (outcome.responseCode === '00') approved++;
      else errors[outcome.responseCode] = (errors[outcome.responseCode] ?? 0) + 1;
      await options.onOutcome?.(terminal, outcome);
      // 77: the host's business day turned (or the batch moved); A0: the host holds other working
      // keys (a sign-in whose reply a crash cut off). A real terminal signs in again, and does not
      // go on MACing with keys the host will count as failures until it locks the terminal.
      if (SIGN_IN_AGAIN.has(outcome.responseCode)) await signInAgain(terminal);
    }
  };
  try {
    await Promise.all(terminals.map((terminal, index) => loop(terminal, index)));
  } finally {
    clearInterval(ticker);
  }
  const elapsedSeconds = (performance.now() - startedAt) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  return {
    elapsedSeconds,
    sent,
    approved,
    approvedPerSecond: approved / elapsedSeconds,
    p50Ms: percentile(sorted, 0.5),
    p95Ms: percentile(sorted, 0.95),
    p99Ms: percentile(sorted, 0.99),
    maxMs: sorted.length === 0 ? 0 : (sorted[sorted.length - 1] ?? 0),
    errors,
  };
}

/** A flag that turns true once `stop` resolves (read through a function, as it changes behind the loop's back). */
function stopFlag(stop: Promise<void> | undefined): () => boolean {
  let stopped = false;
  void stop?.then(() => { stopped = true; });
  return () => stopped;
}

/** Nearest-rank percentile of sorted values (0 for none). */
export function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[rank] ?? 0;
}
