import { BastionError } from '../../errors/index.js';
import { EcbCipher } from '../block-cipher.js';
import { adjustOddParity } from '../des-parity.js';
import { assertAtc, assertDoubleLengthKey } from './checks.js';

/**
 * Session keys derived from a 16-byte ICC master key. Every result is a 16-byte TDES key with odd
 * parity: DES ignores the parity bits, so cryptograms are the same either way, but HSMs and the
 * reference implementations (pyemv) hand out parity-adjusted keys and the known answers use them.
 */
export type EmvSessionKeyMethod = 'common' | 'visa-sm' | 'emv2000-tree';

export const emvSessionKeyMethods: readonly EmvSessionKeyMethod[] = ['common', 'visa-sm', 'emv2000-tree'];

const rLengthBytes = 8;

/**
 * The diversification value of the common method for application cryptograms:
 * R = ATC || 00 00 00 00 00 00 (EMV 4.3 Book 2 Annex A1.3.1).
 */
export function emvAtcDiversifier(atc: Uint8Array): Buffer {
  assertAtc(atc);
  const r = Buffer.alloc(rLengthBytes);
  r.set(atc);
  return r;
}

/**
 * EMV common session key derivation (EMV 4.3 Book 2 Annex A1.3.1). From the 8-byte diversifier
 * R = R0 … R7: F1 = R0 R1 F0 R3 … R7 and F2 = R0 R1 0F R3 … R7, and SK = TDES(MK)[F1] ||
 * TDES(MK)[F2]. The third byte of R is always replaced, so a caller-supplied R (ATC || 00 00 ||
 * UN for Mastercard, the ARQC for secure messaging) keeps only its other seven bytes.
 */
export function emvCommonSessionKey(iccMasterKey: Uint8Array, r: Uint8Array): Buffer {
  assertDoubleLengthKey(iccMasterKey, 'iccMasterKey');
  if (r.length !== rLengthBytes) {
    throw new BastionError('CRYPTO_ERR_ARGUMENT', `r must be an 8-byte diversification value, got ${r.length} bytes`, {
      argument: 'r',
      length: r.length,
    });
  }
  const blocks = Buffer.allocUnsafe(2 * rLengthBytes);
  blocks.set(r, 0);
  blocks.set(r, rLengthBytes);
  blocks[2] = 0xf0;
  blocks[rLengthBytes + 2] = 0x0f;
  return adjustOddParity(new EcbCipher('tdes', iccMasterKey, 'iccMasterKey').encryptUnchecked(blocks));
}

/**
 * Visa secure-messaging session key (pyemv `derive_visa_sm_sk`, used by Visa CVN 10 and 18 for
 * issuer script MAC and encryption keys). No cipher: the ATC is XORed into the key halves,
 * SK_L = MK_L XOR (00 00 00 00 00 00 || ATC) and SK_R = MK_R XOR (00 00 00 00 00 00 || NOT ATC),
 * then each byte is set to odd parity.
 */
export function emvVisaSmSessionKey(iccMasterKey: Uint8Array, atc: Uint8Array): Buffer {
  assertDoubleLengthKey(iccMasterKey, 'iccMasterKey');
  assertAtc(atc);
  const key = Buffer.from(iccMasterKey);
  const high = atc[0] as number;
  const low = atc[1] as number;
  key[6] = (key[6] as number) ^ high;
  key[7] = (key[7] as number) ^ low;
  key[14] = (key[14] as number) ^ high ^ 0xff;
  key[15] = (key[15] as number) ^ low ^ 0xff;
  return adjustOddParity(key);
}

export interface EmvTreeOptions {
  /** Levels of intermediate keys below the master key (default 8, as the specification recommends). */
  readonly height?: number;
  /** Children per parent key (default 4, as the specification recommends). */
  readonly branchFactor?: number;
  /** The 16-byte value that stands in for the master key's parent (default all zeros). */
  readonly iv?: Uint8Array;
}

const atcValues = 0x10000;
const maxBranchFactor = 0x10000;
const maxHeight = 64;

/**
 * EMV2000 tree session key derivation (EMV 4.0 / 4.1 Book 2 Annex A1.3; replaced by the common
 * method by EMVCo bulletin SU-46, still needed to verify cryptograms of cards that use it).
 *
 * With b the branch factor and H the height, F(X, Y, j) = TDES(X)[Y_L XOR (j mod b)] ||
 * TDES(X)[Y_R XOR (j mod b) XOR F0], where j mod b is an 8-byte big-endian number and F0 is
 * XORed into the last byte. Level 0 is the master key, whose "parent" is the IV; the key at level
 * i on the ATC's path is IK_i = F(IK_(i-1), IK_(i-2), ATC div b^(H-i)). The session key is
 * F(IK_(H-1), IK_(H-2), ATC) XOR IK_(H-2). b^H must reach 65536 so that every ATC has a leaf.
 */
export function emvTreeSessionKey(iccMasterKey: Uint8Array, atc: Uint8Array, options: EmvTreeOptions = {}): Buffer {
  assertDoubleLengthKey(iccMasterKey, 'iccMasterKey');
  assertAtc(atc);
  const height = options.height ?? 8;
  const branchFactor = options.branchFactor ?? 4;
  const iv = options.iv ?? Buffer.alloc(16);
  if (!Number.isInteger(height) || height < 1 || height > maxHeight) {
    throw new BastionError('CRYPTO_ERR_ARGUMENT', `height must be a whole number from 1 to ${maxHeight}`, { argument: 'height', value: height });
  }
  if (!Number.isInteger(branchFactor) || branchFactor < 2 || branchFactor > maxBranchFactor) {
    throw new BastionError('CRYPTO_ERR_ARGUMENT', `branchFactor must be a whole number from 2 to ${maxBranchFactor}`, {
      argument: 'branchFactor',
      value: branchFactor,
    });
  }
  if (branchFactor ** height < atcValues) {
    throw new BastionError(
      'CRYPTO_ERR_ARGUMENT',
      `the tree has ${branchFactor ** height} leaves (branchFactor ^ height) but needs at least 65536, one per ATC value`,
      { argument: 'height', value: height },
    );
  }
  if (iv.length !== 16) {
    throw new BastionError('CRYPTO_ERR_IV_LENGTH', `iv must be 16 bytes, got ${iv.length}`, { argument: 'iv', length: iv.length });
  }

  const atcValue = ((atc[0] as number) << 8) | (atc[1] as number);
  let grandparent: Uint8Array = iv;
  let parent: Uint8Array = iccMasterKey;
  for (let level = 1; level < height; level++) {
    const child = treeStep(parent, grandparent, Math.floor(atcValue / branchFactor ** (height - level)) % branchFactor);
    grandparent = parent;
    parent = child;
  }
  const leaf = treeStep(parent, grandparent, atcValue % branchFactor);
  for (let i = 0; i < 16; i++) leaf[i] = (leaf[i] as number) ^ (grandparent[i] as number);
  return adjustOddParity(leaf);
}

/** F(X, Y, j) with `branch` = j mod b already reduced; one key schedule, one call for both halves. */
function treeStep(x: Uint8Array, y: Uint8Array, branch: number): Buffer {
  const blocks = Buffer.from(y);
  // j mod b < 2^16 occupies the last two bytes of each 8-byte half; F0 goes into the last byte of the right half.
  blocks[6] = (blocks[6] as number) ^ (branch >>> 8);
  blocks[7] = (blocks[7] as number) ^ (branch & 0xff);
  blocks[14] = (blocks[14] as number) ^ (branch >>> 8);
  blocks[15] = (blocks[15] as number) ^ (branch & 0xff) ^ 0xf0;
  return new EcbCipher('tdes', x, 'iccMasterKey').encryptUnchecked(blocks);
}
