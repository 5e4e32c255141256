import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLuhnValid, toHex } from '../../../lib/crypto/index.js';
import { expectBastionError, expectBastionRejection } from '../../../lib/errors/test-helpers.js';
import type { Store } from '../../../ports/store.js';
import { testHsm } from '../../hsm/test-hsm.js';
import { databases } from '../../store/test-databases.js';
import { assertCardDefinition } from './card-definition.js';
import { IssuerSimulator } from './issuer-simulator.js';
import { issuerSimulatorMigrations } from './migrations.js';
import { PIN_TRIES_LIMIT } from './pin-check.js';
import { seedIssuerSimulator } from './seed.js';
import { testCard, testCards, type TestCardDefinition } from './seed-cards.js';
import type { IssuerTables } from './tables.js';
import { issuerOn, pinUnderZpk, requestFor, testClock } from './test-issuer.js';

describe('the documented test cards', () => {
  it('are valid, in the test BIN 621234, with distinct PANs and profiles', () => {
    for (const card of testCards) {
      expect(() => { assertCardDefinition(card); }).not.toThrow();
      expect(card.pan.startsWith('621234'), card.profile).toBe(true);
      expect(isLuhnValid(card.pan), card.profile).toBe(true);
    }
    expect(new Set(testCards.map((card) => card.pan)).size).toBe(testCards.length);
    expect(new Set(testCards.map((card) => card.profile)).size).toBe(testCards.length);
  });

  it('cover every decision the documentation promises', () => {
    expect(testCards.map((card) => card.profile)).toEqual(
      expect.arrayContaining(['approve-chip-pin', 'approve-magstripe', 'chip-no-pin', 'insufficient-funds', 'expired', 'lost', 'stolen', 'restricted', 'pin-to-block', 'low-daily-limit']),
    );
  });

  it.each<[string, Partial<TestCardDefinition>]>([
    ['pan', { pan: '6212340000000018' }],
    ['expiry', { expiry: '3113' }],
    ['serviceCode', { serviceCode: '22' }],
    ['testPin', { testPin: '12' }],
    ['status', { status: 'frozen' as never }],
    ['balanceMinor', { balanceMinor: -1n }],
    ['emv.psn', { emv: { psn: '1', masterKeyOption: 'A', sessionKey: 'common', padding: 2 } }],
  ])('refuses a definition with a bad %s, naming the field and not the card data', (argument, change) => {
    const card = { ...testCard('approve-chip-pin'), ...change };
    expectBastionError(() => { assertCardDefinition(card); }, 'ISSUER_ERR_CARD', { argument }, [card.pan, card.testPin]);
  });

  it('testCard names a card or refuses the name', () => {
    expect(testCard('lost').status).toBe('lost');
    expectBastionError(() => testCard('no-such-card'), 'ISSUER_ERR_CARD');
  });
});

describe.each(databases)('seeding the issuer simulator on $name', (database) => {
  let store: Store;
  beforeEach(async () => {
    store = await database.open([issuerSimulatorMigrations]);
  });
  afterEach(async () => {
    await store.close();
  });

  const count = async (table: 'issuer_cards' | 'issuer_keys'): Promise<bigint> =>
    (await store.db<IssuerTables>().selectFrom(table).select(sql<bigint>`count(*)`.as('n')).executeTakeFirstOrThrow()).n;

  it('refuses to open before it is seeded', async () => {
    await expectBastionRejection(IssuerSimulator.open({ store, hsm: testHsm() }), 'ISSUER_ERR_NOT_SEEDED');
  });

  it('creates the keys and the cards once; seeding again changes nothing', async () => {
    const hsm = testHsm();
    const first = await seedIssuerSimulator({ store, hsm });
    expect(first.keysCreated.map((key) => [key.name, key.keyType, key.origin])).toEqual([
      ['imkAc', 'IMK-AC', 'published'],
      ['pvk', 'PVK', 'published'],
      ['cvk', 'CVK', 'published'],
      ['zpk', 'ZPK', 'generated'],
      ['zek', 'ZEK', 'generated'],
      ['panEncryption', 'DEK', 'generated'],
      ['panLookup', 'HASH', 'generated'],
    ]);
    expect(first.cards.map((card) => card.outcome)).toEqual(testCards.map(() => 'created'));
    expect(first.cards[0]?.maskedPan).toBe('621234******0019');
    const second = await seedIssuerSimulator({ store, hsm });
    expect(second.keysCreated).toEqual([]);
    expect(second.cards.map((card) => card.outcome)).toEqual(testCards.map(() => 'existing'));
    expect(second.zpkKcv).toEqual(first.zpkKcv);
    expect(await count('issuer_cards')).toBe(BigInt(testCards.length));
    expect(await count('issuer_keys')).toBe(7n);
    const simulator = await IssuerSimulator.open({ store, hsm });
    expect(simulator.zonePinKey().kcv).toEqual(first.zpkKcv);
    expect(simulator.zonePinKey().type).toBe('ZPK');
    expect(simulator.zoneDataKey().type).toBe('ZEK');
    expect(simulator.zoneDataKey().algorithm).toBe('tdes-2key');
    expect(simulator.zoneDataKey().kcv).toEqual(first.keysCreated.find((key) => key.name === 'zek')?.kcv);
  });

  it('two seeders racing end with one set of keys and one account per card', async () => {
    const hsm = testHsm();
    const results = await Promise.all([seedIssuerSimulator({ store, hsm }), seedIssuerSimulator({ store, hsm }), seedIssuerSimulator({ store, hsm })]);
    expect(new Set(results.map((result) => toHex(result.zpkKcv))).size).toBe(1);
    expect(await count('issuer_cards')).toBe(BigInt(testCards.length));
    expect(await count('issuer_keys')).toBe(7n);
    for (const [index] of testCards.entries()) expect(results.filter((result) => result.cards[index]?.outcome === 'created')).toHaveLength(1);
  });

  it('stores a PVV that verifies the test PIN, never the PIN; reset puts a used card back', async () => {
    const hsm = testHsm();
    const clock = testClock();
    const card = testCard('pin-to-block');
    await seedIssuerSimulator({ store, hsm, clock: clock.now, cards: [card] });
    const row = await store.db<IssuerTables>().selectFrom('issuer_cards').selectAll().executeTakeFirstOrThrow();
    expect(row.pvv).toMatch(/^[0-9]{4}$/);
    expect(row.pvv).not.toBe(card.testPin);
    expect(row.pvki).toBe('1');

    const fixture = await issuerOn(store, hsm, clock);
    const simulator = fixture.simulator;
    for (let attempt = 0; attempt < PIN_TRIES_LIMIT; attempt++) await simulator.authorize(requestFor(card, { pinData: await pinUnderZpk(fixture, card, '1111') }));
    expect((await simulator.authorize(requestFor(card, { pinData: await pinUnderZpk(fixture, card, card.testPin) }))).reason).toBe('pin-tries-exceeded');
    expect((await seedIssuerSimulator({ store, hsm, clock: clock.now, cards: [card] })).cards[0]?.outcome).toBe('existing');
    expect((await simulator.authorize(requestFor(card, { pinData: await pinUnderZpk(fixture, card, card.testPin) }))).reason).toBe('pin-tries-exceeded');
    expect((await seedIssuerSimulator({ store, hsm, clock: clock.now, cards: [card], reset: true })).cards[0]?.outcome).toBe('reset');
    // The reset also forgets the ATCs seen, as a re-personalised card starts counting again.
    expect((await simulator.authorize(requestFor(card, { pinData: await pinUnderZpk(fixture, card, card.testPin), amountMinor: 100n }))).reason).toBe('approved');
  });

  it('refuses to seed under card keys that are not the published test keys', async () => {
    const hsm = testHsm();
    await seedIssuerSimulator({ store, hsm, cards: [] });
    const other = await hsm.generateKey('CVK');
    await store.db<IssuerTables>().updateTable('issuer_keys').set({ ciphertext: other.ciphertext, kcv: other.kcv }).where('id', '=', 'cvk-1').execute();
    await expectBastionRejection(seedIssuerSimulator({ store, hsm }), 'ISSUER_ERR_KEYS', { keyId: 'cvk-1' });
  });

  it('refuses a key stored under the wrong type', async () => {
    const hsm = testHsm();
    await seedIssuerSimulator({ store, hsm, cards: [] });
    await store.db<IssuerTables>().updateTable('issuer_keys').set({ key_type: 'PVK' }).where('id', '=', 'zpk-1').execute();
    await expectBastionRejection(IssuerSimulator.open({ store, hsm }), 'ISSUER_ERR_KEYS', { keyId: 'zpk-1' });
  });

  it('refuses two definitions with one profile name before touching the store', async () => {
    const card = testCard('lost');
    await expectBastionRejection(seedIssuerSimulator({ store, hsm: testHsm(), cards: [card, { ...card, pan: '6212340000000134' }] }), 'ISSUER_ERR_CARD', { argument: 'profile' });
    expect(await count('issuer_keys')).toBe(0n);
  });
});
