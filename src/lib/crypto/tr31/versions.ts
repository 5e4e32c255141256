import { BastionError } from '../../errors/index.js';

/**
 * The four key block versions and what each one means for the bytes: how the KBPK is bound to
 * the block, the cipher block size that the header and key field are aligned to, and the
 * length of the MAC that ends the block (ASC X9 TR-31-2018, ANSI X9.143).
 */
export type Tr31Version = 'A' | 'B' | 'C' | 'D';

export const tr31Versions: readonly Tr31Version[] = ['A', 'B', 'C', 'D'];

/**
 * - `variant`: versions A and C. KBEK and KBAK are the KBPK XOR a constant; TDES-CBC with the
 *   header as IV, then a 4-byte CBC-MAC over the header and the ciphertext.
 * - `tdes-derivation`: version B. KBEK and KBAK come from a TDES-CMAC KDF; the 8-byte CMAC of
 *   the header and clear key field is also the CBC IV.
 * - `aes-derivation`: version D. As B with AES and a 16-byte MAC.
 */
export type Tr31BindingMethod = 'variant' | 'tdes-derivation' | 'aes-derivation';

export interface Tr31VersionProfile {
  readonly binding: Tr31BindingMethod;
  /** Cipher block size in bytes; the header (in characters) and key field are multiples of it. */
  readonly blockSizeBytes: 8 | 16;
  readonly macLengthBytes: 4 | 8 | 16;
  readonly kbpkLengthsBytes: readonly number[];
  readonly kbpkDescription: string;
}

const tdesKbpk = { kbpkLengthsBytes: [16, 24], kbpkDescription: 'a double- or triple-length TDES key (16 or 24 bytes)' } as const;

export const tr31VersionProfiles: Readonly<Record<Tr31Version, Tr31VersionProfile>> = {
  A: { binding: 'variant', blockSizeBytes: 8, macLengthBytes: 4, ...tdesKbpk },
  B: { binding: 'tdes-derivation', blockSizeBytes: 8, macLengthBytes: 8, ...tdesKbpk },
  C: { binding: 'variant', blockSizeBytes: 8, macLengthBytes: 4, ...tdesKbpk },
  D: { binding: 'aes-derivation', blockSizeBytes: 16, macLengthBytes: 16, kbpkLengthsBytes: [16, 24, 32], kbpkDescription: 'an AES key (16, 24 or 32 bytes)' },
};

export function isTr31Version(value: string): value is Tr31Version {
  return (tr31Versions as readonly string[]).includes(value);
}

/** Throws CRYPTO_ERR_TR31_KBPK unless the KBPK length suits the version (lengths only in the message). */
export function assertTr31KbpkLength(version: Tr31Version, kbpk: Uint8Array, argument = 'kbpk'): void {
  const profile = tr31VersionProfiles[version];
  if (!profile.kbpkLengthsBytes.includes(kbpk.length)) {
    throw new BastionError('CRYPTO_ERR_TR31_KBPK', `${argument} must be ${profile.kbpkDescription} for version ${version} key blocks, got ${kbpk.length} bytes`, {
      argument,
      versionId: version,
      length: kbpk.length,
    });
  }
}
