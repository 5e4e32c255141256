import type { KeyAlgorithm, KeyType, KeyUnderLmk } from '../../ports/hsm.js';
import type { WorkingKeys } from './terminal.js';

/**
 * Test support (left out of the build): keys under the LMK as the HSM would hand them over.
 * The bytes are stand-ins — the terminals module stores ciphertext and never opens it — and
 * every byte of a key set carries `marker`, so a test can tell which sign-in a stored key came from.
 */
export function testKey(type: KeyType, algorithm: KeyAlgorithm, marker: number, ciphertextLength = 24): KeyUnderLmk {
  return { type, algorithm, ciphertext: Buffer.alloc(ciphertextLength, marker), kcv: Buffer.alloc(3, marker) };
}

export function testTmk(marker = 0x70): KeyUnderLmk {
  return testKey('TMK', 'tdes-2key', marker);
}

export function testWorkingKeys(marker: number, withTdk = true): WorkingKeys {
  return {
    pik: testKey('PIK', 'tdes-2key', marker),
    mak: testKey('MAK', 'des', marker, 16),
    tdk: withTdk ? testKey('TDK', 'tdes-2key', marker) : undefined,
  };
}
