import { BastionError } from '../../errors/index.js';
import { createTr31Binding, type Tr31Binding } from './binding.js';
import { unwrapTr31KeyBlock, type Tr31Unwrapped } from './unwrap.js';
import { assertTr31KbpkLength, tr31VersionProfiles, type Tr31BindingMethod, type Tr31Version } from './versions.js';
import { wrapTr31KeyBlock, type Tr31BindingSource, type Tr31HeaderInput, type Tr31WrapOptions } from './wrap.js';

const anyKbpkLengthsBytes = [16, 24, 32];

/**
 * A key block protection key, ready to wrap and unwrap many key blocks. The KBEK and KBAK of
 * each binding method, and their key schedules, are derived once on first use and kept in this
 * instance, so a host that handles many blocks under one KBPK pays for the derivation once.
 */
export class Tr31Kbpk implements Tr31BindingSource {
  private readonly kbpk: Buffer;
  private readonly bindings = new Map<Tr31BindingMethod, Tr31Binding>();

  constructor(kbpk: Uint8Array) {
    if (!anyKbpkLengthsBytes.includes(kbpk.length)) {
      throw new BastionError('CRYPTO_ERR_TR31_KBPK', `kbpk must be a TDES key of 16 or 24 bytes or an AES key of 16, 24 or 32 bytes, got ${kbpk.length} bytes`, {
        argument: 'kbpk',
        length: kbpk.length,
      });
    }
    this.kbpk = Buffer.from(kbpk);
  }

  bindingFor(version: Tr31Version): Tr31Binding {
    assertTr31KbpkLength(version, this.kbpk);
    const method = tr31VersionProfiles[version].binding;
    let binding = this.bindings.get(method);
    if (binding === undefined) {
      binding = createTr31Binding(method, this.kbpk);
      this.bindings.set(method, binding);
    }
    return binding;
  }

  wrap(header: Tr31HeaderInput, key: Uint8Array, options: Tr31WrapOptions = {}): string {
    return wrapTr31KeyBlock(this, header, key, options);
  }

  unwrap(keyBlock: string): Tr31Unwrapped {
    return unwrapTr31KeyBlock(this, keyBlock);
  }
}

/** Wraps `key` into a TR-31 key block under `kbpk` (one-off; hold a Tr31Kbpk for many). */
export function tr31Wrap(kbpk: Uint8Array, header: Tr31HeaderInput, key: Uint8Array, options: Tr31WrapOptions = {}): string {
  return new Tr31Kbpk(kbpk).wrap(header, key, options);
}

/** Verifies and opens a TR-31 key block under `kbpk`, returning the key and the parsed header. */
export function tr31Unwrap(kbpk: Uint8Array, keyBlock: string): Tr31Unwrapped {
  return new Tr31Kbpk(kbpk).unwrap(keyBlock);
}
