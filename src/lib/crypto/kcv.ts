import { BastionError } from '../errors/index.js';
import { blockSizeOf, EcbCipher, type BlockAlgorithm } from './block-cipher.js';
import { Cmac } from './mac/cmac.js';

/**
 * Key check values. DES / TDES: encrypt a block of zeros (ANSI X9.24-1). AES / SM4: the CMAC of
 * a block of zeros (ANSI X9.24-1:2017, ASC X9 TR-31), because encrypting zeros with AES exposes a
 * known plaintext/ciphertext pair of the whole block size. Either method can be asked for.
 */
export type KcvMethod = 'encrypt-zeros' | 'cmac';

export const kcvMethods: readonly KcvMethod[] = ['encrypt-zeros', 'cmac'];

export interface KcvOptions {
  /** Bytes of check value, 2 to 8 (default 3, six hex digits as most HSMs print). */
  readonly lengthBytes?: number;
  readonly method?: KcvMethod;
}

export function defaultKcvMethod(algorithm: BlockAlgorithm): KcvMethod {
  return algorithm === 'des' || algorithm === 'tdes' ? 'encrypt-zeros' : 'cmac';
}

export function keyCheckValue(algorithm: BlockAlgorithm, key: Uint8Array, options: KcvOptions = {}): Buffer {
  const lengthBytes = options.lengthBytes ?? 3;
  if (!Number.isInteger(lengthBytes) || lengthBytes < 2 || lengthBytes > 8) {
    throw new BastionError('CRYPTO_ERR_KCV_LENGTH', `KCV length must be 2 to 8 bytes, got ${lengthBytes}`, {
      argument: 'length',
      value: lengthBytes,
    });
  }
  const method = options.method ?? defaultKcvMethod(algorithm);
  const zeros = Buffer.alloc(blockSizeOf(algorithm));
  const full = method === 'cmac' ? new Cmac(algorithm, key).compute(zeros) : new EcbCipher(algorithm, key).encryptUnchecked(zeros);
  return full.subarray(0, lengthBytes);
}
