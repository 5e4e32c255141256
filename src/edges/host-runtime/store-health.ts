import { sql } from 'kysely';
import type { Store } from '../../ports/store.js';

/** A store check that takes longer than this counts as a failure (a hung pool must not hang /healthz). */
export const storeHealthTimeoutMs = 2_000;

/** Whether `select 1` answers within the bound; never throws. */
export async function storeReachable(store: Store, timeoutMs = storeHealthTimeoutMs): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => {
      resolve(false);
    }, timeoutMs);
  });
  try {
    const query = Promise.resolve()
      .then(() => sql`select 1`.execute(store.db()))
      .then(
        () => true,
        () => false,
      );
    return await Promise.race([query, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
