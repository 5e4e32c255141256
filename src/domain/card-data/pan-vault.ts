import type { Kysely, Selectable } from 'kysely';
import { BastionError, isBastionError } from '../../lib/errors/index.js';
import type { HsmPort, KeyAlgorithm, KeyType, KeyUnderLmk } from '../../ports/hsm.js';
import { EpochCache } from '../../lib/cache/index.js';
import type { Store, StoreChanges } from '../../ports/store.js';
import { PreparedQuery, type ArgumentOf } from '../../ports/prepared-query.js';
import { isPanShaped, panLengthMax, panLengthMin } from '../../lib/crypto/pan.js';
import { isPanId, newPanId } from './pan-id.js';
import type { CardDataKeysTable, CardDataPansTable, CardDataTables } from './tables.js';

/**
 * The PAN vault: the one place a full PAN is stored, and only encrypted. `protect` turns a PAN
 * into a stable id (the same PAN always gets the same id, found through an HMAC look-up hash),
 * `masked` gives what a person may see (first 6, last 4), and `reveal` gives the PAN back for the
 * few flows that must send it on (to the card network). The HSM holds every key: the vault only
 * keeps a DEK and a HASH key, both under the LMK, in `card_data_keys`.
 */
export interface PanVaultOptions {
  readonly store: Store;
  readonly hsm: HsmPort;
  /** Epoch milliseconds. */
  readonly clock?: () => bigint;
}

/** The first generation of each key; a key rotation would add `-2`, never change these. */
const encryptionKeyId = 'pan-encryption-1';
const lookupKeyId = 'pan-lookup-1';
const shownDigitsLeft = 6;
const shownDigitsRight = 4;
/** DEKs a vault keeps in memory by id (under the LMK, so only to save a query). */
const dataKeysCachedMax = 64;
/**
 * Look-up hash → PAN id pairs a vault keeps in memory (every card the host sees is looked up; a
 * card seen again costs no query). Only the keyed hash and the random id, never the PAN or its
 * ciphertext; about 200 bytes each.
 */
export const PAN_IDS_CACHED_MAX = 50_000;

function assertPan(pan: unknown): asserts pan is string {
  if (!isPanShaped(pan)) {
    throw new BastionError('CARDDATA_ERR_PAN', `a PAN must be ${panLengthMin} to ${panLengthMax} decimal digits`, { argument: 'pan' });
  }
}

function notFound(panId: string): BastionError {
  return new BastionError('CARDDATA_ERR_NOT_FOUND', 'no stored PAN has this id', { panId: isPanId(panId) ? panId : 'malformed' });
}

function integrity(panId: string, what: string): BastionError {
  return new BastionError('CARDDATA_ERR_INTEGRITY', `the stored PAN ${panId} failed its integrity check (${what}): the stored data was altered`, { panId });
}

/** What the HSM says about a stored value or key that was altered (relabelled keys included). */
const integrityCodes: ReadonlySet<string> = new Set(['HSM_ERR_DATA_INTEGRITY', 'HSM_ERR_KEY_INTEGRITY', 'HSM_ERR_KEY_TYPE', 'HSM_ERR_KEY_USAGE']);

/** HSM integrity failures become the vault's own code; everything else passes through. */
async function guarded<T>(panId: string, what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (isBastionError(error) && integrityCodes.has(error.code)) {
      throw integrity(panId, what);
    }
    throw error;
  }
}

function keyFromRow(row: Selectable<CardDataKeysTable>): KeyUnderLmk {
  return { type: row.key_type as KeyType, algorithm: row.algorithm as KeyAlgorithm, ciphertext: Buffer.from(row.ciphertext), kcv: Buffer.from(row.kcv) };
}

/** Asked for every card the host sees: built and compiled once. */
const panIdByHash = new PreparedQuery((db: Kysely<CardDataTables>, arg: ArgumentOf<{ panHash: Buffer }>) =>
  db.selectFrom('card_data_pans').select('id').where('pan_hash', '=', arg('panHash')),
);

export class PanVault {
  private readonly db: Kysely<CardDataTables>;
  private readonly hsm: HsmPort;
  private readonly clock: () => bigint;
  private readonly dataKeys = new Map<string, KeyUnderLmk>();
  private readonly changes: StoreChanges;
  /**
   * Look-up hash (base64) → id, kept while the store's change epoch stands. Only ids found are
   * kept, and `pan_hash` is unique, so an insert cannot make a kept pair wrong: only an update or
   * delete of a stored row can (an erasure, a re-keying), and those move the epoch through the
   * table's triggers: on PostgreSQL a notification (migration 0002_notify_changes), on SQLite a
   * change counter (0003_count_changes_on_sqlite).
   */
  private readonly ids = new EpochCache<string, string>(PAN_IDS_CACHED_MAX);

  private constructor(
    options: PanVaultOptions,
    private readonly encryptionKey: KeyUnderLmk,
    private readonly lookupKey: KeyUnderLmk,
  ) {
    this.db = options.store.db<CardDataTables>();
    this.changes = options.store.changes;
    this.hsm = options.hsm;
    this.clock = options.clock ?? (() => BigInt(Date.now()));
    this.dataKeys.set(encryptionKeyId, encryptionKey);
  }

  /**
   * A vault over the store, creating its DEK and look-up key on first use. Two hosts starting
   * together both insert-if-absent under the same fixed ids, so they end up with the same keys.
   */
  static async open(options: PanVaultOptions): Promise<PanVault> {
    const clock = options.clock ?? (() => BigInt(Date.now()));
    const db = options.store.db<CardDataTables>();
    const ensure = async (id: string, purpose: CardDataKeysTable['purpose'], make: () => Promise<KeyUnderLmk>): Promise<KeyUnderLmk> => {
      const existing = await db.selectFrom('card_data_keys').selectAll().where('id', '=', id).executeTakeFirst();
      if (existing !== undefined) return keyFromRow(existing);
      const key = await make();
      await db
        .insertInto('card_data_keys')
        .values({ id, purpose, key_type: key.type, algorithm: key.algorithm, ciphertext: key.ciphertext, kcv: key.kcv, created_at_ms: clock() })
        .onConflict((conflict) => conflict.column('id').doNothing())
        .execute();
      return keyFromRow(await db.selectFrom('card_data_keys').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
    };
    const encryptionKey = await ensure(encryptionKeyId, 'pan-encryption', () => options.hsm.generateDataKey());
    const lookupKey = await ensure(lookupKeyId, 'pan-lookup', () => options.hsm.generateKey('HASH', 'hmac-sha256'));
    return new PanVault(options, encryptionKey, lookupKey);
  }

  /** The PAN's stable id: the existing one if this PAN is stored, else a new one. Safe under concurrency. */
  async protect(pan: string): Promise<string> {
    assertPan(pan);
    const panHash = await guarded('(new)', 'look-up key', () => this.hsm.panLookupHash(this.lookupKey, pan));
    const existing = await this.idByHash(panHash);
    if (existing !== undefined) return existing;
    const sealed = await guarded('(new)', 'data key', () => this.hsm.encryptPan(this.encryptionKey, pan));
    // Insert-if-absent, then read back: whichever of two racing hosts inserts first wins, and
    // both return its id. A new row cannot make a kept hash → id pair wrong, so the insert is not
    // announced (announcing it would empty every cache of every host for each new card).
    await this.db
      .insertInto('card_data_pans')
      .values({
        id: newPanId(),
        pan_hash: panHash,
        ciphertext: sealed.ciphertext,
        iv: sealed.iv,
        tag: sealed.tag,
        dek_id: encryptionKeyId,
        bin6: pan.slice(0, shownDigitsLeft),
        last4: pan.slice(-shownDigitsRight),
        pan_length: pan.length,
        created_at_ms: this.clock(),
      })
      .onConflict((conflict) => conflict.column('pan_hash').doNothing())
      .execute();
    const id = await this.idByHash(panHash);
    if (id === undefined) throw new BastionError('CARDDATA_ERR_INTEGRITY', 'a PAN just stored cannot be found again: the store is not behaving');
    return id;
  }

  /** The stored PAN's id if this PAN is stored, without storing it. */
  async find(pan: string): Promise<string | undefined> {
    assertPan(pan);
    return this.idByHash(await guarded('(new)', 'look-up key', () => this.hsm.panLookupHash(this.lookupKey, pan)));
  }

  /**
   * The full PAN, for sending it on. The decrypted PAN must hash to its row's look-up hash and
   * match its shown digits, so a ciphertext copied from another row is caught too.
   */
  async reveal(panId: string): Promise<string> {
    const row = await this.row(panId);
    const dek = await this.dataKey(panId, row.dek_id);
    const pan = await guarded(panId, 'ciphertext', () => this.hsm.decryptPan(dek, { ciphertext: Buffer.from(row.ciphertext), iv: Buffer.from(row.iv), tag: Buffer.from(row.tag) }));
    const hash = await guarded(panId, 'look-up key', () => this.hsm.panLookupHash(this.lookupKey, pan));
    if (!hash.equals(Buffer.from(row.pan_hash)) || pan.slice(0, shownDigitsLeft) !== row.bin6 || pan.slice(-shownDigitsRight) !== row.last4) {
      throw integrity(panId, 'the PAN does not belong to this row');
    }
    return pan;
  }

  /** What a person may see: the first 6 and last 4 digits, the rest as `*`. */
  async masked(panId: string): Promise<string> {
    const row = await this.row(panId);
    const length = Number(row.pan_length);
    if (!/^[0-9]{6}$/.test(row.bin6) || !/^[0-9]{4}$/.test(row.last4) || length < panLengthMin || length > panLengthMax) {
      throw integrity(panId, 'shown digits');
    }
    return `${row.bin6}${'*'.repeat(length - shownDigitsLeft - shownDigitsRight)}${row.last4}`;
  }

  private async idByHash(panHash: Buffer): Promise<string | undefined> {
    return this.ids.readThrough(
      panHash.toString('base64'),
      () => this.changes.epoch(),
      async () => (await panIdByHash.first(this.db, { panHash }))?.id,
    );
  }

  private async row(panId: string): Promise<Selectable<CardDataPansTable>> {
    if (!isPanId(panId)) throw notFound(panId);
    const row = await this.db.selectFrom('card_data_pans').selectAll().where('id', '=', panId).executeTakeFirst();
    if (row === undefined) throw notFound(panId);
    return row;
  }

  private async dataKey(panId: string, dekId: string): Promise<KeyUnderLmk> {
    const cached = this.dataKeys.get(dekId);
    if (cached !== undefined) return cached;
    const row = await this.db.selectFrom('card_data_keys').selectAll().where('id', '=', dekId).executeTakeFirst();
    if (row?.purpose !== 'pan-encryption') throw integrity(panId, 'data key');
    const key = keyFromRow(row);
    if (this.dataKeys.size >= dataKeysCachedMax) this.dataKeys.clear();
    this.dataKeys.set(dekId, key);
    return key;
  }
}
