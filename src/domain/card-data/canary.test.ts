import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testHsm } from '../../adapters/hsm/test-hsm.js';
import { databases } from '../../adapters/store/test-databases.js';
import { bytesColumn, type ModuleMigrations, type Store } from '../../ports/store.js';
import { cardDataMigrations } from './migrations.js';
import { PanVault } from './pan-vault.js';
import { storedBytes } from './test-card-data.js';

/**
 * SECURITY.md's canary scan for stored PANs: store known test PANs through the vault, then read
 * everything the database holds — the SQLite file and its WAL byte for byte, every row of every
 * table of the PostgreSQL schema as text — and find none of them: not as ASCII digits (also
 * UTF-16), not as packed BCD, not as hex text, not even the first or last 12 digits. A control
 * store with the PANs written in clear proves the scan finds what is there.
 */
const canaryPans = ['4761739001010010', '6222021234567890123', '5413330089020011', '374245455400126', '6011000990139424', '3530111333300000'];

/** BCD packings a careless writer might use: left-aligned with F or 0 padding, right-aligned with 0. */
function bcdForms(pan: string): Buffer[] {
  if (pan.length % 2 === 0) return [Buffer.from(pan, 'hex')];
  return [Buffer.from(`${pan}F`, 'hex'), Buffer.from(`${pan}0`, 'hex'), Buffer.from(`0${pan}`, 'hex')];
}

/** Every way a PAN (or its first / last 12 digits) might show up in stored bytes. */
function canaryNeedles(pan: string): { what: string; bytes: Buffer }[] {
  const texts = [pan, pan.slice(0, 12), pan.slice(-12)];
  const needles: { what: string; bytes: Buffer }[] = [];
  for (const text of texts) {
    needles.push({ what: `ASCII ${text.length} digits`, bytes: Buffer.from(text, 'latin1') });
    needles.push({ what: `UTF-16 ${text.length} digits`, bytes: Buffer.from(text, 'utf16le') });
  }
  for (const bcd of bcdForms(pan)) {
    needles.push({ what: 'packed BCD', bytes: bcd });
    needles.push({ what: 'BCD as hex text', bytes: Buffer.from(bcd.toString('hex'), 'latin1') });
    needles.push({ what: 'BCD as HEX text', bytes: Buffer.from(bcd.toString('hex').toUpperCase(), 'latin1') });
  }
  return needles;
}

function hitsIn(haystack: Buffer, pans: readonly string[]): string[] {
  const hits: string[] = [];
  for (const pan of pans) {
    for (const needle of canaryNeedles(pan)) if (haystack.includes(needle.bytes)) hits.push(`${pan.slice(0, 6)}…${pan.slice(-4)} as ${needle.what}`);
  }
  return hits;
}

/** A control module that writes PANs the careless way, to prove the scan sees stored data. */
const carelessModule: ModuleMigrations = {
  module: 'careless',
  migrations: [
    {
      name: '0001_rows',
      async up(db, dialect) {
        await db.schema
          .createTable('careless_rows')
          .addColumn('pan_text', 'text', (column) => column.notNull())
          .addColumn('pan_bcd', bytesColumn(dialect), (column) => column.notNull())
          .execute();
      },
    },
  ],
};

describe.each(databases)('canary scan of stored PANs on $name', (database) => {
  let store: Store;
  beforeAll(async () => {
    store = await database.open([cardDataMigrations]);
  });
  afterAll(async () => {
    await store.close();
  });

  it('finds no test PAN anywhere in the stored data, in any form', async () => {
    const vault = await PanVault.open({ store, hsm: testHsm() });
    const ids: string[] = [];
    for (const pan of canaryPans) ids.push(await vault.protect(pan));
    for (const pan of canaryPans) await vault.protect(pan);
    for (const id of ids) {
      await vault.reveal(id);
      await vault.masked(id);
    }
    const before = await storedBytes(store);
    // The scan read real stored data: the shown digits are there.
    expect(before.includes(Buffer.from('476173'))).toBe(true);
    expect(hitsIn(before, canaryPans)).toEqual([]);
    if (store.dialect === 'sqlite') {
      // Once the WAL is folded into the main file, look again.
      await sql`pragma wal_checkpoint(TRUNCATE)`.execute(store.db());
      expect(hitsIn(await storedBytes(store), canaryPans)).toEqual([]);
    }
  });

  it('control: the same scan finds PANs stored in clear, as text and as BCD', async () => {
    const control = await database.open([carelessModule]);
    try {
      const db = control.db<{ careless_rows: { pan_text: string; pan_bcd: Buffer } }>();
      await db.insertInto('careless_rows').values({ pan_text: '4761739001010010', pan_bcd: Buffer.from('00000000', 'hex') }).execute();
      await db.insertInto('careless_rows').values({ pan_text: 'x', pan_bcd: Buffer.from('6222021234567890123F', 'hex') }).execute();
      const hits = hitsIn(await storedBytes(control), canaryPans);
      expect(hits).toContain('476173…0010 as ASCII 16 digits');
      expect(hits.some((hit) => hit.startsWith('622202…0123'))).toBe(true);
    } finally {
      await control.close();
    }
  });
});
