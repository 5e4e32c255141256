import { BastionError } from '../../lib/errors/index.js';
import { wholeNumberSetting } from '../../lib/settings/whole-number.js';
import type { HsmPort } from '../../ports/hsm.js';
import type { LocalMasterKey } from './local-master-key.js';
import { SoftwareHsm } from './software-hsm.js';
import { WorkerHsm, workerHsmThreadsMax } from './worker-hsm.js';

/**
 * Where the host's HSM runs, from BASTION_HSM_THREADS: `0` in the host's own event loop (a
 * SoftwareHsm), `n` ≥ 1 in n worker threads (a WorkerHsm), so the cryptography runs beside the
 * host's loop instead of inside it.
 *
 * The default is 0. Measured on a 2-core machine (`bench host`, SQLite), a worker thread did not
 * raise approved sales per second: each call still costs the host's thread a message to the worker
 * and its answer, and with the few calls one event-loop turn makes, that costs about what the
 * operation itself costs in process (the host's CPU profile: some 22% in the HSM in process, some
 * 19% in WorkerHsm and postMessage with one worker), while the workers add CPU of their own. Worker
 * threads pay off where the HSM's share of the work is larger or spare cores are plenty.
 */
export const hsmThreadsVariable = 'BASTION_HSM_THREADS';
export const hsmThreadsDefault = 0;

/** The HSM threads BASTION_HSM_THREADS asks for (default `hsmThreadsDefault`); SERVE_ERR_CONFIG when it is not a whole number from 0 to 64. */
export function hsmThreadsFromEnvironment(environment: NodeJS.ProcessEnv = process.env): number {
  const invalid = (): BastionError => new BastionError(
    'SERVE_ERR_CONFIG',
    `${hsmThreadsVariable} must be a whole number from 0 to ${workerHsmThreadsMax}: 0 runs the HSM in the host's event loop, n ≥ 1 in n worker threads`,
    { argument: hsmThreadsVariable },
  );
  return wholeNumberSetting(environment[hsmThreadsVariable], 0, workerHsmThreadsMax, invalid) ?? hsmThreadsDefault;
}

/** An HSM the host can shut down: `close()` ends its workers and wipes the keys it cached. */
export interface ClosableHsm extends HsmPort {
  close(): Promise<void>;
}

export interface OpenHsmOptions {
  /** The worker module for `threads` ≥ 1 (WorkerHsmOptions.workerUrl): tests point it at dist/. */
  readonly workerUrl?: URL;
}

/** The software HSM over `lmk`: in this thread when `threads` is 0, else in that many worker threads (started and ready). */
export async function openHsm(lmk: LocalMasterKey, threads: number, options: OpenHsmOptions = {}): Promise<ClosableHsm> {
  if (threads === 0) {
    const hsm = new SoftwareHsm(lmk);
    return Object.assign(hsm, {
      close: (): Promise<void> => {
        hsm.forgetCachedKeys();
        return Promise.resolve();
      },
    });
  }
  return WorkerHsm.start(lmk, { threads, ...(options.workerUrl === undefined ? {} : { workerUrl: options.workerUrl }) });
}
