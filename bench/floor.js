// The floor: the bare node:crypto calls each benchmarked operation needs, written straight from
// the standards with no validation, no wrappers and no caches beyond what the work itself
// repeats. Bastion's library is measured against these. They double as an independent
// implementation: the benchmark cross-checks that both give the same bytes.
import { createCipheriv, createDecipheriv } from 'node:crypto';

function desEde3Key(key) {
  return key.length === 8 ? Buffer.concat([key, key, key]) : key.length === 16 ? Buffer.concat([key, key.subarray(0, 8)]) : key;
}

/** A one-off ECB encryption under a key used once: one cipher set-up and one call. */
export function ecbOnce(algorithm, key, block) {
  const cipher = createCipheriv(algorithm === 'aes' ? `aes-${key.length * 8}-ecb` : 'des-ede3-ecb', algorithm === 'aes' ? key : desEde3Key(key), null);
  cipher.setAutoPadding(false);
  return cipher.update(block);
}

/** A cipher whose key schedule is kept because the key repeats. */
export function ecbKept(algorithm, key, direction = 'encrypt') {
  const make = direction === 'encrypt' ? createCipheriv : createDecipheriv;
  const cipher = make(algorithm === 'aes' ? `aes-${key.length * 8}-ecb` : 'des-ede3-ecb', algorithm === 'aes' ? key : desEde3Key(key), null);
  cipher.setAutoPadding(false);
  return cipher;
}

function xor(a, b) {
  const out = Buffer.allocUnsafe(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] ^ b[i];
  return out;
}

// ---- TDES DUKPT, ANSI X9.24-1-2009 (host side) ----
const keyMask = Buffer.from('C0C0C0C000000000C0C0C0C000000000', 'hex');
const pinVariant = Buffer.from('00000000000000FF00000000000000FF', 'hex');

export function tdesDukptFloor(bdk) {
  const bdkCipher = ecbKept('tdes', bdk);
  const bdkVariantCipher = ecbKept('tdes', xor(bdk, keyMask));
  function nonReversible(key, register) {
    const right = xor(ecbOnce('des', key.subarray(0, 8), xor(register, key.subarray(8))), key.subarray(8));
    const masked = xor(key, keyMask);
    const left = xor(ecbOnce('des', masked.subarray(0, 8), xor(register, masked.subarray(8))), masked.subarray(8));
    return Buffer.concat([left, right]);
  }
  return function pinKey(ksn) {
    const register = Buffer.from(ksn.subarray(2, 10));
    register[5] &= 0xe0;
    register[6] = 0;
    register[7] = 0;
    const counter = ((ksn[7] & 0x1f) << 16) | (ksn[8] << 8) | ksn[9];
    const initialKeyId = Buffer.from(ksn.subarray(0, 8));
    initialKeyId[7] &= 0xe0;
    let key = Buffer.concat([bdkCipher.update(initialKeyId), bdkVariantCipher.update(initialKeyId)]);
    for (let bit = 0x100000; bit !== 0; bit >>>= 1) {
      if ((counter & bit) === 0) continue;
      register[5] |= (bit >>> 16) & 0x1f;
      register[6] |= (bit >>> 8) & 0xff;
      register[7] |= bit & 0xff;
      key = nonReversible(key, register);
    }
    return xor(key, pinVariant);
  };
}

// ---- AES DUKPT, ANSI X9.24-3-2017 (host side), AES-128 BDK, AES-128 PIN key ----
function derivationData(usage, ksnPart, counter) {
  const data = Buffer.alloc(16);
  data[0] = 1;
  data[1] = 1;
  data.writeUInt16BE(usage, 2);
  data.writeUInt16BE(0x0002, 4); // AES-128
  data.writeUInt16BE(128, 6);
  if (counter === undefined) ksnPart.copy(data, 8, 0, 8);
  else {
    ksnPart.copy(data, 8, 4, 8);
    data.writeUInt32BE(counter >>> 0, 12);
  }
  return data;
}

export function aesDukptFloor(bdk) {
  const bdkCipher = ecbKept('aes', bdk);
  return function pinKey(ksn) {
    const counter = ksn.readUInt32BE(8);
    let key = bdkCipher.update(derivationData(0x8001, ksn, undefined));
    let working = 0;
    for (let bit = 0x80000000; bit !== 0; bit >>>= 1) {
      if ((counter & bit) === 0) continue;
      working = (working | bit) >>> 0;
      key = ecbOnce('aes', key, derivationData(0x8000, ksn, working));
    }
    return ecbOnce('aes', key, derivationData(0x1000, ksn, counter));
  };
}
