import { BastionError } from '../../errors/index.js';
import { equalBytes } from '../bytes.js';

/**
 * Shared verification rules for the MAC algorithms. A MAC may be carried truncated (its leftmost
 * bytes), as payment protocols do, but never shorter than four bytes: ISO 9797-1 and the card
 * schemes treat 32 bits as the floor, and a shorter check would be easy to guess.
 */
export const minimumMacLengthBytes = 4;

/** Throws CRYPTO_ERR_ARGUMENT unless `mac` is 4 bytes up to one block. */
export function assertMacLengthToVerify(mac: Uint8Array, blockSize: number, name = 'mac'): void {
  if (mac.length < minimumMacLengthBytes || mac.length > blockSize) {
    throw new BastionError('CRYPTO_ERR_ARGUMENT', `${name} must be ${minimumMacLengthBytes} to ${blockSize} bytes, got ${mac.length}`, {
      argument: name,
      length: mac.length,
    });
  }
}

/**
 * Compares the leftmost bytes of the computed MAC with the one received, in constant time, and
 * throws CRYPTO_ERR_MAC_MISMATCH if they differ. Neither value goes into the error.
 */
export function assertMacMatches(computed: Uint8Array, received: Uint8Array, name = 'mac'): void {
  if (!equalBytes(computed.subarray(0, received.length), received)) {
    throw new BastionError('CRYPTO_ERR_MAC_MISMATCH', `${name} does not verify: the data was altered, or the key or algorithm is wrong`, {
      argument: name,
      length: received.length,
    });
  }
}
