import { BastionError } from '../errors/index.js';

/**
 * Byte helpers used at the library's edges. Inside the library everything is bytes; hex exists
 * only where people or files meet it.
 */

const hexPattern = /^[0-9A-Fa-f]*$/;

/** Parses hexadecimal text; `name` is the argument named in the error (the value never is). */
export function fromHex(text: string, name = 'value'): Buffer {
  if (text.length % 2 !== 0 || !hexPattern.test(text)) {
    throw new BastionError('CRYPTO_ERR_HEX', `${name} must be hexadecimal with an even number of characters`, {
      argument: name,
      length: text.length,
    });
  }
  return Buffer.from(text, 'hex');
}

/** Uppercase hexadecimal, the convention of payment HSMs and specifications. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex').toUpperCase();
}

/** A Buffer view of the same memory (no copy). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** XOR of two equal-length byte strings into a new buffer. */
export function xor(left: Uint8Array, right: Uint8Array): Buffer {
  if (left.length !== right.length) {
    throw new BastionError('CRYPTO_ERR_DATA_LENGTH', 'XOR operands must have the same length', {
      leftLength: left.length,
      rightLength: right.length,
    });
  }
  const out = Buffer.allocUnsafe(left.length);
  for (let i = 0; i < left.length; i++) out[i] = (left[i] as number) ^ (right[i] as number);
  return out;
}

/** XOR `source` into `target` in place (lengths must match); returns `target`. */
export function xorInto(target: Uint8Array, source: Uint8Array): Uint8Array {
  if (target.length !== source.length) {
    throw new BastionError('CRYPTO_ERR_DATA_LENGTH', 'XOR operands must have the same length', {
      leftLength: target.length,
      rightLength: source.length,
    });
  }
  for (let i = 0; i < target.length; i++) target[i] = (target[i] as number) ^ (source[i] as number);
  return target;
}

/** Constant-time comparison for MACs, cryptograms and check values. Different lengths → false. */
export function equalBytes(left: Uint8Array, right: Uint8Array): boolean {
  if (left.length !== right.length) return false;
  let diff = 0;
  for (let i = 0; i < left.length; i++) diff |= (left[i] as number) ^ (right[i] as number);
  return diff === 0;
}

/** Digits → BCD nibbles, left-aligned, padded on the right with `padNibble`. */
export function digitsToNibbles(digits: string, lengthBytes: number, padNibble: number): Buffer {
  const out = Buffer.alloc(lengthBytes, (padNibble << 4) | padNibble);
  for (let i = 0; i < digits.length && i < lengthBytes * 2; i++) {
    const nibble = digits.charCodeAt(i) - 48;
    const index = i >> 1;
    const current = out[index] as number;
    out[index] = i % 2 === 0 ? (nibble << 4) | (current & 0x0f) : (current & 0xf0) | nibble;
  }
  return out;
}

export function isDecimal(text: string): boolean {
  return /^[0-9]+$/.test(text);
}
