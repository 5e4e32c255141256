import type { Logger } from '../../adapters/log/index.js';
import { hostLogCodeOf } from '../../domain/host/index.js';
import { BastionError } from '../../lib/errors/index.js';

/** How often a running host ends stale pre-authorisation holds, unless configured. */
export const HOLD_EXPIRY_INTERVAL_MS_DEFAULT = 60_000;
/** Sweeps in a row within one tick, each ending at most the network's batch bound of holds. */
export const HOLD_EXPIRY_SWEEPS_PER_TICK_MAX = 20;

export interface HoldExpirer {
  /** Ends holds whose expiry has passed, at most `batchMax` per call; returns how many it ended. */
  expireHolds(): Promise<number>;
}

export interface HoldExpirySweep {
  /** One tick now (tests, and the first tick at start): returns the holds ended. */
  runOnce(): Promise<number>;
  /** Stops the timer and waits for a tick in progress. */
  stop(): Promise<void>;
}

/**
 * A running host's timer that frees the money held by expired pre-authorisations (a completion
 * finds a stale hold expired on its own; the sweep makes the cardholder's available balance right
 * sooner). One tick at a time; a tick runs sweeps until one ends fewer than `batchMax` holds or
 * HOLD_EXPIRY_SWEEPS_PER_TICK_MAX have run. A failure is logged by its error code and the next
 * tick tries again; the timer never keeps the process alive.
 */
export function startHoldExpirySweep(options: { readonly network: HoldExpirer; readonly batchMax: number; readonly intervalMs?: number; readonly logger: Logger }): HoldExpirySweep {
  const intervalMs = options.intervalMs ?? HOLD_EXPIRY_INTERVAL_MS_DEFAULT;
  if (!Number.isSafeInteger(intervalMs) || intervalMs < 1_000) {
    throw new BastionError('SERVE_ERR_CONFIG', 'the hold expiry interval is a whole number of milliseconds, at least 1000', { argument: 'holdExpiryIntervalMs' });
  }
  let running: Promise<number> | undefined;
  const tick = async (): Promise<number> => {
    let ended = 0;
    for (let sweep = 0; sweep < HOLD_EXPIRY_SWEEPS_PER_TICK_MAX; sweep += 1) {
      const count = await options.network.expireHolds();
      ended += count;
      if (count < options.batchMax) break;
    }
    if (ended > 0) options.logger.info({ holdsEnded: ended }, 'expired pre-authorisation holds ended');
    return ended;
  };
  const runOnce = (): Promise<number> => {
    running ??= tick()
      .catch((error: unknown) => {
        options.logger.error({ code: hostLogCodeOf(error) }, 'the hold expiry sweep failed; the next tick tries again');
        return 0;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const timer = setInterval(() => void runOnce(), intervalMs);
  timer.unref();
  return {
    runOnce,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
