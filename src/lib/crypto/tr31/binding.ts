import { EcbCipher } from '../block-cipher.js';
import { equalBytes } from '../bytes.js';
import { Cmac } from '../mac/cmac.js';
import { cbcDecryptInto, cbcEncryptInto, cbcMac } from './chaining.js';
import type { Tr31BindingMethod, Tr31Version } from './versions.js';
import { assertTr31KbpkLength, tr31VersionProfiles } from './versions.js';

/**
 * The key block binding methods: how the KBPK yields a key block encryption key (KBEK) and a
 * key block authentication key (KBAK), and how they protect the header and key field.
 *
 * Both operations work on one buffer, `message` = header ASCII || clear key field, so that the
 * MAC of versions B and D (computed over exactly that) needs no extra copy.
 */
export interface Tr31Binding {
  /** Encrypts the key field (message after `headerLength`) and computes the MAC. */
  seal(message: Buffer, headerLength: number): { readonly ciphertext: Buffer; readonly mac: Buffer };
  /**
   * Checks `mac` and, only if it verifies, leaves the clear key field in `message` after
   * `headerLength` (whose space the caller provides). Returns false on a MAC mismatch, with
   * that space zeroed. Nothing is parsed here, so a failed check reveals nothing about content.
   */
  open(message: Buffer, headerLength: number, ciphertext: Buffer, mac: Buffer): boolean;
}

/** The KBEK and KBAK a KBPK yields for a version (exposed for checking against published keys). */
export interface Tr31DerivedKeys {
  readonly kbek: Buffer;
  readonly kbak: Buffer;
}

// Versions A and C: the key variant binding method, fixed XOR masks of the whole KBPK.
const encryptionVariant = 0x45;
const authenticationVariant = 0x4d;
const variantIvLengthBytes = 8;
const variantMacLengthBytes = 4;

function variantOf(kbpk: Uint8Array, mask: number): Buffer {
  const out = Buffer.allocUnsafe(kbpk.length);
  for (let i = 0; i < kbpk.length; i++) out[i] = (kbpk[i] as number) ^ mask;
  return out;
}

// Versions B and D: the key derivation binding method, a NIST SP 800-108 counter-mode KDF
// with CMAC under the KBPK as the PRF. Each 8-byte input: counter, key usage (0000
// encryption, 0001 MAC), separator 00, algorithm indicator, length of the derived key in bits.
const usageEncryption = 0x0000;
const usageAuthentication = 0x0001;

function algorithmIndicator(method: Exclude<Tr31BindingMethod, 'variant'>, kbpkLengthBytes: number): number {
  if (method === 'tdes-derivation') return kbpkLengthBytes === 16 ? 0x0000 : 0x0001;
  // AES-128, AES-192, AES-256
  return kbpkLengthBytes === 16 ? 0x0002 : kbpkLengthBytes === 24 ? 0x0003 : 0x0004;
}

function deriveKey(kdf: Cmac, usage: number, indicator: number, lengthBytes: number): Buffer {
  const blockSize = kdf.blockSize;
  const lengthBits = lengthBytes * 8;
  const input = Buffer.from([0, usage >> 8, usage & 0xff, 0x00, indicator >> 8, indicator & 0xff, lengthBits >> 8, lengthBits & 0xff]);
  const out = Buffer.allocUnsafe(Math.ceil(lengthBytes / blockSize) * blockSize);
  for (let counter = 1; (counter - 1) * blockSize < lengthBytes; counter++) {
    input[0] = counter;
    kdf.compute(input).copy(out, (counter - 1) * blockSize);
  }
  return out.subarray(0, lengthBytes);
}

function derivedKeys(method: Tr31BindingMethod, kbpk: Uint8Array): Tr31DerivedKeys {
  if (method === 'variant') return { kbek: variantOf(kbpk, encryptionVariant), kbak: variantOf(kbpk, authenticationVariant) };
  const algorithm = method === 'tdes-derivation' ? 'tdes' : 'aes';
  const kdf = new Cmac(algorithm, kbpk, 'kbpk');
  const indicator = algorithmIndicator(method, kbpk.length);
  return {
    kbek: deriveKey(kdf, usageEncryption, indicator, kbpk.length),
    kbak: deriveKey(kdf, usageAuthentication, indicator, kbpk.length),
  };
}

/**
 * The KBEK and KBAK for `version`, exported so the derivations can be checked on their own
 * against published intermediate values.
 */
export function tr31DeriveKeys(version: Tr31Version, kbpk: Uint8Array): Tr31DerivedKeys {
  assertTr31KbpkLength(version, kbpk);
  return derivedKeys(tr31VersionProfiles[version].binding, kbpk);
}

class VariantBinding implements Tr31Binding {
  private readonly encryption: EcbCipher;
  private readonly authentication: EcbCipher;

  constructor(kbpk: Uint8Array) {
    const keys = derivedKeys('variant', kbpk);
    this.encryption = new EcbCipher('tdes', keys.kbek, 'kbpk');
    this.authentication = new EcbCipher('tdes', keys.kbak, 'kbpk');
  }

  // Encrypt-then-MAC: CBC with the first 8 header characters as IV, then the CBC-MAC of the
  // header and the ciphertext, truncated to 4 bytes.
  seal(message: Buffer, headerLength: number): { ciphertext: Buffer; mac: Buffer } {
    const header = message.subarray(0, headerLength);
    const field = message.subarray(headerLength);
    const ciphertext = Buffer.allocUnsafe(field.length);
    cbcEncryptInto(this.encryption, header.subarray(0, variantIvLengthBytes), field, ciphertext);
    const mac = cbcMac(this.authentication, [header, ciphertext]).subarray(0, variantMacLengthBytes);
    return { ciphertext, mac };
  }

  // The MAC covers the ciphertext, so it is checked before anything is decrypted.
  open(message: Buffer, headerLength: number, ciphertext: Buffer, mac: Buffer): boolean {
    const header = message.subarray(0, headerLength);
    const expected = cbcMac(this.authentication, [header, ciphertext]).subarray(0, variantMacLengthBytes);
    if (!equalBytes(expected, mac)) {
      message.fill(0, headerLength);
      return false;
    }
    cbcDecryptInto(this.encryption, header.subarray(0, variantIvLengthBytes), ciphertext, message.subarray(headerLength));
    return true;
  }
}

class DerivationBinding implements Tr31Binding {
  private readonly encryption: EcbCipher;
  private readonly authentication: Cmac;

  constructor(method: Exclude<Tr31BindingMethod, 'variant'>, kbpk: Uint8Array) {
    const algorithm = method === 'tdes-derivation' ? 'tdes' : 'aes';
    const keys = derivedKeys(method, kbpk);
    this.encryption = new EcbCipher(algorithm, keys.kbek, 'kbpk');
    this.authentication = new Cmac(algorithm, keys.kbak, 'kbpk');
  }

  // MAC-then-encrypt: the CMAC of header and clear key field, which is also the CBC IV.
  seal(message: Buffer, headerLength: number): { ciphertext: Buffer; mac: Buffer } {
    const mac = this.authentication.compute(message);
    const field = message.subarray(headerLength);
    const ciphertext = Buffer.allocUnsafe(field.length);
    cbcEncryptInto(this.encryption, mac, field, ciphertext);
    return { ciphertext, mac };
  }

  // The MAC covers the clear field, so decryption must come first; the result stays in the
  // caller's buffer, unread, until the MAC has verified, and is wiped if it does not.
  open(message: Buffer, headerLength: number, ciphertext: Buffer, mac: Buffer): boolean {
    cbcDecryptInto(this.encryption, mac, ciphertext, message.subarray(headerLength));
    const expected = this.authentication.compute(message);
    if (!equalBytes(expected, mac)) {
      message.fill(0, headerLength);
      return false;
    }
    return true;
  }
}

export function createTr31Binding(method: Tr31BindingMethod, kbpk: Uint8Array): Tr31Binding {
  return method === 'variant' ? new VariantBinding(kbpk) : new DerivationBinding(method, kbpk);
}
