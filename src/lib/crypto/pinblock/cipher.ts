import { BastionError } from '../../errors/index.js';
import { EcbCipher } from '../block-cipher.js';
import { assertBlockLength, format4BlockLengthBytes, pinBlockLengthBytes } from './clear.js';
import { assertPinBlockFormat, pinBlockBindsPan, type PinBlockFormat } from './format.js';
import { requirePan, xorPanFieldIso0, xorPanFieldIso4 } from './pan.js';
import {
  applyPinBlockFormat,
  assertFillOption,
  checkPinField,
  format4RandomHalf,
  newPinField,
  pinOfField,
  wipe,
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

/** The PAN, checked, when `format` binds one (0, 3, 4); undefined for formats 1 and 2, which ignore it. */
export function panFor(format: PinBlockFormat, pan: string | undefined, argument = 'pan'): string | undefined {
  return pinBlockBindsPan(format) ? requirePan(pan, `PIN block format ${format}`, argument) : undefined;
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
  pan: string | undefined,
  argument: string,
): { readonly field: Buffer; readonly pinLength: number } {
  if (format === 4) {
    assertBlockLength(encryptedPinBlock, format4BlockLengthBytes, format, argument);
    const intermediate = cipher.decryptUnchecked(encryptedPinBlock);
    xorPanFieldIso4(intermediate, pan as string);
    const field = cipher.decryptUnchecked(intermediate);
    wipe(intermediate);
    return { field: field.subarray(0, pinBlockLengthBytes), pinLength: checkPinField(field, format, argument) };
  }
  assertBlockLength(encryptedPinBlock, pinBlockLengthBytes, format, argument);
  const field = cipher.decryptUnchecked(encryptedPinBlock);
  if (pan !== undefined) xorPanFieldIso0(field, pan);
  return { field, pinLength: checkPinField(field, format, argument) };
}

/**
 * Gives a checked PIN field the control and fill of `format`, binds the PAN and enciphers it.
 * `fillIsF` says the field's fill is already F (it was checked as format 0 or 2), which spares
 * rewriting it. The clear field is wiped afterwards: it holds the PIN.
 */
export function sealPinField(
  format: PinBlockFormat,
  cipher: EcbCipher,
  field: Buffer,
  pinLength: number,
  pan: string | undefined,
  options: PinBlockFillOptions,
  fillIsF = false,
): Buffer {
  if (format === 4) {
    const randomHalf = format4RandomHalf(options);
    const full = Buffer.concat([applyPinBlockFormat(field, 4, pinLength, options), randomHalf], format4BlockLengthBytes);
    wipe(field);
    const inner = cipher.encryptUnchecked(full);
    wipe(full);
    xorPanFieldIso4(inner, pan as string);
    return cipher.encryptUnchecked(inner);
  }
  applyPinBlockFormat(field, format, pinLength, options, 'fill', fillIsF);
  if (pan !== undefined) xorPanFieldIso0(field, pan);
  const sealed = cipher.encryptUnchecked(field);
  wipe(field);
  return sealed;
}

/**
 * Encrypts and decrypts PIN blocks of one format under one key. The key schedule is prepared
 * once, so an instance kept per key costs only the cipher calls per PIN block.
 */
export class PinBlockCipher {
  readonly format: PinBlockFormat;
  /**
   * The prepared block cipher. Public so that a PinBlockTranslator can share it: a switch holds
   * one PinBlockCipher per zone key and pairs it with per-transaction keys (DUKPT) without
   * preparing the zone key again.
   */
  readonly cipher: EcbCipher;

  constructor(format: number, key: Uint8Array, names: PinBlockArgumentNames = {}) {
    assertPinBlockFormat(format, undefined, names.format ?? 'format');
    this.format = format;
    this.cipher = pinBlockCipherFor(format, key, names.key ?? 'key');
  }

  /** The enciphered PIN block (8 bytes for formats 0–3, 16 for format 4). `pan` is needed by 0, 3 and 4. */
  encrypt(pin: string, pan?: string, options: PinBlockFillOptions = {}): Buffer {
    assertFillOption(this.format, options.fill);
    const boundPan = panFor(this.format, pan);
    return sealPinField(this.format, this.cipher, newPinField(pin), pin.length, boundPan, options);
  }

  /** The PIN inside an enciphered PIN block, after checking every rule of the format. */
  decrypt(encryptedPinBlock: Uint8Array, pan?: string): string {
    const boundPan = panFor(this.format, pan);
    const { field, pinLength } = openPinBlock(this.format, this.cipher, encryptedPinBlock, boundPan, 'encryptedPinBlock');
    const pin = pinOfField(field, pinLength);
    wipe(field);
    return pin;
  }
}

export function encryptPinBlock(format: number, key: Uint8Array, pin: string, pan?: string, options: PinBlockFillOptions = {}): Buffer {
  return new PinBlockCipher(format, key).encrypt(pin, pan, options);
}

export function decryptPinBlock(format: number, key: Uint8Array, encryptedPinBlock: Uint8Array, pan?: string): string {
  return new PinBlockCipher(format, key).decrypt(encryptedPinBlock, pan);
}
