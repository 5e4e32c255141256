import type { ColumnType } from 'kysely';

/**
 * The card-data module's tables. A PAN is only ever here as AES-256-GCM ciphertext (under a DEK
 * that is itself under the LMK) plus an HMAC look-up hash; the first 6 and last 4 digits and the
 * length are kept for display, as PCI DSS allows. PIN blocks, tracks, CVVs and cryptograms have
 * no table at all.
 */
export interface CardDataKeysTable {
  /** Fixed per purpose and generation: `pan-encryption-1`, `pan-lookup-1`. */
  id: string;
  purpose: 'pan-encryption' | 'pan-lookup';
  key_type: string;
  algorithm: string;
  ciphertext: Buffer;
  kcv: Buffer;
  created_at_ms: ColumnType<bigint, bigint, never>;
}

export interface CardDataPansTable {
  id: string;
  pan_hash: Buffer;
  ciphertext: Buffer;
  iv: Buffer;
  tag: Buffer;
  dek_id: string;
  bin6: string;
  last4: string;
  // SQLite hands integers back as bigint (the store reads them safely), PostgreSQL as number.
  pan_length: ColumnType<number | bigint, number, never>;
  created_at_ms: ColumnType<bigint, bigint, never>;
}

export interface CardDataTables {
  card_data_keys: CardDataKeysTable;
  card_data_pans: CardDataPansTable;
}
