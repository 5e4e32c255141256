import type { Kysely, Selectable } from 'kysely';
import { toHex } from '../../../lib/crypto/index.js';
import { BastionError } from '../../../lib/errors/index.js';
import { keyAlgorithms, type HsmPort, type KeyAlgorithm, type KeyType, type KeyUnderLmk } from '../../../ports/hsm.js';
import { importSeedKey, type SeedKeyName } from './seed-keys.js';
import type { IssuerKeysTable, IssuerTables } from './tables.js';

/**
 * The issuer's keys, each under the LMK in `issuer_keys` under a fixed id (a rotation would add
 * `-2`, never change these): the card keys (IMK-AC, PVK, CVK), the zone PIN and zone data keys
 * it shares with the acquirer, and the DEK and HASH key that protect its stored PANs.
 */
export type IssuerKeyName = SeedKeyName | 'zpk' | 'zek' | 'panEncryption' | 'panLookup';

export type IssuerKeys = Readonly<Record<IssuerKeyName, KeyUnderLmk>>;

interface KeySlot {
  readonly id: string;
  readonly type: KeyType;
  /** How the seed makes the key when it is missing. */
  readonly make: (hsm: HsmPort) => Promise<KeyUnderLmk>;
  /** Published test keys must stay the published ones, or the test cards stop verifying. */
  readonly published?: SeedKeyName;
}

const keySlots: Readonly<Record<IssuerKeyName, KeySlot>> = {
  imkAc: { id: 'imk-ac-1', type: 'IMK-AC', make: (hsm) => importSeedKey(hsm, 'imkAc'), published: 'imkAc' },
  pvk: { id: 'pvk-1', type: 'PVK', make: (hsm) => importSeedKey(hsm, 'pvk'), published: 'pvk' },
  cvk: { id: 'cvk-1', type: 'CVK', make: (hsm) => importSeedKey(hsm, 'cvk'), published: 'cvk' },
  zpk: { id: 'zpk-1', type: 'ZPK', make: (hsm) => hsm.generateKey('ZPK', 'tdes-2key') },
  // TDES, because the UnionPay track-encryption layout is a TDES block (the HSM's track-data.ts).
  zek: { id: 'zek-1', type: 'ZEK', make: (hsm) => hsm.generateKey('ZEK', 'tdes-2key') },
  panEncryption: { id: 'pan-encryption-1', type: 'DEK', make: (hsm) => hsm.generateDataKey() },
  panLookup: { id: 'pan-lookup-1', type: 'HASH', make: (hsm) => hsm.generateKey('HASH', 'hmac-sha256') },
};

export const issuerKeyNames = Object.keys(keySlots) as IssuerKeyName[];

/** A key a seed run created, for the audit log: never the key, only what identifies it. */
export interface CreatedIssuerKey {
  readonly name: IssuerKeyName;
  readonly keyId: string;
  readonly keyType: KeyType;
  readonly kcv: Buffer;
  /** `published`: imported from the published test components; `generated`: made in the HSM. */
  readonly origin: 'published' | 'generated';
}

function keyFromRow(name: IssuerKeyName, row: Selectable<IssuerKeysTable>): KeyUnderLmk {
  const slot = keySlots[name];
  if (row.key_type !== slot.type || !(keyAlgorithms as readonly string[]).includes(row.algorithm)) {
    throw new BastionError('ISSUER_ERR_KEYS', `the issuer key ${slot.id} is stored as ${row.key_type}, not ${slot.type}: the store was altered`, { keyId: slot.id });
  }
  return { type: slot.type, algorithm: row.algorithm as KeyAlgorithm, ciphertext: Buffer.from(row.ciphertext), kcv: Buffer.from(row.kcv) };
}

/** Every issuer key, or ISSUER_ERR_NOT_SEEDED when the simulator has not been seeded yet. */
export async function loadIssuerKeys(db: Kysely<IssuerTables>): Promise<IssuerKeys> {
  const rows = await db.selectFrom('issuer_keys').selectAll().execute();
  const byId = new Map(rows.map((row) => [row.id, row]));
  const keys: Partial<Record<IssuerKeyName, KeyUnderLmk>> = {};
  for (const name of issuerKeyNames) {
    const row = byId.get(keySlots[name].id);
    if (row === undefined) {
      throw new BastionError('ISSUER_ERR_NOT_SEEDED', 'the issuer simulator has no keys yet: run `bastion cards seed` first', { keyId: keySlots[name].id });
    }
    keys[name] = keyFromRow(name, row);
  }
  return keys as IssuerKeys;
}

/**
 * Every issuer key, creating the missing ones: insert-if-absent under the fixed id, then read
 * back, so two seeders racing end up with the same keys. Returns which keys this call created.
 */
export async function ensureIssuerKeys(db: Kysely<IssuerTables>, hsm: HsmPort, clock: () => bigint): Promise<{ readonly keys: IssuerKeys; readonly created: readonly CreatedIssuerKey[] }> {
  const keys: Partial<Record<IssuerKeyName, KeyUnderLmk>> = {};
  const created: CreatedIssuerKey[] = [];
  for (const name of issuerKeyNames) {
    const slot = keySlots[name];
    const existing = await db.selectFrom('issuer_keys').selectAll().where('id', '=', slot.id).executeTakeFirst();
    let key: KeyUnderLmk;
    if (existing === undefined) {
      const made = await slot.make(hsm);
      const inserted = await db
        .insertInto('issuer_keys')
        .values({ id: slot.id, key_type: made.type, algorithm: made.algorithm, ciphertext: made.ciphertext, kcv: made.kcv, created_at_ms: clock() })
        .onConflict((conflict) => conflict.column('id').doNothing())
        .returning('id')
        .executeTakeFirst();
      if (inserted !== undefined) created.push({ name, keyId: slot.id, keyType: slot.type, kcv: made.kcv, origin: slot.published === undefined ? 'generated' : 'published' });
      key = keyFromRow(name, await db.selectFrom('issuer_keys').selectAll().where('id', '=', slot.id).executeTakeFirstOrThrow());
    } else {
      key = keyFromRow(name, existing);
    }
    if (slot.published !== undefined) await assertPublished(hsm, slot.published, key);
    keys[name] = key;
  }
  return { keys: keys as IssuerKeys, created };
}

async function assertPublished(hsm: HsmPort, name: SeedKeyName, stored: KeyUnderLmk): Promise<void> {
  const published = await importSeedKey(hsm, name);
  if (!published.kcv.equals(stored.kcv)) {
    throw new BastionError(
      'ISSUER_ERR_KEYS',
      `the stored issuer key ${keySlots[name].id} (KCV ${toHex(stored.kcv)}) is not the published test key (KCV ${toHex(published.kcv)}): test cards would not verify under it`,
      { keyId: keySlots[name].id },
    );
  }
}
