import { BastionError } from '../../errors/index.js';
import { EcbCipher } from '../block-cipher.js';
import { xorInto } from '../bytes.js';
import { assertBlockLength, format4BlockLengthBytes, pinBlockLengthBytes } from './clear.js';
import { assertPinBlockFormat, type PinBlockFormat } from './format.js';
import { panFieldIso0, panFieldIso4, requirePan } from './pan.js';
import {
  applyPinBlockFormat,
  assertFillOption,
  checkPinField,
  format4RandomHalf,
  newPinField,
  pinOfField,
  type PinBlockFillOptions,
} from './pin-field.js';

/** The argument names errors report, so the calculator's translate can say sourceKey / targetKey. */
export interface PinBlockArgumentNames {
  readonly format?: string;
  readonly key?: string;
}

/**
 * Formats 0–3 are enciphered with DES (8-byte key) or TDES (16 / 24 bytes); format 4 with AES
 * (16 / 24 / 32 bytes). A 16-byte key is therefore TDES or AES depending on the format alone.
 */
export function pinBlockCipherFor(format: PinBlockFormat, key: Uint8Array, keyArgument = 'key'): EcbCipher {
  // The key is copied: the cipher prepares its schedule lazily, and a caller that wipes or
  // reuses its buffer afterwards must not change the key of a live instance.
  if (format === 4) return new EcbCipher('aes', Buffer.from(key), keyArgument);
  if (key.length === 8) return new EcbCipher('des', Buffer.from(key), keyArgument);
  if (key.length === 16 || key.length === 24) return new EcbCipher('tdes', Buffer.from(key), keyArgument);
  throw new BastionError('CRYPTO_ERR_KEY_LENGTH', `${keyArgument} must be 8, 16 or 24 bytes (DES / TDES) for PIN block format ${format}, got ${key.length}`, {
    argument: keyArgument,
    format,
    length: key.length,
  });
}

/** The PAN field a format binds to (8 bytes for 0 and 3, 16 for 4), or undefined for 1 and 2. */
export function panFieldFor(format: PinBlockFormat, pan: string | undefined, argument = 'pan'): Buffer | undefined {
  switch (format) {
    case 0:
    case 3:
      return panFieldIso0(requirePan(pan, `PIN block format ${format}`, argument), argument);
    case 4:
      return panFieldIso4(requirePan(pan, 'PIN block format 4', argument), argument);
    default:
      return undefined;
  }
}

/**
 * Deciphers a PIN block and checks it, returning the 8-byte PIN field (control, length, digits,
 * fill) in fresh memory. Formats 0–3: one decryption and the PAN XOR. Format 4 (ISO 9564-1:2017):
 * decrypt, XOR the PAN field, decrypt again.
 */
export function openPinBlock(
  format: PinBlockFormat,
  cipher: EcbCipher,
  encryptedPinBlock: Uint8Array,
  panField: Buffer | undefined,
  argument: string,
): { readonly field: Buffer; readonly pinLength: number } {
  if (format === 4) {
    assertBlockLength(encryptedPinBlock, format4BlockLengthBytes, format, argument);
    const intermediate = cipher.decryptUnchecked(encryptedPinBlock);
    xorInto(intermediate, panField as Buffer);
    const field = cipher.decryptUnchecked(intermediate);
    intermediate.fill(0);
    return { field: field.subarray(0, pinBlockLengthBytes), pinLength: checkPinField(field, format, argument) };
  }
  assertBlockLength(encryptedPinBlock, pinBlockLengthBytes, format, argument);
  const field = cipher.decryptUnchecked(encryptedPinBlock);
  if (panField !== undefined) xorInto(field, panField);
  return { field, pinLength: checkPinField(field, format, argument) };
}

/**
 * Gives a checked PIN field the control and fill of `format`, binds the PAN and enciphers it.
 * The clear field is wiped afterwards: it holds the PIN.
 */
export function sealPinField(
  format: PinBlockFormat,
  cipher: EcbCipher,
  field: Buffer,
  pinLength: number,
  panField: Buffer | undefined,
  options: PinBlockFillOptions,
): Buffer {
  if (format === 4) {
    const randomHalf = format4RandomHalf(options);
    const full = Buffer.concat([applyPinBlockFormat(field, 4, pinLength, options), randomHalf], format4BlockLengthBytes);
    field.fill(0);
    const inner = cipher.encryptUnchecked(full);
    full.fill(0);
    return cipher.encryptUnchecked(xorInto(inner, panField as Buffer));
  }
  applyPinBlockFormat(field, format, pinLength, options);
  if (panField !== undefined) xorInto(field, panField);
  const sealed = cipher.encryptUnchecked(field);
  field.fill(0);
  return sealed;
}

/**
 * Encrypts and decrypts PIN blocks of one format under one key. The key schedule is prepared
 * once, so an instance kept per key costs only the cipher calls per PIN block.
 */
export class PinBlockCipher {
  readonly format: PinBlockFormat;
  private readonly cipher: EcbCipher;

  constructor(format: number, key: Uint8Array, names: PinBlockArgumentNames = {}) {
    assertPinBlockFormat(format, undefined, names.format ?? 'format');
    this.format = format;
    this.cipher = pinBlockCipherFor(format, key, names.key ?? 'key');
  }

  /** The enciphered PIN block (8 bytes for formats 0–3, 16 for format 4). `pan` is needed by 0, 3 and 4. */
  encrypt(pin: string, pan?: string, options: PinBlockFillOptions = {}): Buffer {
    assertFillOption(this.format, options.fill);
    const panField = panFieldFor(this.format, pan);
    return sealPinField(this.format, this.cipher, newPinField(pin), pin.length, panField, options);
  }

  /** The PIN inside an enciphered PIN block, after checking every rule of the format. */
  decrypt(encryptedPinBlock: Uint8Array, pan?: string): string {
    const panField = panFieldFor(this.format, pan);
    const { field, pinLength } = openPinBlock(this.format, this.cipher, encryptedPinBlock, panField, 'encryptedPinBlock');
    const pin = pinOfField(field, pinLength);
    field.fill(0);
    return pin;
  }
}

export function encryptPinBlock(format: number, key: Uint8Array, pin: string, pan?: string, options: PinBlockFillOptions = {}): Buffer {
  return new PinBlockCipher(format, key).encrypt(pin, pan, options);
}

export function decryptPinBlock(format: number, key: Uint8Array, encryptedPinBlock: Uint8Array, pan?: string): string {
  return new PinBlockCipher(format, key).decrypt(encryptedPinBlock, pan);
}
