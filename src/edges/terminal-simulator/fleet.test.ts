import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testCard } from '../../adapters/network/issuer-simulator/index.js';
import { databases } from '../../adapters/store/test-databases.js';
import { MERCHANT_ID } from '../../domain/host/test-host.js';
import { xor } from '../../lib/crypto/index.js';
import { loadSimulatorState, provisionSimulatedTerminal, saveSimulatorState } from './state.js';
import { signInTerminal, transact, type SimulatorContext } from './terminal.js';
import { openSimulatorFixture, TEST_TIMEOUT_MS, type SimulatorFixture } from './test-simulator.js';

/**
 * SECURITY.md: "keys are unique per terminal and change at every sign-in", proved across a fleet
 * of simulated terminals, each with its own TMK generated in the HSM and injected as components.
 */
const FLEET_SIZE = 8;
const SIGN_INS_EACH = 2;

describe.each(databases)('a fleet of simulated terminals on $name', (database) => {
  let fixture: SimulatorFixture;

  beforeEach(async () => {
    fixture = await openSimulatorFixture(database);
  });

  afterEach(async () => {
    await fixture.close();
  });

  async function addTerminal(index: number): Promise<SimulatorContext> {
    const terminalId = `2000000${String(index)}`;
    const { hsm, terminals } = fixture.host;
    await terminals.add({ terminalId, merchantId: MERCHANT_ID, serialNumber: `FLEET-${String(index)}`, model: 'Test POS' });
    const tmk = await hsm.generateKey('TMK', 'tdes-2key');
    await terminals.setTmk({ terminalId }, tmk);
    const components = await hsm.exportKeyAsComponents(tmk, 2);
    const clear = components.reduce<Buffer>((sum, part) => xor(sum, part.component), Buffer.alloc(tmk.algorithm === 'tdes-3key' ? 24 : 16));
    provisionSimulatedTerminal({ dataDir: fixture.dataDir, terminalId, merchantId: MERCHANT_ID, hostAddress: { host: fixture.host.address.host, port: fixture.host.address.port }, tmk: clear });
    return { dataDir: fixture.dataDir, terminalId, timeoutMs: TEST_TIMEOUT_MS };
  }

  it('gives every terminal its own TMK and fresh PIK, MAK and TDK at every sign-in, and each key works only for its terminal', async () => {
    const fleet = await Promise.all(Array.from({ length: FLEET_SIZE }, (_, index) => addTerminal(index)));
    const seen = new Map<string, string>();
    const remember = (key: string, owner: string): void => {
      expect(seen.get(key), `${owner} repeats ${seen.get(key) ?? ''}`).toBeUndefined();
      seen.set(key, owner);
    };
    for (const context of fleet) remember(loadSimulatorState(context.dataDir, context.terminalId).tmk, `${context.terminalId} TMK`);
    for (let round = 1; round <= SIGN_INS_EACH; round += 1) {
      await Promise.all(fleet.map(async (context) => {
        expect((await signInTerminal(context)).responseCode).toBe('00');
      }));
      for (const context of fleet) {
        const keys = loadSimulatorState(context.dataDir, context.terminalId).workingKeys;
        expect(keys).toBeDefined();
        for (const name of ['pik', 'mak', 'tdk'] as const) remember(keys?.[name] ?? '', `${context.terminalId} ${name} round ${String(round)}`);
      }
    }
    expect(seen.size).toBe(FLEET_SIZE * (1 + 3 * SIGN_INS_EACH));

    const card = testCard('approve-chip-pin');
    const [first, second] = fleet;
    if (first === undefined || second === undefined) throw new Error('fleet too small');
    expect((await transact(first, { kind: 'sale', card, entry: 'chip', pin: '1234', amountMinor: 100n })).responseCode).toBe('00');
    // Terminal 2 holding terminal 1's keys: its MAC does not verify under its own MAK (A0).
    const borrowed = loadSimulatorState(first.dataDir, first.terminalId).workingKeys;
    if (borrowed === undefined) throw new Error('terminal 1 has no keys');
    saveSimulatorState(second.dataDir, { ...loadSimulatorState(second.dataDir, second.terminalId), workingKeys: borrowed });
    expect((await transact(second, { kind: 'sale', card, entry: 'chip', pin: '1234', amountMinor: 100n })).responseCode).toBe('A0');
  });
});
