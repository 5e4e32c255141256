import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testHsm, expectRejection } from '../../adapters/hsm/test-hsm.js';
import { LocalMasterKey } from '../../adapters/hsm/local-master-key.js';
import { SoftwareHsm } from '../../adapters/hsm/software-hsm.js';
import { databases } from '../../adapters/store/test-databases.js';
import type { Store } from '../../ports/store.js';
import { cardDataMigrations } from './migrations.js';
import { isPanId } from './pan-id.js';
import { PanVault } from './pan-vault.js';
import type { CardDataTables } from './tables.js';
import { secondStoreOn } from './test-card-data.js';

const pan = '4761739001010010';
const otherPan = '6222021234567890123';

describe.each(databases)('PAN vault on $name', (database) => {
  let store: Store;
  let vault: PanVault;
  const hsm = testHsm();
  beforeAll(async () => {
    store = await database.open([cardDataMigrations]);
    vault = await PanVault.open({ store, hsm, clock: () => 1_700_000_000_000n });
  });
  afterAll(async () => {
    await store.close();
  });

  it('protects a PAN as a stable id, masks it 6 + 4 and reveals it', async () => {
    const id = await vault.protect(pan);
    expect(isPanId(id)).toBe(true);
    expect(await vault.protect(pan)).toBe(id);
    expect(await vault.find(pan)).toBe(id);
    expect(await vault.masked(id)).toBe('476173******0010');
    expect(await vault.reveal(id)).toBe(pan);
    const other = await vault.protect(otherPan);
    expect(other).not.toBe(id);
    expect(await vault.masked(other)).toBe('622202*********0123');
    expect(await vault.reveal(other)).toBe(otherPan);
    expect(await vault.find('4000000000000002')).toBeUndefined();
  });

  it('stores only ciphertext, the look-up hash and the shown digits', async () => {
    const id = await vault.protect(pan);
    const row = await store.db<CardDataTables>().selectFrom('card_data_pans').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(Buffer.from(row.ciphertext).toString('latin1')).not.toContain(pan.slice(6, 12));
    expect(Buffer.from(row.pan_hash)).toHaveLength(32);
    expect([row.bin6, row.last4, Number(row.pan_length), row.created_at_ms]).toEqual(['476173', '0010', 16, 1_700_000_000_000n]);
    const keys = await store.db<CardDataTables>().selectFrom('card_data_keys').select(['id', 'purpose', 'key_type', 'algorithm']).orderBy('id').execute();
    expect(keys).toEqual([
      { id: 'pan-encryption-1', purpose: 'pan-encryption', key_type: 'DEK', algorithm: 'aes-256' },
      { id: 'pan-lookup-1', purpose: 'pan-lookup', key_type: 'HASH', algorithm: 'hmac-sha256' },
    ]);
  });

  it('a second vault (another host) finds the same keys and ids', async () => {
    const id = await vault.protect(pan);
    const again = await PanVault.open({ store, hsm });
    expect(await again.protect(pan)).toBe(id);
    expect(await again.reveal(id)).toBe(pan);
  });

  it('refuses malformed PANs and unknown ids without echoing them', async () => {
    for (const bad of ['47617390010', '47617390010100100000', '476173900101001X', '']) {
      await expectRejection(vault.protect(bad), 'CARDDATA_ERR_PAN', { argument: 'pan' }, bad.length >= 4 ? [bad] : []);
    }
    await expectRejection(vault.reveal('pan_ghjkmnpqrstvwxyzghjkmnpqrstvwxyz'), 'CARDDATA_ERR_NOT_FOUND');
    await expectRejection(vault.masked('4761739001010010'), 'CARDDATA_ERR_NOT_FOUND', { panId: 'malformed' }, [pan]);
  });

  it('tampered ciphertext, IV, tag, a swapped row or an altered key: CARDDATA_ERR_INTEGRITY, never the PAN', async () => {
    const db = store.db<CardDataTables>();
    const victim = await vault.protect('5413330089020011');
    const donor = await vault.protect('5413330089020029');
    const original = await db.selectFrom('card_data_pans').selectAll().where('id', '=', victim).executeTakeFirstOrThrow();
    const flip = (bytes: Buffer): Buffer => {
      const copy = Buffer.from(bytes);
      copy[copy.length - 1] = (copy[copy.length - 1] as number) ^ 0x01;
      return copy;
    };
    for (const column of ['ciphertext', 'iv', 'tag'] as const) {
      await db.updateTable('card_data_pans').set({ [column]: flip(Buffer.from(original[column])) }).where('id', '=', victim).execute();
      await expectRejection(vault.reveal(victim), 'CARDDATA_ERR_INTEGRITY', { panId: victim }, ['5413330089020011']);
      await db.updateTable('card_data_pans').set({ [column]: Buffer.from(original[column]) }).where('id', '=', victim).execute();
    }
    // Another row's sealed PAN copied into this row opens fine but does not belong to it.
    const donorRow = await db.selectFrom('card_data_pans').selectAll().where('id', '=', donor).executeTakeFirstOrThrow();
    await db.updateTable('card_data_pans').set({ ciphertext: donorRow.ciphertext, iv: donorRow.iv, tag: donorRow.tag }).where('id', '=', victim).execute();
    await expectRejection(vault.reveal(victim), 'CARDDATA_ERR_INTEGRITY', { panId: victim }, ['5413330089020029']);
    await db.updateTable('card_data_pans').set({ ciphertext: original.ciphertext, iv: original.iv, tag: original.tag }).where('id', '=', victim).execute();
    expect(await vault.reveal(victim)).toBe('5413330089020011');

    const key = await db.selectFrom('card_data_keys').selectAll().where('id', '=', 'pan-encryption-1').executeTakeFirstOrThrow();
    await db.updateTable('card_data_keys').set({ ciphertext: flip(Buffer.from(key.ciphertext)) }).where('id', '=', 'pan-encryption-1').execute();
    await expectRejection((await PanVault.open({ store, hsm })).reveal(victim), 'CARDDATA_ERR_INTEGRITY');
    await db.updateTable('card_data_keys').set({ ciphertext: key.ciphertext, key_type: 'HASH' }).where('id', '=', 'pan-encryption-1').execute();
    await expectRejection((await PanVault.open({ store, hsm })).reveal(victim), 'CARDDATA_ERR_INTEGRITY');
    await db.updateTable('card_data_keys').set({ key_type: 'DEK' }).where('id', '=', 'pan-encryption-1').execute();
    expect(await (await PanVault.open({ store, hsm })).reveal(victim)).toBe('5413330089020011');
  });

  it('under another LMK the stored PANs do not open (integrity, not garbage)', async () => {
    const id = await vault.protect(pan);
    const otherHsm = new SoftwareHsm(LocalMasterKey.fromComponents([Buffer.alloc(32, 3), Buffer.alloc(32, 4)]));
    await expectRejection((await PanVault.open({ store, hsm: otherHsm })).reveal(id), 'CARDDATA_ERR_INTEGRITY');
  });

  it('the same PAN protected at once by two hosts (two connection pools) gets one id and one row', async () => {
    const second = await secondStoreOn(store);
    try {
      const hosts = await Promise.all([PanVault.open({ store, hsm }), PanVault.open({ store: second, hsm })]);
      const racing = '4000056655665556';
      const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => (hosts[i % 2] as PanVault).protect(racing)));
      expect(new Set(ids).size).toBe(1);
      const rows = await store.db<CardDataTables>().selectFrom('card_data_pans').select('id').where('bin6', '=', '400005').execute();
      expect(rows).toHaveLength(1);
    } finally {
      await second.close();
    }
  });
});

describe.each(databases)('PAN vault key creation on $name', (database) => {
  it('two hosts opening an empty vault at once end up with one DEK and one look-up key', async () => {
    const store = await database.open([cardDataMigrations]);
    const second = await secondStoreOn(store);
    try {
      const hsm = testHsm();
      const [first, other] = await Promise.all([PanVault.open({ store, hsm }), PanVault.open({ store: second, hsm })]);
      const id = await first.protect(pan);
      expect(await other.protect(pan)).toBe(id);
      expect(await other.reveal(id)).toBe(pan);
      const keys = await store.db<CardDataTables>().selectFrom('card_data_keys').select('id').execute();
      expect(keys).toHaveLength(2);
    } finally {
      await second.close();
      await store.close();
    }
  });
});
