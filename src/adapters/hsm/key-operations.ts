import {
  combineKeyComponents,
  encryptEcb,
  equalBytes,
  generateKey as generateClearKey,
  splitKey,
  tr31Wrap,
  type RandomSource,
} from '../../lib/crypto/index.js';
import { BastionError } from '../../lib/errors/index.js';
import type {
  ClearKeyComponent,
  ExportedKey,
  ImportComponentsRequest,
  KeyAlgorithm,
  KeyExportFormat,
  KeyType,
  KeyUnderLmk,
  WorkingKey,
  WorkingKeyOptions,
  WorkingKeySet,
} from '../../ports/hsm.js';
import { assertTypeAndAlgorithm, blockCipherOf, isDesFamily, kcvLengthBytes, keyLengthBytes, keyTypeProfiles } from './key-profiles.js';
import type { Keyring } from './keyring.js';

/** Fresh clear key bytes; DES-family keys get odd parity, as terminals and HSMs expect. */
function newClearKey(algorithm: KeyAlgorithm, random: RandomSource): Buffer {
  const cipher = blockCipherOf(algorithm);
  if (cipher !== undefined && isDesFamily(algorithm)) return generateClearKey(cipher, keyLengthBytes[algorithm], { random }).key;
  const bytes = Buffer.from(random(keyLengthBytes[algorithm]));
  if (bytes.length !== keyLengthBytes[algorithm]) {
    throw new BastionError('CRYPTO_ERR_FILL', 'the random source returned the wrong number of bytes', { argument: 'random' });
  }
  return bytes;
}

export function generateKey(keyring: Keyring, random: RandomSource, type: KeyType, algorithm?: KeyAlgorithm): KeyUnderLmk {
  const chosen = algorithm ?? (keyTypeProfiles[type] as (typeof keyTypeProfiles)[KeyType] | undefined)?.algorithms[0] ?? 'tdes-2key';
  assertTypeAndAlgorithm(type, chosen, 'type');
  const clear = newClearKey(chosen, random);
  try {
    return keyring.wrap(type, chosen, clear);
  } finally {
    clear.fill(0);
  }
}

export function importKeyFromComponents(keyring: Keyring, request: ImportComponentsRequest): KeyUnderLmk {
  const { type, algorithm, components } = request;
  assertTypeAndAlgorithm(type, algorithm, 'type');
  const length = keyLengthBytes[algorithm];
  components.forEach((component, index) => {
    if (component.length !== length) {
      throw new BastionError('CRYPTO_ERR_KEY_LENGTH', `every component of a ${algorithm} key must be ${length} bytes`, {
        argument: `components[${index}]`,
        length: component.length,
      });
    }
    for (let earlier = 0; earlier < index; earlier++) {
      if (equalBytes(components[earlier] as Buffer, component)) {
        throw new BastionError('HSM_ERR_COMPONENTS', `component ${index + 1} repeats component ${earlier + 1}: each custodian brings their own`, {
          argument: `components[${index}]`,
        });
      }
    }
  });
  const raw = Buffer.alloc(length);
  for (const component of components) for (let i = 0; i < length; i++) raw[i] = (raw[i] as number) ^ (component[i] as number);
  const allZero = raw.every((byte) => byte === 0);
  raw.fill(0);
  if (allZero) throw new BastionError('HSM_ERR_COMPONENTS', 'the components combine to an all-zero key', { argument: 'components' });
  const cipher = blockCipherOf(algorithm);
  const clear = cipher === undefined ? xorAll(components, length) : combineKeyComponents(cipher, components).key;
  try {
    const key = keyring.wrap(type, algorithm, clear);
    if (request.expectedKcv !== undefined && !equalBytes(key.kcv, request.expectedKcv.subarray(0, kcvLengthBytes))) {
      throw new BastionError('CRYPTO_ERR_KCV_MISMATCH', 'the key formed from these components does not have the expected KCV: a component was mistyped', {
        argument: 'expectedKcv',
      });
    }
    return key;
  } finally {
    clear.fill(0);
  }
}

function xorAll(components: readonly Uint8Array[], length: number): Buffer {
  const out = Buffer.alloc(length);
  for (const component of components) for (let i = 0; i < length; i++) out[i] = (out[i] as number) ^ (component[i] as number);
  return out;
}

/** TR-31 key usage, mode of use and exportability of each exportable type. */
const tr31Profiles: Partial<Record<KeyType, { usage: string; mode: string; exportability: string }>> = {
  // A TMK ends its journey in the terminal, so its key block says it may not be exported again.
  TMK: { usage: 'K0', mode: 'B', exportability: 'N' },
  KEK: { usage: 'K0', mode: 'B', exportability: 'E' },
  ZPK: { usage: 'P0', mode: 'B', exportability: 'E' },
  ZEK: { usage: 'D0', mode: 'B', exportability: 'E' },
  PVK: { usage: 'V2', mode: 'C', exportability: 'E' },
  CVK: { usage: 'C0', mode: 'C', exportability: 'E' },
  'IMK-AC': { usage: 'E0', mode: 'X', exportability: 'E' },
};

const tr31AlgorithmLetters: Partial<Record<KeyAlgorithm, string>> = {
  des: 'D',
  'tdes-2key': 'T',
  'tdes-3key': 'T',
  'aes-128': 'A',
  'aes-256': 'A',
};

/**
 * `ecb`: the key enciphered block by block under the KEK (TDES for DES-family keys, SM4 for SM4
 * keys), as most terminals' key loaders take a TMK. ECB lets key halves be swapped or replayed
 * independently, so prefer `tr31` (version B under a TDES KEK, D under an AES KEK), which binds
 * the key to its usage with a MAC.
 */
export function exportKeyUnderKek(keyring: Keyring, key: KeyUnderLmk, kek: KeyUnderLmk, format: KeyExportFormat = 'ecb'): ExportedKey {
  const kekClear = keyring.open(kek, ['KEK'], 'kek');
  const profile = tr31Profiles[key.type];
  if (profile === undefined || !keyTypeProfiles[key.type].exportUnderKek) {
    throw new BastionError('HSM_ERR_EXPORT', `a ${key.type} may not be exported under a KEK`, { argument: 'key', type: key.type });
  }
  const clear = keyring.open(key, [key.type], 'key');
  try {
    if (format === 'ecb') {
      if (isDesFamily(kek.algorithm) && isDesFamily(key.algorithm) && kek.algorithm !== 'des') {
        return { format, ciphertext: encryptEcb('tdes', kekClear, clear), kcv: key.kcv };
      }
      if (kek.algorithm === 'sm4' && key.algorithm === 'sm4') return { format, ciphertext: encryptEcb('sm4', kekClear, clear), kcv: key.kcv };
      throw new BastionError('HSM_ERR_ALGORITHM', `ECB export takes a DES-family key under a TDES KEK or an SM4 key under an SM4 KEK; use tr31 for ${key.algorithm} under ${kek.algorithm}`, {
        argument: 'format',
      });
    }
    if ((format as string) !== 'tr31') throw new BastionError('HSM_ERR_ALGORITHM', 'format must be ecb or tr31', { argument: 'format' });
    const version = kek.algorithm === 'tdes-2key' || kek.algorithm === 'tdes-3key' ? 'B' : kek.algorithm === 'aes-128' || kek.algorithm === 'aes-256' ? 'D' : undefined;
    const letter = tr31AlgorithmLetters[key.algorithm];
    if (version === undefined || letter === undefined) {
      throw new BastionError('HSM_ERR_ALGORITHM', `TR-31 export needs a TDES or AES KEK and key; got ${key.algorithm} under ${kek.algorithm}`, { argument: 'format' });
    }
    const header = `${version}0000${profile.usage}${letter}${profile.mode}00${profile.exportability}0000`;
    return { format: 'tr31', keyBlock: tr31Wrap(kekClear, header, clear), kcv: key.kcv };
  } finally {
    clear.fill(0);
    kekClear.fill(0);
  }
}

export function exportKeyAsComponents(keyring: Keyring, random: RandomSource, key: KeyUnderLmk, count: number): ClearKeyComponent[] {
  if (!(keyTypeProfiles[key.type] as (typeof keyTypeProfiles)[KeyType] | undefined)?.exportAsComponents) {
    throw new BastionError('HSM_ERR_EXPORT', `a ${key.type} may not be exported as components`, { argument: 'key', type: key.type });
  }
  const clear = keyring.open(key, [key.type], 'key');
  const cipher = blockCipherOf(key.algorithm);
  try {
    if (cipher === undefined) throw new BastionError('HSM_ERR_ALGORITHM', `${key.algorithm} keys are not split into components`, { argument: 'key' });
    return splitKey(cipher, clear, count, { random, kcv: { lengthBytes: kcvLengthBytes } }).map(({ key: component, kcv }) => ({ component, kcv }));
  } finally {
    clear.fill(0);
  }
}

/** Bytes of a KCV sent to terminals with each working key (PROTOCOL.md, sign-in). */
export const workingKeyKcvLengthBytes = 4;

/**
 * New PIK, MAK and TDK under a TMK. A TDES TMK gives double-length TDES keys (the MAK single- or
 * double-length), an SM4 TMK SM4 keys. Each key is sent ECB-enciphered under the TMK with the
 * first 4 bytes of its encryption of a zero block as KCV; a single-length MAK's 8 enciphered bytes
 * are followed by 8 zero bytes, so all three slots of field 62 are 16 bytes.
 */
export function generateWorkingKeys(keyring: Keyring, random: RandomSource, tmk: KeyUnderLmk, options: WorkingKeyOptions = {}): WorkingKeySet {
  const tmkClear = keyring.open(tmk, ['TMK'], 'tmk');
  try {
    const sm4 = tmk.algorithm === 'sm4';
    const makLength = options.makLength ?? 'single';
    if ((makLength as string) !== 'single' && (makLength as string) !== 'double') {
      throw new BastionError('HSM_ERR_ALGORITHM', 'makLength must be single or double', { argument: 'makLength' });
    }
    const doubleAlgorithm: KeyAlgorithm = sm4 ? 'sm4' : 'tdes-2key';
    const makAlgorithm: KeyAlgorithm = sm4 || makLength === 'double' ? doubleAlgorithm : 'des';
    const tmkCipher = sm4 ? 'sm4' : 'tdes';
    const make = (type: KeyType, algorithm: KeyAlgorithm): WorkingKey => {
      const clear = newClearKey(algorithm, random);
      try {
        const enciphered = encryptEcb(tmkCipher, tmkClear, clear);
        const underTmk = enciphered.length < 16 ? Buffer.concat([enciphered, Buffer.alloc(16 - enciphered.length)]) : enciphered;
        const cipher = blockCipherOf(algorithm) ?? 'tdes';
        const kcv = encryptEcb(cipher, clear, Buffer.alloc(sm4 ? 16 : 8)).subarray(0, workingKeyKcvLengthBytes);
        return { underLmk: keyring.wrap(type, algorithm, clear), underTmk, kcv };
      } finally {
        clear.fill(0);
      }
    };
    return { pik: make('PIK', doubleAlgorithm), mak: make('MAK', makAlgorithm), tdk: make('TDK', doubleAlgorithm) };
  } finally {
    tmkClear.fill(0);
  }
}
