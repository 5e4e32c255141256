/** Card data protection: the PAN vault (encrypted PANs, look-up hashes, masking). */
export { PanVault, type PanVaultOptions } from './pan-vault.js';
export { cardDataMigrations } from './migrations.js';
export { isPanId, panIdPattern } from './pan-id.js';
export type { CardDataTables } from './tables.js';
