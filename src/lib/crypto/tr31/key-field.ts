import { BastionError } from '../../errors/index.js';
import { secureRandom, type RandomSource } from '../random.js';

/**
 * The confidential part of a key block: a 2-byte big-endian key length in bits, the key, then
 * random padding up to a whole number of cipher blocks (ASC X9 TR-31-2018, ANSI X9.143).
 *
 * Default padding hides the key length, as TR-31-2018 and X9.143 recommend: the key is padded
 * as if it were the longest key of its algorithm (TDES and DES "T"/"D": 24 bytes, AES "A": 32
 * bytes), then to the next block boundary. So a double-length TDES key in a version B block
 * gives a 32-byte field, the same as a triple-length one. For other algorithms (RSA, EC, HMAC,
 * proprietary) the length is not hidden: those keys have no single maximum. The field never
 * carries more than the smallest padding that reaches a block boundary after that.
 */

const lengthFieldBytes = 2;
const maxMaskedKeyLengthBytes = 4096;

const maskedKeyLengthByAlgorithm: Readonly<Record<string, number>> = { T: 24, D: 24, A: 32 };

export function defaultTr31MaskedKeyLength(algorithm: string): number | undefined {
  return maskedKeyLengthByAlgorithm[algorithm];
}

export interface Tr31PaddingOptions {
  /**
   * The exact padding bytes, for known-answer checks and interoperability tests. Its length
   * sets the key field length: 2 + key + padding must be a whole number of cipher blocks.
   */
  readonly padding?: Uint8Array;
  /** Hide the key length as if the key were this many bytes (default: see above; 0 = do not hide). */
  readonly maskedKeyLengthBytes?: number;
  /** Source of padding bytes when `padding` is not given (default: the system CSPRNG). */
  readonly random?: RandomSource;
}

/** The padding for a key of `keyLengthBytes`, from the options or fresh random bytes. */
export function tr31Padding(keyLengthBytes: number, algorithm: string, blockSizeBytes: number, options: Tr31PaddingOptions): Uint8Array {
  if (options.padding !== undefined) {
    if (options.maskedKeyLengthBytes !== undefined) {
      throw new BastionError('CRYPTO_ERR_ARGUMENT', 'give either padding or maskedKeyLengthBytes, not both: the padding length already fixes the field length', {
        argument: 'padding',
      });
    }
    const fieldLength = lengthFieldBytes + keyLengthBytes + options.padding.length;
    if (fieldLength % blockSizeBytes !== 0) {
      const smallest = (blockSizeBytes - ((lengthFieldBytes + keyLengthBytes) % blockSizeBytes)) % blockSizeBytes;
      throw new BastionError(
        'CRYPTO_ERR_FILL',
        `padding must bring 2 + key length + padding to a multiple of ${blockSizeBytes} bytes: with a ${keyLengthBytes}-byte key give ${smallest}, ${smallest + blockSizeBytes}, ... bytes, got ${options.padding.length}`,
        { argument: 'padding', length: options.padding.length },
      );
    }
    return options.padding;
  }
  const masked = options.maskedKeyLengthBytes ?? defaultTr31MaskedKeyLength(algorithm) ?? 0;
  if (!Number.isInteger(masked) || masked < 0 || masked > maxMaskedKeyLengthBytes) {
    throw new BastionError('CRYPTO_ERR_ARGUMENT', `maskedKeyLengthBytes must be a whole number from 0 to ${maxMaskedKeyLengthBytes}`, {
      argument: 'maskedKeyLengthBytes',
    });
  }
  const hiddenFieldLength = lengthFieldBytes + Math.max(keyLengthBytes, masked);
  const paddingLength = Math.ceil(hiddenFieldLength / blockSizeBytes) * blockSizeBytes - lengthFieldBytes - keyLengthBytes;
  const padding = (options.random ?? secureRandom)(paddingLength);
  if (padding.length !== paddingLength) {
    throw new BastionError('CRYPTO_ERR_FILL', `the random source returned ${padding.length} bytes where ${paddingLength} were asked for`, {
      argument: 'random',
      length: padding.length,
    });
  }
  return padding;
}

export function tr31KeyFieldLength(keyLengthBytes: number, paddingLengthBytes: number): number {
  return lengthFieldBytes + keyLengthBytes + paddingLengthBytes;
}

/** Writes length, key and padding into `target`, which is exactly the field's size. */
export function writeTr31KeyField(target: Buffer, key: Uint8Array, padding: Uint8Array): void {
  target.writeUInt16BE(key.length * 8, 0);
  target.set(key, lengthFieldBytes);
  target.set(padding, lengthFieldBytes + key.length);
}

/** Reads the key out of a decrypted, MAC-verified key field (a copy; the caller wipes the field). */
export function readTr31KeyField(field: Buffer, argument = 'keyBlock'): Buffer {
  const lengthBits = field.readUInt16BE(0);
  if (lengthBits === 0 || lengthBits % 8 !== 0) {
    throw new BastionError('CRYPTO_ERR_TR31_KEY', `the key length field says ${lengthBits} bits, which is not a whole, non-zero number of bytes`, {
      argument,
      field: 'keyLength',
    });
  }
  const keyLengthBytes = lengthBits / 8;
  if (lengthFieldBytes + keyLengthBytes > field.length) {
    throw new BastionError('CRYPTO_ERR_TR31_KEY', `the key length field says ${keyLengthBytes} bytes but the key field holds only ${field.length - lengthFieldBytes}`, {
      argument,
      field: 'keyLength',
    });
  }
  return Buffer.from(field.subarray(lengthFieldBytes, lengthFieldBytes + keyLengthBytes));
}
