import { BastionError } from '../../errors/index.js';
import { EcbCipher } from '../block-cipher.js';
import { walkCounterBits } from './derivation-path.js';
import { DeviceWalkCache, type DeviceWalk } from './device-cache.js';
import { aesDukptInitialKeyIdLengthBytes, aesDukptKsnCounter, aesDukptKsnLengthBytes } from './ksn.js';

/**
 * AES DUKPT, ANSI X9.24-3-2017, host side.
 *
 * Every key is derived the same way (6.3): AES-ECB, under the parent key, of one 16-byte
 * derivation data block per 128 bits of the new key, truncated to the new key's length. The
 * block is: version 01, block counter (01, 02), key usage (2 bytes), algorithm indicator
 * (2 bytes), key length in bits (2 bytes), then 8 bytes of KSN data — the whole initial key ID
 * for the initial key, otherwise the derivation ID (ID bytes 4-7) and a 32-bit counter.
 *
 * - Initial key: from the BDK, usage 8001, algorithm and length of the BDK.
 * - Intermediate derivation keys: usage 8000, algorithm and length of the BDK, one per one-bit
 *   of the counter from the most significant down, each with the counter built so far. The last
 *   one is what this module calls the transaction key.
 * - Working keys: from the transaction key with the full counter, the usage of Table 2 and the
 *   algorithm / length of the requested key type.
 *
 * HMAC keys are not a key usage in the standard's table: they are the MAC usages with the HMAC
 * algorithm indicator (0005) and the key length in bits, hence the hmac128/192/256 key types.
 */
export type AesDukptBdkType = 'aes128' | 'aes192' | 'aes256';
export type AesDukptKeyType = 'tdes2' | 'tdes3' | AesDukptBdkType | 'hmac128' | 'hmac192' | 'hmac256';
export type AesDukptKeyUsage =
  | 'keyEncryption'
  | 'pinEncryption'
  | 'macGeneration'
  | 'macVerification'
  | 'macBothWays'
  | 'dataEncryption'
  | 'dataDecryption'
  | 'dataBothWays';

export const aesDukptKeyTypes: readonly AesDukptKeyType[] = ['tdes2', 'tdes3', 'aes128', 'aes192', 'aes256', 'hmac128', 'hmac192', 'hmac256'];
export const aesDukptKeyUsages: readonly AesDukptKeyUsage[] = [
  'keyEncryption',
  'pinEncryption',
  'macGeneration',
  'macVerification',
  'macBothWays',
  'dataEncryption',
  'dataDecryption',
  'dataBothWays',
];

/** Key usage indicators, X9.24-3-2017 6.3.2 Table 2. */
const usageIndicator: Readonly<Record<AesDukptKeyUsage, number>> = {
  keyEncryption: 0x0002,
  pinEncryption: 0x1000,
  macGeneration: 0x2000,
  macVerification: 0x2001,
  macBothWays: 0x2002,
  dataEncryption: 0x3000,
  dataDecryption: 0x3001,
  dataBothWays: 0x3002,
};
const keyDerivationUsage = 0x8000;
const initialKeyUsage = 0x8001;

interface KeyTypeInfo {
  /** Algorithm indicator, X9.24-3-2017 6.3.2 Table 2 (HMAC: 0005). */
  readonly algorithm: number;
  readonly lengthBits: 128 | 192 | 256;
}

const keyTypeInfo: Readonly<Record<AesDukptKeyType, KeyTypeInfo>> = {
  tdes2: { algorithm: 0x0000, lengthBits: 128 },
  tdes3: { algorithm: 0x0001, lengthBits: 192 },
  aes128: { algorithm: 0x0002, lengthBits: 128 },
  aes192: { algorithm: 0x0003, lengthBits: 192 },
  aes256: { algorithm: 0x0004, lengthBits: 256 },
  hmac128: { algorithm: 0x0005, lengthBits: 128 },
  hmac192: { algorithm: 0x0005, lengthBits: 192 },
  hmac256: { algorithm: 0x0005, lengthBits: 256 },
};

const derivationDataVersion = 0x01;
const blockBytes = 16;

/** All host-side keys for one KSN at one working key type. */
export interface AesDukptKeys {
  readonly initialKey: Buffer;
  readonly transactionKey: Buffer;
  readonly pinKey: Buffer;
  readonly macGenerationKey: Buffer;
  readonly macVerificationKey: Buffer;
  readonly dataEncryptionKey: Buffer;
  readonly dataDecryptionKey: Buffer;
  /** HMAC key of the working key's length (MAC generation usage); absent for TDES working key types. */
  readonly hmacGenerationKey?: Buffer;
  /** HMAC key of the working key's length (MAC verification usage); absent for TDES working key types. */
  readonly hmacVerificationKey?: Buffer;
}

export function aesDukptBdkTypeOf(bdk: Uint8Array, name = 'bdk'): AesDukptBdkType {
  switch (bdk.length) {
    case 16:
      return 'aes128';
    case 24:
      return 'aes192';
    case 32:
      return 'aes256';
    default:
      throw new BastionError('CRYPTO_ERR_KEY_LENGTH', `${name} must be 16, 24 or 32 bytes for AES DUKPT, got ${bdk.length}`, {
        argument: name,
        algorithm: 'aes',
        length: bdk.length,
      });
  }
}

/**
 * Checks that a working key may be derived from a derivation key of `derivationType`:
 * X9.24-3-2017 6.1.3 — a working key shall be of equal or lesser strength than the key it is
 * derived from. AES and HMAC keys compare by length; double- and triple-length TDES keys
 * (80 and 112 bits of strength, NIST SP 800-57) are weaker than any AES key and always allowed.
 * HMAC key types only serve the MAC usages.
 */
function assertWorkingKey(derivationType: AesDukptBdkType, usage: string, keyType: string): void {
  if (!Object.hasOwn(usageIndicator, usage)) {
    throw new BastionError('CRYPTO_ERR_ARGUMENT', `usage must be one of ${aesDukptKeyUsages.join(', ')}`, { argument: 'usage' });
  }
  if (!Object.hasOwn(keyTypeInfo, keyType)) {
    throw new BastionError('CRYPTO_ERR_ARGUMENT', `workingKeyType must be one of ${aesDukptKeyTypes.join(', ')}`, {
      argument: 'workingKeyType',
    });
  }
  const working = keyTypeInfo[keyType as AesDukptKeyType];
  if (working.algorithm !== keyTypeInfo.tdes2.algorithm && working.algorithm !== keyTypeInfo.tdes3.algorithm) {
    const derivationBits = keyTypeInfo[derivationType].lengthBits;
    if (working.lengthBits > derivationBits) {
      throw new BastionError(
        'CRYPTO_ERR_ALGORITHM',
        `a ${keyType} working key is stronger than its ${derivationType} derivation key; X9.24-3 only derives keys of equal or lesser strength`,
        { argument: 'workingKeyType', workingKeyType: keyType, bdkType: derivationType },
      );
    }
  }
  if (working.algorithm === keyTypeInfo.hmac128.algorithm && !usage.startsWith('mac')) {
    throw new BastionError('CRYPTO_ERR_ALGORITHM', `HMAC working keys serve the MAC usages only, not ${usage}`, {
      argument: 'workingKeyType',
      workingKeyType: keyType,
      usage,
    });
  }
}

/**
 * Fills `data` (16 bytes per block) with derivation data blocks whose KSN part is already in
 * bytes 8-15 of the first block; copies that part into the later blocks.
 */
function fillHeader(data: Buffer, usage: number, info: KeyTypeInfo): void {
  data[0] = derivationDataVersion;
  data[1] = 1;
  data.writeUInt16BE(usage, 2);
  data.writeUInt16BE(info.algorithm, 4);
  data.writeUInt16BE(info.lengthBits, 6);
  for (let block = 1; block * blockBytes < data.length; block++) {
    data.copy(data, block * blockBytes, 0, blockBytes);
    data[block * blockBytes + 1] = block + 1;
  }
}

/**
 * One derivation (X9.24-3-2017 6.3.1): all blocks in a single ECB call, then truncation. The KSN
 * part is the whole initial key ID when `counter` is undefined (initial key), otherwise the
 * derivation ID (bytes 4-7 of `initialKeyId`, which may be the whole KSN) and the counter.
 */
function deriveWith(parent: EcbCipher, usage: number, info: KeyTypeInfo, initialKeyId: Uint8Array, counter: number | undefined): Buffer {
  const lengthBytes = info.lengthBits / 8;
  const data = Buffer.allocUnsafe(Math.ceil(lengthBytes / blockBytes) * blockBytes);
  if (counter === undefined) {
    data.set(initialKeyId.subarray(0, aesDukptInitialKeyIdLengthBytes), 8);
  } else {
    data.set(initialKeyId.subarray(4, aesDukptInitialKeyIdLengthBytes), 8);
    data.writeUInt32BE(counter >>> 0, 12);
  }
  fillHeader(data, usage, info);
  const out = parent.encryptUnchecked(data);
  // Copy when truncating, so no caller holds a view onto the discarded key material.
  return out.length === lengthBytes ? out : Buffer.from(out.subarray(0, lengthBytes));
}

/** A derivation key with its key schedule, so the next derivation under it costs one call. */
interface DerivationKey {
  readonly key: Buffer;
  readonly cipher: EcbCipher;
}

function derivationKey(key: Buffer): DerivationKey {
  return { key, cipher: new EcbCipher('aes', key) };
}

function deriveInitialKeyWith(bdkCipher: EcbCipher, bdkType: AesDukptBdkType, initialKeyId: Uint8Array): Buffer {
  return deriveWith(bdkCipher, initialKeyUsage, keyTypeInfo[bdkType], initialKeyId, undefined);
}

/** A walk step for one device: the next intermediate derivation key (usage 8000, BDK's type). */
function stepFor(ksnOrInitialKeyId: Uint8Array, bdkType: AesDukptBdkType): (parent: DerivationKey, workingCounter: number) => DerivationKey {
  const initialKeyId = Buffer.from(ksnOrInitialKeyId.subarray(0, aesDukptInitialKeyIdLengthBytes));
  const info = keyTypeInfo[bdkType];
  return (parent, workingCounter) =>
    derivationKey(deriveWith(parent.cipher, keyDerivationUsage, info, initialKeyId, workingCounter));
}

function workingKeyWith(transaction: DerivationKey, ksn: Uint8Array, counter: number, usage: AesDukptKeyUsage, keyType: AesDukptKeyType): Buffer {
  return deriveWith(transaction.cipher, usageIndicator[usage], keyTypeInfo[keyType], ksn, counter);
}

/** The most significant bit of the 32-bit counter: where the walk starts. */
const topCounterBit = 0x80000000;

/** The initial key ID of a 12-byte KSN or of an 8-byte initial key ID given as is. */
function initialKeyIdOf(ksnOrInitialKeyId: Uint8Array): Uint8Array {
  if (ksnOrInitialKeyId.length !== aesDukptKsnLengthBytes && ksnOrInitialKeyId.length !== aesDukptInitialKeyIdLengthBytes) {
    throw new BastionError(
      'CRYPTO_ERR_KSN',
      `ksn must be ${aesDukptKsnLengthBytes} bytes (or an ${aesDukptInitialKeyIdLengthBytes}-byte initial key ID) for AES DUKPT, got ${ksnOrInitialKeyId.length}`,
      { argument: 'ksn', length: ksnOrInitialKeyId.length },
    );
  }
  return ksnOrInitialKeyId.subarray(0, aesDukptInitialKeyIdLengthBytes);
}

/** The initial key of a device from the BDK and its KSN (counter ignored) or initial key ID. */
export function deriveAesDukptInitialKey(bdk: Uint8Array, ksnOrInitialKeyId: Uint8Array): Buffer {
  const bdkType = aesDukptBdkTypeOf(bdk);
  const initialKeyId = initialKeyIdOf(ksnOrInitialKeyId);
  return deriveInitialKeyWith(new EcbCipher('aes', bdk, 'bdk'), bdkType, initialKeyId);
}

/** The transaction key (the last intermediate derivation key) for a KSN, from the initial key. */
export function deriveAesDukptTransactionKey(initialKey: Uint8Array, ksn: Uint8Array): Buffer {
  const keyType = aesDukptBdkTypeOf(initialKey, 'initialKey');
  const counter = aesDukptKsnCounter(ksn);
  return Buffer.from(walkCounterBits(derivationKey(Buffer.from(initialKey)), counter, topCounterBit, stepFor(ksn, keyType)).key);
}

/** A working key from a transaction key; `keyType` defaults to the transaction key's own type. */
export function deriveAesDukptWorkingKey(transactionKey: Uint8Array, ksn: Uint8Array, usage: AesDukptKeyUsage, keyType?: AesDukptKeyType): Buffer {
  const derivationType = aesDukptBdkTypeOf(transactionKey, 'transactionKey');
  const workingType = keyType ?? derivationType;
  assertWorkingKey(derivationType, usage, workingType);
  const counter = aesDukptKsnCounter(ksn);
  return workingKeyWith(derivationKey(Buffer.from(transactionKey)), ksn, counter, usage, workingType);
}

/** Every host-side key for one KSN, for one-off use (a host handling many KSNs wants AesDukptHost). */
export function deriveAesDukptKeys(bdk: Uint8Array, ksn: Uint8Array, workingKeyType?: AesDukptKeyType): AesDukptKeys {
  return new AesDukptHost(bdk).deriveKeys(ksn, workingKeyType);
}

/**
 * A host's view of one AES BDK: the BDK's key schedule is prepared once, the initial key of the
 * last device seen is kept, and so are the steps of its last walk (see DerivationPathCache). A
 * PIN key for a KSN then costs one AES call per counter bit the previous KSN did not share,
 * plus one. The instance holds those caches (never shared, never global): each worker owns its
 * own host.
 */
export class AesDukptHost {
  readonly bdkType: AesDukptBdkType;
  private readonly bdkCipher: EcbCipher;
  /** Recently seen devices, keyed by their initial key ID. */
  private readonly devices: DeviceWalkCache<DerivationKey>;

  constructor(bdk: Uint8Array, options: { devicesCachedMax?: number } = {}) {
    this.devices = new DeviceWalkCache<DerivationKey>(options.devicesCachedMax);
    this.bdkType = aesDukptBdkTypeOf(bdk);
    // A copy: the key schedule is built on first use, after the caller may have reused its buffer.
    this.bdkCipher = new EcbCipher('aes', Buffer.from(bdk), 'bdk');
  }

  /** Accepts the 12-byte KSN (counter ignored) or the 8-byte initial key ID. */
  deriveInitialKey(ksnOrInitialKeyId: Uint8Array): Buffer {
    return Buffer.from(this.initialKeyOf(initialKeyIdOf(ksnOrInitialKeyId)).key);
  }

  deriveTransactionKey(ksn: Uint8Array): Buffer {
    const counter = aesDukptKsnCounter(ksn);
    return Buffer.from(this.transactionKeyOf(ksn, counter).key);
  }

  /** A working key; `keyType` defaults to the BDK's type. */
  deriveWorkingKey(ksn: Uint8Array, usage: AesDukptKeyUsage, keyType: AesDukptKeyType = this.bdkType): Buffer {
    assertWorkingKey(this.bdkType, usage, keyType);
    const counter = aesDukptKsnCounter(ksn);
    return workingKeyWith(this.transactionKeyOf(ksn, counter), ksn, counter, usage, keyType);
  }

  derivePinKey(ksn: Uint8Array, keyType: AesDukptKeyType = this.bdkType): Buffer {
    return this.deriveWorkingKey(ksn, 'pinEncryption', keyType);
  }

  deriveMacGenerationKey(ksn: Uint8Array, keyType: AesDukptKeyType = this.bdkType): Buffer {
    return this.deriveWorkingKey(ksn, 'macGeneration', keyType);
  }

  deriveMacVerificationKey(ksn: Uint8Array, keyType: AesDukptKeyType = this.bdkType): Buffer {
    return this.deriveWorkingKey(ksn, 'macVerification', keyType);
  }

  deriveDataEncryptionKey(ksn: Uint8Array, keyType: AesDukptKeyType = this.bdkType): Buffer {
    return this.deriveWorkingKey(ksn, 'dataEncryption', keyType);
  }

  deriveDataDecryptionKey(ksn: Uint8Array, keyType: AesDukptKeyType = this.bdkType): Buffer {
    return this.deriveWorkingKey(ksn, 'dataDecryption', keyType);
  }

  /**
   * The initial, transaction and common working keys at one working key type (default: the
   * BDK's). HMAC keys take the working key's length and are absent for TDES working key types,
   * which have no HMAC counterpart.
   */
  deriveKeys(ksn: Uint8Array, workingKeyType: AesDukptKeyType = this.bdkType): AesDukptKeys {
    assertWorkingKey(this.bdkType, 'pinEncryption', workingKeyType);
    const counter = aesDukptKsnCounter(ksn);
    const transaction = this.transactionKeyOf(ksn, counter);
    const initialKey = this.initialKeyOf(ksn.subarray(0, aesDukptInitialKeyIdLengthBytes)).key;
    const working = (usage: AesDukptKeyUsage, type: AesDukptKeyType): Buffer => workingKeyWith(transaction, ksn, counter, usage, type);
    const keys: AesDukptKeys = {
      initialKey: Buffer.from(initialKey),
      transactionKey: Buffer.from(transaction.key),
      pinKey: working('pinEncryption', workingKeyType),
      macGenerationKey: working('macGeneration', workingKeyType),
      macVerificationKey: working('macVerification', workingKeyType),
      dataEncryptionKey: working('dataEncryption', workingKeyType),
      dataDecryptionKey: working('dataDecryption', workingKeyType),
    };
    const hmacType = hmacTypeFor(workingKeyType);
    if (hmacType === undefined) return keys;
    return { ...keys, hmacGenerationKey: working('macGeneration', hmacType), hmacVerificationKey: working('macVerification', hmacType) };
  }

  private transactionKeyOf(ksn: Uint8Array, counter: number): DerivationKey {
    const device = this.deviceOf(ksn.subarray(0, aesDukptInitialKeyIdLengthBytes));
    return device.path.walk(device.initialKey, counter, topCounterBit, device.step);
  }

  private initialKeyOf(initialKeyId: Uint8Array): DerivationKey {
    return this.deviceOf(initialKeyId).initialKey;
  }

  private deviceOf(initialKeyId: Uint8Array): DeviceWalk<DerivationKey> {
    const id = Buffer.from(initialKeyId.buffer, initialKeyId.byteOffset, initialKeyId.byteLength).toString('latin1');
    return this.devices.device(id, () => ({
      initialKey: derivationKey(deriveInitialKeyWith(this.bdkCipher, this.bdkType, initialKeyId)),
      step: stepFor(initialKeyId, this.bdkType),
    }));
  }
}

/** The HMAC key type of the same length as an AES working key type; none for TDES types. */
function hmacTypeFor(keyType: AesDukptKeyType): AesDukptKeyType | undefined {
  switch (keyType) {
    case 'aes128':
    case 'hmac128':
      return 'hmac128';
    case 'aes192':
    case 'hmac192':
      return 'hmac192';
    case 'aes256':
    case 'hmac256':
      return 'hmac256';
    default:
      return undefined;
  }
}
