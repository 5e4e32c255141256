import { randomBytes } from 'node:crypto';
import type { HsmPort, KeyAlgorithm, KeyType, KeyUnderLmk } from '../../ports/hsm.js';
import { LocalMasterKey } from './local-master-key.js';
import { SoftwareHsm, type SoftwareHsmOptions } from './software-hsm.js';

/**
 * Test support (left out of the build): a software HSM on the development LMK, known clear keys
 * loaded the way custodians load them (two components), and a check for coded rejections.
 */
export function testHsm(options: SoftwareHsmOptions = {}): SoftwareHsm {
  return new SoftwareHsm(LocalMasterKey.development(), options);
}

/** Loads a known clear test key as two components: a random one and the key XOR it. */
export function loadKey(hsm: HsmPort, type: KeyType, algorithm: KeyAlgorithm, clearKey: Uint8Array): Promise<KeyUnderLmk> {
  const first = randomBytes(clearKey.length);
  const second = Buffer.from(clearKey.map((byte, i) => byte ^ (first[i] as number)));
  return hsm.importKeyFromComponents({ type, algorithm, components: [first, second] });
}

/** A random source that hands out `chunks` in order (for published key layouts), then fails. */
export function queuedRandom(...chunks: readonly Uint8Array[]): (lengthBytes: number) => Uint8Array {
  const queue = [...chunks];
  return (lengthBytes) => {
    const next = queue.shift();
    if (next?.length !== lengthBytes) throw new Error(`test random source: asked for ${lengthBytes} bytes, had ${next?.length ?? 'none'}`);
    return next;
  };
}

/** Awaits a rejection with a BastionError of `code` whose text shows none of `secrets`. */
export { expectBastionRejection as expectRejection } from '../../lib/errors/test-helpers.js';

/** A copy of `key` with one bit of its ciphertext flipped. */
export function flipCiphertextBit(key: KeyUnderLmk, bitIndex: number): KeyUnderLmk {
  const ciphertext = Buffer.from(key.ciphertext);
  ciphertext[bitIndex >> 3] = (ciphertext[bitIndex >> 3] as number) ^ (0x80 >> (bitIndex & 7));
  return { ...key, ciphertext };
}
