import { describe, expect, it } from 'vitest';
import { testCard } from '../../adapters/network/issuer-simulator/index.js';
import { databases } from '../../adapters/store/test-databases.js';
import { TERMINAL_ID } from '../../domain/host/test-host.js';
import { expectBastionRejection } from '../../lib/errors/test-helpers.js';
import { signOutTerminal } from './sign-out.js';
import { signInTerminal, transact } from './terminal.js';
import { useSignedInSimulator } from './test-simulator.js';

describe.each(databases)('sign-out through the terminal simulator over TCP on $name', (database) => {
  const fixture = useSignedInSimulator(database);

  it('signs out (00): the host and the terminal drop the working keys; a sale needs a sign-in again', async () => {
    const result = await signOutTerminal(fixture.context);
    expect(result).toMatchObject({ terminalId: TERMINAL_ID, responseCode: '00', signedOut: true });
    expect(fixture.state().workingKeys).toBeUndefined();
    expect((await fixture.host.terminals.require({ terminalId: TERMINAL_ID })).workingKeys).toBeUndefined();
    await expectBastionRejection(transact(fixture.context, { kind: 'sale', card: testCard('approve-magstripe'), entry: 'swipe', pin: '1234', amountMinor: 100n }), 'SIM_ERR_NOT_SIGNED_IN');
    expect((await signInTerminal(fixture.context)).signedIn).toBe(true);
    expect((await transact(fixture.context, { kind: 'sale', card: testCard('approve-magstripe'), entry: 'swipe', pin: '1234', amountMinor: 100n })).approved).toBe(true);
  });
});
