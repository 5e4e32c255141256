import { describe, expect, it } from 'vitest';
import { testCard } from '../../adapters/network/issuer-simulator/index.js';
import { databases } from '../../adapters/store/test-databases.js';
import { openHost, TestTerminal } from './test-host.js';

describe.each(databases)('an unexpected failure on $name', (database) => {
  it('is answered 96 and logged by error code only, never a crash or card data', async () => {
    const logged: Record<string, string>[] = [];
    const fixture = await openHost(database, { logger: { error: (fields) => logged.push(fields) } });
    const terminal = await TestTerminal.connect(fixture);
    try {
      await terminal.signIn();
      const request = terminal.sale(testCard('approve-chip-pin'), { pin: '1234' });
      // A real failure, not a stand-in: the database goes away under the pipeline.
      await fixture.store.close();
      const reply = await terminal.exchange(request);
      expect(reply.get(39)).toBe('96');
      expect(reply.get(64)).toBeUndefined();
      expect(logged).toHaveLength(1);
      expect(Object.keys(logged[0] ?? {}).sort()).toEqual(['code', 'mti']);
      expect(JSON.stringify(logged)).not.toContain(testCard('approve-chip-pin').pan.slice(6));
    } finally {
      terminal.close();
      await fixture.close().catch(() => undefined);
    }
  });
});
