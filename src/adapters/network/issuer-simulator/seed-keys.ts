import { combineKeyComponents, fromHex } from '../../../lib/crypto/index.js';
import type { HsmPort, KeyUnderLmk } from '../../../ports/hsm.js';

/**
 * The simulator's card keys for test cards, published here like the development LMK: the
 * IMK-AC, PVK and CVK every seeded test card is personalised under, as two clear components
 * each. Published on purpose — a terminal simulator must be able to compute the cards' real
 * ARQCs, PVVs and CVVs — so they are test keys for test cards and nothing else. The zone PIN
 * key is not here: the seed generates it inside the HSM, as a real zone key would be.
 */
export type SeedKeyName = 'imkAc' | 'pvk' | 'cvk';

interface PublishedKey {
  readonly type: 'IMK-AC' | 'PVK' | 'CVK';
  /** Two components, hex; the key is their XOR with DES parity set. */
  readonly components: readonly [string, string];
}

export const seedKeyComponents: Readonly<Record<SeedKeyName, PublishedKey>> = {
  imkAc: { type: 'IMK-AC', components: ['16CC3AAEE9A172BE4721C97FD5CA1D4C', '78EFCF258714C4193CB79B1663F7610A'] },
  pvk: { type: 'PVK', components: ['532000D02FC6435FD10A024F46B439EF', '9BAD95DA35ABEC56EBE14E15DE64E8E8'] },
  cvk: { type: 'CVK', components: ['8442F1949156634FDE9BFE66297F12FA', '81866DC5618E4921A211A1CB13F6EB95'] },
};

/**
 * TEST ONLY: the clear value of a published test key, for a simulator playing the card (an ICC
 * master key, a track's CVV). Never call this for anything that protects real cards.
 */
export function testOnlyClearSeedKey(name: SeedKeyName): Buffer {
  return combineKeyComponents('tdes', seedKeyComponents[name].components.map((component) => fromHex(component))).key;
}

/** The published key loaded into the HSM from its components, as custodians would load it. */
export function importSeedKey(hsm: HsmPort, name: SeedKeyName): Promise<KeyUnderLmk> {
  const published = seedKeyComponents[name];
  return hsm.importKeyFromComponents({ type: published.type, algorithm: 'tdes-2key', components: published.components.map((component) => fromHex(component)) });
}
