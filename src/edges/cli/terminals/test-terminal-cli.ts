import { afterEach, beforeEach, expect } from 'vitest';
import type { TestDatabase } from '../../../adapters/store/test-databases.js';
import { MERCHANT_ID, openHost, TERMINAL_ID, type HostFixture } from '../../../domain/host/test-host.js';
import { splitKey, toHex } from '../../../lib/crypto/index.js';
import type { TemporaryDataDir } from '../merchants/test-cli-env.js';

/**
 * Test support (left out of the build): registers, in the enclosing describe, a real host for
 * each test whose terminal TERMINAL_ID the simulator holds, set up through the CLI as an operator
 * would — `bastion terminal inject` with the TMK split in two components, then `bastion terminal
 * sign-in` unless `signIn: false` — in `cli`'s temporary data directory; afterEach closes the host
 * and removes the directory. Returns the running test's host; outside a test it throws.
 */
export function useSimulatedTerminalCli(cli: TemporaryDataDir, database: TestDatabase, options: { readonly signIn?: boolean } = {}): () => HostFixture {
  let current: HostFixture | undefined;
  beforeEach(async () => {
    cli.setUp();
    const host = await openHost(database);
    current = host;
    const components = splitKey('tdes', host.tmk, 2).map((component) => toHex(component.key));
    const injected = await cli.run('terminal', 'inject', '--tid', TERMINAL_ID, '--mid', MERCHANT_ID, '--host', '127.0.0.1', '--port', String(host.address.port), '--component', components[0] ?? '', '--component', components[1] ?? '');
    expect(injected.exitCode).toBe(0);
    if (options.signIn !== false) expect((await cli.run('terminal', 'sign-in', '--tid', TERMINAL_ID)).exitCode).toBe(0);
  });
  afterEach(async () => {
    const closing = current;
    current = undefined;
    await closing?.close();
    cli.tearDown();
  });
  return () => {
    if (current === undefined) throw new Error('the host is open only while a test runs');
    return current;
  };
}
