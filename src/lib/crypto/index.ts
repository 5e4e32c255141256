/**
 * Bastion's payment cryptography library: pure functions over bytes, no I/O, no global state.
 * Block ciphers come only from node:crypto.
 */
export * from './bytes.js';
export { isPanShaped } from './pan.js';
export * from './block-cipher.js';
export * from './des-parity.js';
export * from './kcv.js';
export * from './key-components.js';
export * from './random.js';
export * from './mac/index.js';
export * from './pinblock/index.js';
export * from './card/index.js';
export * from './dukpt/index.js';
export * from './tr31/index.js';
export * from './emv/index.js';
