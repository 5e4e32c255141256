import { describe, expect, it } from 'vitest';
import { openStore } from '../../adapters/store/open-store.js';
import { databases } from '../../adapters/store/test-databases.js';
import { storeReachable } from './store-health.js';

describe('store health', () => {
  it.each(databases.map((database) => [database.name, database] as const))('%s: reachable while open, not once closed', async (_name, database) => {
    const store = await database.open([]);
    expect(await storeReachable(store)).toBe(true);
    await store.close();
    expect(await storeReachable(store)).toBe(false);
  });

  it('a PostgreSQL server that does not answer is unreachable within the bound', async () => {
    // Port 1 on loopback: refused at once, or (behind a filter) never answered — the bound decides.
    const store = openStore({ postgresUrl: 'postgres://nobody@127.0.0.1:1/none' });
    try {
      expect(await storeReachable(store, 1_000)).toBe(false);
    } finally {
      await store.close();
    }
  });
});
