import { createCipheriv, createDecipheriv, type Cipher, type Decipher } from 'node:crypto';
import { BastionError } from '../errors/index.js';

/**
 * Block ciphers, all from node:crypto. Single DES is TDES with K1 = K2 = K3 (OpenSSL 3 keeps
 * plain DES in its legacy provider, which Node does not load). No padding is ever added here:
 * callers pad by the rules of their own standard.
 */
export type BlockAlgorithm = 'des' | 'tdes' | 'aes' | 'sm4';

export const blockAlgorithms: readonly BlockAlgorithm[] = ['des', 'tdes', 'aes', 'sm4'];

const keyLengths: Record<BlockAlgorithm, readonly number[]> = {
  des: [8],
  tdes: [16, 24],
  aes: [16, 24, 32],
  sm4: [16],
};

export function blockSizeOf(algorithm: BlockAlgorithm): 8 | 16 {
  return algorithm === 'des' || algorithm === 'tdes' ? 8 : 16;
}

export function isBlockAlgorithm(value: string): value is BlockAlgorithm {
  return (blockAlgorithms as readonly string[]).includes(value);
}

/** Throws CRYPTO_ERR_KEY_LENGTH unless `key` suits `algorithm`; `name` is the argument named. */
export function assertKeyLength(algorithm: BlockAlgorithm, key: Uint8Array, name = 'key'): void {
  if (!keyLengths[algorithm].includes(key.length)) {
    throw new BastionError(
      'CRYPTO_ERR_KEY_LENGTH',
      `${name} must be ${keyLengths[algorithm].join(' or ')} bytes for ${algorithm.toUpperCase()}, got ${key.length}`,
      { argument: name, algorithm, length: key.length },
    );
  }
}

/**
 * Throws CRYPTO_ERR_KEY_LENGTH unless `key` is a 16-byte double-length TDES key: the one length
 * EMV master and session keys, CVKs, Visa PVKs and TDES DUKPT BDKs are defined for.
 */
export function assertDoubleLengthTdesKey(key: Uint8Array, name: string): void {
  if (key.length !== 16) {
    throw new BastionError('CRYPTO_ERR_KEY_LENGTH', `${name} must be a 16-byte double-length TDES key, got ${key.length} bytes`, {
      argument: name,
      algorithm: 'tdes',
      length: key.length,
    });
  }
}

export function assertBlockMultiple(algorithm: BlockAlgorithm, data: Uint8Array, name = 'data'): void {
  const size = blockSizeOf(algorithm);
  if (data.length === 0 || data.length % size !== 0) {
    throw new BastionError('CRYPTO_ERR_DATA_LENGTH', `${name} must be a non-empty multiple of ${size} bytes, got ${data.length}`, {
      argument: name,
      length: data.length,
    });
  }
}

function opensslName(algorithm: BlockAlgorithm, keyLength: number, mode: 'ecb' | 'cbc'): string {
  switch (algorithm) {
    case 'des':
      return `des-ede3-${mode}`;
    case 'tdes':
      return keyLength === 16 ? `des-ede-${mode}` : `des-ede3-${mode}`;
    case 'aes':
      return `aes-${keyLength * 8}-${mode}`;
    case 'sm4':
      return `sm4-${mode}`;
  }
}

function opensslKey(algorithm: BlockAlgorithm, key: Uint8Array): Uint8Array {
  // OpenSSL has no single-DES cipher in its default provider: K1 = K2 = K3 is DES.
  return algorithm === 'des' ? Buffer.concat([key, key, key]) : key;
}

/**
 * An ECB cipher with its key schedule prepared once and reused for every call: the cheap way
 * to run many blocks under one key (DUKPT base keys, MAC keys, PIN keys). ECB has no chaining,
 * so each call is independent. Not thread-shared state: each holder owns its instance.
 */
export class EcbCipher {
  readonly algorithm: BlockAlgorithm;
  readonly blockSize: 8 | 16;
  private readonly cipherName: string;
  private readonly key: Uint8Array;
  private encryptor: Cipher | undefined;
  private decryptor: Decipher | undefined;

  constructor(algorithm: BlockAlgorithm, key: Uint8Array, keyName = 'key') {
    assertKeyLength(algorithm, key, keyName);
    this.algorithm = algorithm;
    this.blockSize = blockSizeOf(algorithm);
    this.cipherName = opensslName(algorithm, key.length, 'ecb');
    this.key = opensslKey(algorithm, key);
  }

  encrypt(data: Uint8Array): Buffer {
    assertBlockMultiple(this.algorithm, data);
    return this.encryptUnchecked(data);
  }

  decrypt(data: Uint8Array): Buffer {
    assertBlockMultiple(this.algorithm, data);
    return this.decryptUnchecked(data);
  }

  /** Hot-path variant for callers that have already guaranteed whole blocks. */
  encryptUnchecked(data: Uint8Array): Buffer {
    if (this.encryptor === undefined) {
      this.encryptor = createCipheriv(this.cipherName, this.key, null);
      this.encryptor.setAutoPadding(false);
    }
    return this.encryptor.update(data);
  }

  decryptUnchecked(data: Uint8Array): Buffer {
    if (this.decryptor === undefined) {
      this.decryptor = createDecipheriv(this.cipherName, this.key, null);
      this.decryptor.setAutoPadding(false);
    }
    return this.decryptor.update(data);
  }
}

export function encryptEcb(algorithm: BlockAlgorithm, key: Uint8Array, data: Uint8Array): Buffer {
  return new EcbCipher(algorithm, key).encrypt(data);
}

export function decryptEcb(algorithm: BlockAlgorithm, key: Uint8Array, data: Uint8Array): Buffer {
  return new EcbCipher(algorithm, key).decrypt(data);
}

function runCbc(direction: 'encrypt' | 'decrypt', algorithm: BlockAlgorithm, key: Uint8Array, data: Uint8Array, iv: Uint8Array | undefined): Buffer {
  assertKeyLength(algorithm, key);
  assertBlockMultiple(algorithm, data);
  const size = blockSizeOf(algorithm);
  const chainStart = iv ?? Buffer.alloc(size);
  if (chainStart.length !== size) {
    throw new BastionError('CRYPTO_ERR_IV_LENGTH', `iv must be ${size} bytes for ${algorithm.toUpperCase()}, got ${chainStart.length}`, {
      argument: 'iv',
      length: chainStart.length,
    });
  }
  const name = opensslName(algorithm, key.length, 'cbc');
  const cipher = direction === 'encrypt' ? createCipheriv(name, opensslKey(algorithm, key), chainStart) : createDecipheriv(name, opensslKey(algorithm, key), chainStart);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(data), cipher.final()]);
}

/** CBC encryption without padding; the IV defaults to zeros, as payment specifications use. */
export function encryptCbc(algorithm: BlockAlgorithm, key: Uint8Array, data: Uint8Array, iv?: Uint8Array): Buffer {
  return runCbc('encrypt', algorithm, key, data, iv);
}

export function decryptCbc(algorithm: BlockAlgorithm, key: Uint8Array, data: Uint8Array, iv?: Uint8Array): Buffer {
  return runCbc('decrypt', algorithm, key, data, iv);
}

/** Data up to this length is copied for a single native call; longer data is not copied. */
const maxCopiedBytes = 4096;

/**
 * CBC encryption under one key, with the OpenSSL context (and so the key schedule) kept for the
 * life of the instance: the cheap way to run CBC-MACs (ISO 9797-1, the retail MAC, CMAC) over
 * many messages with one key. An OpenSSL CBC context carries its chaining value from one update
 * to the next and cannot be handed a new IV, so this class remembers that value (the last
 * ciphertext block it produced) and folds it into the first block of each call: every call
 * then starts from the IV the caller asks for, yet costs no new context. Measured on 200-byte
 * retail MACs this runs ~2.5x faster than block-by-block ECB and ~1.2x faster than a fresh CBC
 * context per message. Each holder owns its instance; it is not shared state.
 */
export class CbcEncryptor {
  readonly algorithm: BlockAlgorithm;
  readonly blockSize: 8 | 16;
  private readonly cipherName: string;
  private readonly key: Uint8Array;
  private cipher: Cipher | undefined;
  /** The chaining value the OpenSSL context will XOR into the next block it is given. */
  private readonly chain: Buffer;
  /** Where the data is copied so that its first block can be adjusted; grows up to maxCopiedBytes. */
  private scratch: Buffer;

  constructor(algorithm: BlockAlgorithm, key: Uint8Array, keyName = 'key') {
    assertKeyLength(algorithm, key, keyName);
    this.algorithm = algorithm;
    this.blockSize = blockSizeOf(algorithm);
    this.cipherName = opensslName(algorithm, key.length, 'cbc');
    this.key = opensslKey(algorithm, key);
    this.chain = Buffer.alloc(this.blockSize);
    this.scratch = Buffer.alloc(256);
  }

  /** The last ciphertext block of CBC over `data` from `iv` (zeros by default): a CBC-MAC value. */
  lastBlock(data: Uint8Array, iv?: Uint8Array): Buffer {
    assertBlockMultiple(this.algorithm, data);
    if (iv !== undefined && iv.length !== this.blockSize) {
      throw new BastionError('CRYPTO_ERR_IV_LENGTH', `iv must be ${this.blockSize} bytes for ${this.algorithm.toUpperCase()}, got ${iv.length}`, {
        argument: 'iv',
        length: iv.length,
      });
    }
    return this.lastBlockUnchecked(data, iv);
  }

  /**
   * Hot-path variant for callers that have already guaranteed a non-empty whole number of blocks
   * and a one-block IV. The result is a fresh buffer the caller may keep or modify.
   */
  lastBlockUnchecked(data: Uint8Array, iv?: Uint8Array): Buffer {
    const size = this.blockSize;
    const cipher = this.cipher ?? this.open();
    const chain = this.chain;
    // The first block must be XORed with the context's chaining value (and the IV). For typical
    // messages, copying them into a scratch buffer and making one native call is ~5% faster than
    // two calls (adjusted first block, then the rest); long data takes the two-call path so the
    // scratch buffer stays small.
    const copy = data.length <= maxCopiedBytes;
    let input: Buffer;
    if (copy) {
      if (this.scratch.length < data.length) this.scratch = Buffer.alloc(Math.min(maxCopiedBytes, 2 * data.length));
      input = this.scratch.subarray(0, data.length);
      input.set(data);
    } else {
      input = this.scratch.subarray(0, size);
      input.set(data.subarray(0, size));
    }
    for (let i = 0; i < size; i++) input[i] = (input[i] as number) ^ (chain[i] as number);
    if (iv !== undefined) for (let i = 0; i < size; i++) input[i] = (input[i] as number) ^ (iv[i] as number);
    try {
      let out = cipher.update(input);
      if (!copy) out = cipher.update(data.subarray(size));
      const last = out.subarray(out.length - size);
      chain.set(last);
      return last;
    } catch (error) {
      // The context's chaining value is no longer known: start over with a fresh one.
      this.cipher = undefined;
      throw error;
    }
  }

  private open(): Cipher {
    const cipher = createCipheriv(this.cipherName, this.key, Buffer.alloc(this.blockSize));
    cipher.setAutoPadding(false);
    this.chain.fill(0);
    this.cipher = cipher;
    return cipher;
  }
}
