import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalMasterKey } from '../../../adapters/hsm/local-master-key.js';
import { SoftwareHsm } from '../../../adapters/hsm/software-hsm.js';
import { PIN_TRIES_LIMIT, testCard, testCards } from '../../../adapters/network/issuer-simulator/index.js';
import { issuerOn, pinUnderZpk, requestFor, testClock } from '../../../adapters/network/issuer-simulator/test-issuer.js';
import { useTemporaryDataDir } from '../merchants/test-cli-env.js';
import { openConfiguredStore } from '../store/configured-store.js';

const cli = useTemporaryDataDir();

describe('bastion cards seed', () => {
  beforeAll(cli.setUp);
  afterAll(cli.tearDown);

  it('needs an LMK, and refuses the development LMK without --dev', async () => {
    const missing = await cli.run('cards', 'seed');
    expect(missing).toMatchObject({ exitCode: 2, stdout: '' });
    expect(missing.stderr).toMatch(/^error HSM_ERR_LMK_MISSING: /);
    expect((await cli.run('keys', 'ceremony', '--dev')).exitCode).toBe(0);
    const refused = await cli.run('cards', 'seed');
    expect(refused).toMatchObject({ exitCode: 2, stdout: '' });
    expect(refused.stderr).toMatch(/^error HSM_ERR_LMK_DEV_REFUSED: /);
  });

  it('creates the keys and every documented card, showing masked PANs only', async () => {
    const result = await cli.run('cards', 'seed', '--dev');
    expect(result).toMatchObject({ exitCode: 0, stderr: '' });
    expect(result.stdout).toContain(`${testCards.length} test cards (${testCards.length} created, 0 reset, 0 already there)`);
    expect(result.stdout).toMatch(/keys created: IMK-AC \(KCV [0-9A-F]{6}\), PVK .*ZPK \(KCV [0-9A-F]{6}\)/);
    for (const card of testCards) {
      expect(result.stdout).toContain(card.profile);
      expect(result.stdout).toContain(`${card.pan.slice(0, 6)}${'*'.repeat(card.pan.length - 10)}${card.pan.slice(-4)}`);
      expect(result.stdout).not.toContain(card.pan);
    }
    const tail = await cli.run('audit', 'tail');
    expect(tail.stdout).toMatch(/key\.import/);
    expect(tail.stdout).toMatch(/key\.generate/);
    expect(tail.stdout).toContain('issuer-key:zpk-1');
    expect((await cli.run('audit', 'verify')).exitCode).toBe(0);
  });

  it('adds nothing when run again, and says so (also as JSON)', async () => {
    const again = await cli.run('cards', 'seed', '--dev');
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toContain(`(0 created, 0 reset, ${testCards.length} already there)`);
    expect(again.stdout).toContain('keys: already there');
    const json = JSON.parse((await cli.run('cards', 'seed', '--dev', '--json')).stdout) as { keysCreated: unknown[]; zpkKcv: string; cards: { profile: string; outcome: string }[] };
    expect(json.keysCreated).toEqual([]);
    expect(json.zpkKcv).toMatch(/^[0-9A-F]{6}$/);
    expect(json.cards.every((card) => card.outcome === 'existing')).toBe(true);
  });

  it('seeds cards the issuer simulator approves and declines as documented; --reset puts them back', async () => {
    const { store } = await openConfiguredStore();
    try {
      const fixture = await issuerOn(store, new SoftwareHsm(LocalMasterKey.development()), testClock(BigInt(Date.now())));
      const card = testCard('approve-chip-pin');
      const approved = await fixture.simulator.authorize(requestFor(card, { amountMinor: 1_000n, pinData: await pinUnderZpk(fixture, card, card.testPin) }));
      expect(approved.reason).toBe('approved');
      const lost = testCard('lost');
      expect((await fixture.simulator.authorize(requestFor(lost, { pinData: await pinUnderZpk(fixture, lost, lost.testPin) }))).responseCode).toBe('41');
      const blocked = testCard('pin-to-block');
      for (let attempt = 0; attempt < PIN_TRIES_LIMIT; attempt++) await fixture.simulator.authorize(requestFor(blocked, { pinData: await pinUnderZpk(fixture, blocked, '0000') }));
      expect((await fixture.simulator.authorize(requestFor(blocked, { pinData: await pinUnderZpk(fixture, blocked, blocked.testPin) }))).reason).toBe('pin-tries-exceeded');

      const reset = await cli.run('cards', 'seed', '--dev', '--reset');
      expect(reset.stdout).toContain(`(0 created, ${testCards.length} reset, 0 already there)`);
      expect((await fixture.simulator.authorize(requestFor(blocked, { pinData: await pinUnderZpk(fixture, blocked, blocked.testPin) }))).reason).toBe('approved');
    } finally {
      await store.close();
    }
  });
});
