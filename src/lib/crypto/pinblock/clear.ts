import { BastionError } from '../../errors/index.js';
import { assertPinBlockFormat, pinBlockBindsPan, type PinBlockFormat } from './format.js';
import { panFieldIso4, requirePan, xorPanFieldIso0 } from './pan.js';
import {
  applyPinBlockFormat,
  checkPinField,
  format4RandomHalf,
  newPinField,
  pinOfField,
  type PinBlockFillOptions,
} from './pin-field.js';

/** The formats that exist as 8-byte clear blocks; format 4 is defined only enciphered. */
export const clearPinBlockFormats: readonly PinBlockFormat[] = [0, 1, 2, 3];

export const pinBlockLengthBytes = 8;
export const format4BlockLengthBytes = 16;

/**
 * Builds a clear ISO 9564-1 PIN block of format 0, 1, 2 or 3. Formats 0 and 3 XOR the PIN field
 * with the PAN field and so need `pan`; formats 1 and 2 ignore it.
 */
export function encodePinBlock(format: number, pin: string, pan?: string, options: PinBlockFillOptions = {}): Buffer {
  assertPinBlockFormat(format, clearPinBlockFormats);
  const boundPan = pinBlockBindsPan(format) ? requirePan(pan, `PIN block format ${format}`) : undefined;
  const field = newPinField(pin);
  applyPinBlockFormat(field, format, pin.length, options);
  if (boundPan !== undefined) xorPanFieldIso0(field, boundPan);
  return field;
}

/** Reads the PIN from a clear format 0–3 PIN block, checking every rule of the format. */
export function decodePinBlock(format: number, pinBlock: Uint8Array, pan?: string): string {
  assertPinBlockFormat(format, clearPinBlockFormats);
  const boundPan = pinBlockBindsPan(format) ? requirePan(pan, `PIN block format ${format}`) : undefined;
  assertBlockLength(pinBlock, pinBlockLengthBytes, format, 'pinBlock');
  // A copy: the caller's block is never modified.
  const field = Buffer.from(pinBlock);
  if (boundPan !== undefined) xorPanFieldIso0(field, boundPan);
  return pinOfField(field, checkPinField(field, format, 'pinBlock'));
}

/**
 * The 16-byte plaintext PIN field of format 4: control 4, length, PIN, fill A to the end of the
 * first 8 bytes, then 8 random bytes (the caller's `fill`, else from `random`).
 */
export function encodeIso4PinField(pin: string, options: PinBlockFillOptions = {}): Buffer {
  const randomHalf = format4RandomHalf(options);
  const head = applyPinBlockFormat(newPinField(pin), 4, pin.length, options);
  return Buffer.concat([head, randomHalf], format4BlockLengthBytes);
}

/** The 16-byte PAN field of format 4 (M = PAN length − 12, the PAN, zero padding). */
export function encodeIso4PanField(pan: string): Buffer {
  return panFieldIso4(pan);
}

/** Reads the PIN from a clear format 4 PIN field (the random half is not checked: it is random). */
export function decodeIso4PinField(pinField: Uint8Array): string {
  assertBlockLength(pinField, format4BlockLengthBytes, 4, 'pinField');
  return pinOfField(pinField, checkPinField(pinField, 4, 'pinField'));
}

export function assertBlockLength(block: Uint8Array, lengthBytes: number, format: PinBlockFormat, argument: string): void {
  if (block.length !== lengthBytes) {
    throw new BastionError('CRYPTO_ERR_PINBLOCK_INVALID', `${argument} must be ${lengthBytes} bytes for PIN block format ${format}, got ${block.length}`, {
      argument,
      format,
      length: block.length,
    });
  }
}
