import { BastionError } from '../../errors/index.js';

/**
 * Key serial numbers of both DUKPT generations.
 *
 * TDES (ANSI X9.24-1-2009): 10 bytes = a 59-bit initial key serial number followed by a 21-bit
 * transaction counter. An originating device only ever uses counters with at most 10 one-bits
 * (it skips the others), so a KSN outside that set was not produced by a conforming device.
 *
 * AES (ANSI X9.24-3-2017): 12 bytes = an 8-byte initial key ID (4-byte BDK ID + 4-byte
 * derivation ID) followed by a 32-bit transaction counter with at most 16 one-bits.
 *
 * Counter zero is never a transaction: it names the initial key itself.
 */
export const tdesDukptKsnLengthBytes = 10;
export const tdesDukptMaxCounterBits = 10;
export const aesDukptKsnLengthBytes = 12;
export const aesDukptInitialKeyIdLengthBytes = 8;
export const aesDukptMaxCounterBits = 16;

/** Mask of the counter bits in the TDES KSN's eighth byte (the rest belong to the serial number). */
export const tdesCounterHighByteMask = 0x1f;

/** The number of one-bits in a 32-bit value (population count, no loop over all 32 bits). */
export function countOneBits(value: number): number {
  let v = value >>> 0;
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** Throws CRYPTO_ERR_KSN unless the KSN is a TDES DUKPT KSN (10 bytes); returns nothing else. */
export function assertTdesDukptKsnLength(ksn: Uint8Array, name = 'ksn'): void {
  if (ksn.length !== tdesDukptKsnLengthBytes) {
    throw new BastionError('CRYPTO_ERR_KSN', `${name} must be ${tdesDukptKsnLengthBytes} bytes for TDES DUKPT, got ${ksn.length}`, {
      argument: name,
      length: ksn.length,
    });
  }
}

/** The 21-bit transaction counter of a TDES KSN, after checking the length only. */
function tdesCounterOf(ksn: Uint8Array): number {
  return (((ksn[7] as number) & tdesCounterHighByteMask) << 16) | ((ksn[8] as number) << 8) | (ksn[9] as number);
}

/**
 * Validates a TDES DUKPT KSN for a transaction and returns its 21-bit counter: wrong length →
 * CRYPTO_ERR_KSN; counter zero or more than 10 one-bits → CRYPTO_ERR_KSN_COUNTER.
 */
export function tdesDukptKsnCounter(ksn: Uint8Array, name = 'ksn'): number {
  assertTdesDukptKsnLength(ksn, name);
  const counter = tdesCounterOf(ksn);
  assertCounter(counter, tdesDukptMaxCounterBits, 'TDES', name);
  return counter;
}

/** Throws CRYPTO_ERR_KSN unless the KSN is an AES DUKPT KSN (12 bytes). */
export function assertAesDukptKsnLength(ksn: Uint8Array, name = 'ksn'): void {
  if (ksn.length !== aesDukptKsnLengthBytes) {
    throw new BastionError('CRYPTO_ERR_KSN', `${name} must be ${aesDukptKsnLengthBytes} bytes for AES DUKPT, got ${ksn.length}`, {
      argument: name,
      length: ksn.length,
    });
  }
}

/**
 * Validates an AES DUKPT KSN for a transaction and returns its 32-bit counter (unsigned): wrong
 * length → CRYPTO_ERR_KSN; counter zero or more than 16 one-bits → CRYPTO_ERR_KSN_COUNTER.
 */
export function aesDukptKsnCounter(ksn: Uint8Array, name = 'ksn'): number {
  assertAesDukptKsnLength(ksn, name);
  const counter = (((ksn[8] as number) << 24) | ((ksn[9] as number) << 16) | ((ksn[10] as number) << 8) | (ksn[11] as number)) >>> 0;
  assertCounter(counter, aesDukptMaxCounterBits, 'AES', name);
  return counter;
}

function assertCounter(counter: number, maxBits: number, scheme: string, name: string): void {
  if (counter === 0) {
    throw new BastionError('CRYPTO_ERR_KSN_COUNTER', `${name} has transaction counter zero, which names the initial key, not a transaction`, {
      argument: name,
      bitsSet: 0,
    });
  }
  const bitsSet = countOneBits(counter);
  if (bitsSet > maxBits) {
    throw new BastionError(
      'CRYPTO_ERR_KSN_COUNTER',
      `${name} has ${bitsSet} one-bits in its transaction counter; ${scheme} DUKPT devices never use more than ${maxBits}`,
      { argument: name, bitsSet, maxBitsSet: maxBits },
    );
  }
}
