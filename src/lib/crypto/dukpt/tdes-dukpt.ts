import { BastionError } from '../../errors/index.js';
import { assertDoubleLengthTdesKey, EcbCipher } from '../block-cipher.js';
import { walkCounterBits } from './derivation-path.js';
import { DeviceWalkCache, type DeviceWalk } from './device-cache.js';
import { assertTdesDukptKsnLength, tdesCounterHighByteMask, tdesDukptKsnCounter } from './ksn.js';

/**
 * TDES DUKPT, ANSI X9.24-1-2009 Annex A (identical to ANSI X9.24-3-2017 Annex C), host side:
 * everything a receiving host derives from the BDK and a KSN.
 *
 * - Initial key (IPEK): the left half is the BDK's TDES encryption of the KSN's leftmost 8 bytes
 *   with the counter zeroed; the right half the same under BDK ⊕ C0C0C0C000000000C0C0C0C000000000.
 *   The standard's BDK is a double-length (16-byte) TDES key; only that length is accepted.
 * - Transaction key ("future key" of the device): from the IPEK, one non-reversible key
 *   generation step per one-bit of the 21-bit counter, high bit first.
 * - Working keys: the transaction key XORed with a variant constant in both halves (Table A-1).
 *   Data keys then take the one-way step of A.4.1 figure A-2: the variant key encrypts itself
 *   (TDES-ECB of its two halves under itself). dataRequestKey / dataResponseKey are that final
 *   key, ready for TDES-CBC of the transaction data.
 */
export type TdesDukptVariant = 'pin' | 'macRequest' | 'macResponse' | 'dataRequest' | 'dataResponse';

export const tdesDukptVariants: readonly TdesDukptVariant[] = ['pin', 'macRequest', 'macResponse', 'dataRequest', 'dataResponse'];

/**
 * The byte of each 8-byte half that the variant sets to FF (X9.24-1-2009 Table A-1):
 * PIN 00000000000000FF, MAC request 000000000000FF00, MAC response 00000000FF000000,
 * data request 0000000000FF0000, data response 000000FF00000000, each repeated for both halves.
 */
const variantByteIndex: Readonly<Record<TdesDukptVariant, number>> = {
  pin: 7,
  macRequest: 6,
  macResponse: 4,
  dataRequest: 5,
  dataResponse: 3,
};

export const tdesDukptKeyLengthBytes = 16;

/** All host-side keys for one KSN. */
export interface TdesDukptKeys {
  readonly initialKey: Buffer;
  readonly transactionKey: Buffer;
  readonly pinKey: Buffer;
  readonly macRequestKey: Buffer;
  readonly macResponseKey: Buffer;
  /** The data request variant after the one-way step: the key that encrypts request data. */
  readonly dataRequestKey: Buffer;
  /** The data response variant after the one-way step: the key that encrypts response data. */
  readonly dataResponseKey: Buffer;
}

/** The key-register variant of the standard: C0 in the first four bytes of each half. */
const registerVariantByte = 0xc0;
const registerVariantBytes = 4;


function assertVariant(variant: string): asserts variant is TdesDukptVariant {
  if (!Object.hasOwn(variantByteIndex, variant)) {
    throw new BastionError('CRYPTO_ERR_ARGUMENT', `variant must be one of ${tdesDukptVariants.join(', ')}`, { argument: 'variant' });
  }
}

/** BDK ⊕ C0C0C0C000000000C0C0C0C000000000, for the right half of the IPEK. */
function registerVariant(key: Uint8Array): Buffer {
  const out = Buffer.from(key);
  for (let i = 0; i < registerVariantBytes; i++) {
    out[i] = (out[i] as number) ^ registerVariantByte;
    out[8 + i] = (out[8 + i] as number) ^ registerVariantByte;
  }
  return out;
}

/** The KSN's leftmost 8 bytes with the counter bits cleared: the IPEK's input block. */
function initialKeyBlock(ksn: Uint8Array): Buffer {
  const block = Buffer.allocUnsafe(8);
  block.set(ksn.subarray(0, 8));
  block[7] = (block[7] as number) & ~tdesCounterHighByteMask;
  return block;
}

function initialKeyWith(bdkCipher: EcbCipher, bdkVariantCipher: EcbCipher, ksn: Uint8Array): Buffer {
  const block = initialKeyBlock(ksn);
  const out = Buffer.allocUnsafe(tdesDukptKeyLengthBytes);
  out.set(bdkCipher.encryptUnchecked(block), 0);
  out.set(bdkVariantCipher.encryptUnchecked(block), 8);
  return out;
}

/**
 * The KSN's rightmost 8 bytes with the counter cleared: the crypto register of the walk, into
 * which each step ORs its working counter.
 */
function registerBase(ksn: Uint8Array): Buffer {
  const register = Buffer.allocUnsafe(8);
  register.set(ksn.subarray(2, 10));
  register[5] = (register[5] as number) & ~tdesCounterHighByteMask;
  register[6] = 0;
  register[7] = 0;
  return register;
}

/**
 * A walk step for one device: the non-reversible key generation process (X9.24-1-2009 A.2) on
 * the register holding the serial number and `workingCounter`. Each half of the new key is
 * single-DES under a half of the current key (plain, then C0-variant), with the right half of
 * that key XORed in before and after. The keys change each step, so nothing here can be cached.
 */
function stepFor(base: Buffer): (key: Buffer, workingCounter: number) => Buffer {
  const block = Buffer.allocUnsafe(8);
  const leftKey = Buffer.allocUnsafe(8);
  const highByte = (base[5] as number) & ~tdesCounterHighByteMask;
  return (key, workingCounter) => {
    const register5 = highByte | ((workingCounter >>> 16) & tdesCounterHighByteMask);
    const register6 = (workingCounter >>> 8) & 0xff;
    const register7 = workingCounter & 0xff;
    const out = Buffer.allocUnsafe(tdesDukptKeyLengthBytes);

    // Right half of the new key: DES under the key's left half.
    for (let i = 0; i < 8; i++) block[i] = registerByte(base, i, register5, register6, register7) ^ (key[8 + i] as number);
    const right = new EcbCipher('des', key.subarray(0, 8)).encryptUnchecked(block);
    for (let i = 0; i < 8; i++) out[8 + i] = (right[i] as number) ^ (key[8 + i] as number);

    // Left half: the same under the key XOR C0C0C0C000000000 C0C0C0C000000000.
    for (let i = 0; i < 8; i++) {
      const variant = i < registerVariantBytes ? registerVariantByte : 0;
      leftKey[i] = (key[i] as number) ^ variant;
      block[i] = registerByte(base, i, register5, register6, register7) ^ (key[8 + i] as number) ^ variant;
    }
    const left = new EcbCipher('des', leftKey).encryptUnchecked(block);
    for (let i = 0; i < 8; i++) out[i] = (left[i] as number) ^ (key[8 + i] as number) ^ (i < registerVariantBytes ? registerVariantByte : 0);
    return out;
  };
}

function registerByte(base: Buffer, index: number, register5: number, register6: number, register7: number): number {
  if (index < 5) return base[index] as number;
  if (index === 5) return register5;
  return index === 6 ? register6 : register7;
}

/** The most significant bit of the 21-bit counter: where the walk starts. */
const topCounterBit = 0x100000;

/** Applies a variant (and, for data keys, the one-way step) to a transaction key. */
export function tdesDukptVariantKey(transactionKey: Uint8Array, variant: TdesDukptVariant): Buffer {
  assertDoubleLengthTdesKey(transactionKey, 'transactionKey');
  assertVariant(variant);
  return variantOf(transactionKey, variant);
}

function variantOf(transactionKey: Uint8Array, variant: TdesDukptVariant): Buffer {
  const key = Buffer.from(transactionKey);
  const index = variantByteIndex[variant];
  key[index] = (key[index] as number) ^ 0xff;
  key[8 + index] = (key[8 + index] as number) ^ 0xff;
  if (variant === 'dataRequest' || variant === 'dataResponse') {
    // One-way step (A.4.1 figure A-2): both halves encrypted under the whole variant key.
    return new EcbCipher('tdes', key).encryptUnchecked(key);
  }
  return key;
}

/** IPEK from a BDK and any KSN of the device (the counter bits are ignored). */
export function deriveTdesDukptInitialKey(bdk: Uint8Array, ksn: Uint8Array): Buffer {
  assertDoubleLengthTdesKey(bdk, 'bdk');
  assertTdesDukptKsnLength(ksn);
  return initialKeyWith(new EcbCipher('tdes', bdk, 'bdk'), new EcbCipher('tdes', registerVariant(bdk), 'bdk'), ksn);
}

/** Transaction key for a KSN straight from the IPEK (no BDK needed). */
export function deriveTdesDukptTransactionKey(initialKey: Uint8Array, ksn: Uint8Array): Buffer {
  assertDoubleLengthTdesKey(initialKey, 'initialKey');
  const counter = tdesDukptKsnCounter(ksn);
  return walkCounterBits(Buffer.from(initialKey), counter, topCounterBit, stepFor(registerBase(ksn)));
}

/** Every host-side key for one KSN, for one-off use (a host handling many KSNs wants TdesDukptHost). */
export function deriveTdesDukptKeys(bdk: Uint8Array, ksn: Uint8Array): TdesDukptKeys {
  return new TdesDukptHost(bdk).deriveKeys(ksn);
}

/**
 * A host's view of one TDES BDK: the BDK's two key schedules are prepared once, the IPEK of the
 * last device seen is kept, and so are the steps of its last walk (see DerivationPathCache), so
 * a stream of KSNs from the same devices costs only the cipher calls that differ. The instance
 * holds those caches (never shared, never global): each worker owns its own host.
 */
export class TdesDukptHost {
  private readonly bdkCipher: EcbCipher;
  private readonly bdkVariantCipher: EcbCipher;
  /** Recently seen devices, keyed by the KSN's first 8 bytes with the counter cleared. */
  private readonly devices: DeviceWalkCache<Buffer>;

  constructor(bdk: Uint8Array, options: { devicesCachedMax?: number } = {}) {
    this.devices = new DeviceWalkCache<Buffer>(options.devicesCachedMax);
    assertDoubleLengthTdesKey(bdk, 'bdk');
    // A copy: the key schedule is built on first use, after the caller may have reused its buffer.
    this.bdkCipher = new EcbCipher('tdes', Buffer.from(bdk), 'bdk');
    this.bdkVariantCipher = new EcbCipher('tdes', registerVariant(bdk), 'bdk');
  }

  deriveInitialKey(ksn: Uint8Array): Buffer {
    assertTdesDukptKsnLength(ksn);
    return Buffer.from(this.initialKeyOf(ksn));
  }

  deriveTransactionKey(ksn: Uint8Array): Buffer {
    return Buffer.from(this.transactionKeyOf(ksn));
  }

  deriveWorkingKey(ksn: Uint8Array, variant: TdesDukptVariant): Buffer {
    assertVariant(variant);
    return variantOf(this.transactionKeyOf(ksn), variant);
  }

  derivePinKey(ksn: Uint8Array): Buffer {
    return variantOf(this.transactionKeyOf(ksn), 'pin');
  }

  deriveMacRequestKey(ksn: Uint8Array): Buffer {
    return variantOf(this.transactionKeyOf(ksn), 'macRequest');
  }

  deriveMacResponseKey(ksn: Uint8Array): Buffer {
    return variantOf(this.transactionKeyOf(ksn), 'macResponse');
  }

  deriveDataRequestKey(ksn: Uint8Array): Buffer {
    return variantOf(this.transactionKeyOf(ksn), 'dataRequest');
  }

  deriveDataResponseKey(ksn: Uint8Array): Buffer {
    return variantOf(this.transactionKeyOf(ksn), 'dataResponse');
  }

  deriveKeys(ksn: Uint8Array): TdesDukptKeys {
    const transactionKey = this.transactionKeyOf(ksn);
    return {
      initialKey: Buffer.from(this.deviceOf(ksn).initialKey),
      transactionKey: Buffer.from(transactionKey),
      pinKey: variantOf(transactionKey, 'pin'),
      macRequestKey: variantOf(transactionKey, 'macRequest'),
      macResponseKey: variantOf(transactionKey, 'macResponse'),
      dataRequestKey: variantOf(transactionKey, 'dataRequest'),
      dataResponseKey: variantOf(transactionKey, 'dataResponse'),
    };
  }

  /** The remembered transaction key: callers copy or derive from it, never hand it out. */
  private transactionKeyOf(ksn: Uint8Array): Buffer {
    const counter = tdesDukptKsnCounter(ksn);
    const device = this.deviceOf(ksn);
    return device.path.walk(device.initialKey, counter, topCounterBit, device.step);
  }

  private initialKeyOf(ksn: Uint8Array): Buffer {
    return this.deviceOf(ksn).initialKey;
  }

  private deviceOf(ksn: Uint8Array): DeviceWalk<Buffer> {
    const id = initialKeyBlock(ksn).toString('latin1');
    return this.devices.device(id, () => ({ initialKey: initialKeyWith(this.bdkCipher, this.bdkVariantCipher, ksn), step: stepFor(registerBase(ksn)) }));
  }
}
