import { PinBlockCipher, UnionPayEcbMac, type UnionPayEcbVariant } from '../../lib/crypto/index.js';

/**
 * The terminal's MAC and PIN block ciphers, made once per working key rather than per message, as
 * a terminal's crypto chip keeps its keys loaded between sign-ins: a load terminal sending
 * thousands of sales made three key schedules for each. Found by the key's buffer and checked
 * against a copy of its bytes, so a key changed in place (a new sign-in into the same buffer) gets
 * new objects. Nothing here outlives the key's buffer (a WeakMap).
 */
interface Kept<T> {
  readonly key: Buffer;
  readonly variant: UnionPayEcbVariant | undefined;
  readonly value: T;
}

function keptFor<T>(cache: WeakMap<Uint8Array, Kept<T>>, key: Uint8Array, variant: UnionPayEcbVariant | undefined, make: () => T): T {
  const kept = cache.get(key);
  if (kept !== undefined && kept.variant === variant && kept.key.equals(key)) return kept.value;
  const value = make();
  cache.set(key, { key: Buffer.from(key), variant, value });
  return value;
}

const macs = new WeakMap<Uint8Array, Kept<UnionPayEcbMac>>();
const pinCiphers = new WeakMap<Uint8Array, Kept<PinBlockCipher>>();

/** A single-length MAK is single DES whatever the model's variant (the variant concerns double-length MAKs). */
function macVariantFor(mak: Uint8Array, variant: UnionPayEcbVariant): UnionPayEcbVariant {
  return mak.length === 8 ? 'des-left' : variant;
}

/** The UnionPay ECB MAC under the terminal's MAK, as its model computes it. */
export function terminalMac(mak: Uint8Array, variant: UnionPayEcbVariant): UnionPayEcbMac {
  const effective = macVariantFor(mak, variant);
  return keptFor(macs, mak, effective, () => new UnionPayEcbMac(mak, { variant: effective, keyName: 'mak' }));
}

/** ISO format 0 PIN blocks under the terminal's PIK. */
export function terminalPinCipher(pik: Uint8Array): PinBlockCipher {
  return keptFor(pinCiphers, pik, undefined, () => new PinBlockCipher(0, pik, { key: 'pik' }));
}
