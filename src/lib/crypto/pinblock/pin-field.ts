import { BastionError } from '../../errors/index.js';
import type { RandomSource } from '../random.js';
import { secureRandom } from '../random.js';
import type { PinBlockFormat } from './format.js';

/**
 * The plaintext PIN field shared by every ISO 9564-1 format: 16 nibbles of control (the format
 * number), PIN length N, N PIN digits, then 14 − N fill nibbles whose allowed values depend on the
 * format. Format 4's 16-byte field starts with exactly this layout (fill A) and adds 8 random
 * bytes, so translation between any two formats only rewrites the control and fill nibbles of
 * these 8 bytes — the PIN never has to become a string on that path.
 */
export const pinLengthMin = 4;
export const pinLengthMax = 12;

/** Nibble positions in the 8-byte field. */
const fieldNibbles = 16;
const firstDigitNibble = 2;

/** Caller control over fill and random data, so results can be checked against known answers. */
export interface PinBlockFillOptions {
  /**
   * 8 bytes. Formats 1 and 3 take their fill digits from the rightmost 14 − N nibbles of this
   * value (so one value suits every PIN length; format 3 needs those nibbles to be A–F). Format 4
   * uses the 8 bytes as the random second half of its PIN field. Formats 0 and 2 have fixed fill
   * and refuse it.
   */
  readonly fill?: Uint8Array;
  /** Where fill comes from when `fill` is not given (default: the system CSPRNG). */
  readonly random?: RandomSource;
}

export const pinBlockFillBytes = 8;

function nibbleAt(field: Uint8Array, index: number): number {
  const byte = field[index >> 1] as number;
  return (index & 1) === 0 ? byte >> 4 : byte & 0x0f;
}

function setNibble(field: Uint8Array, index: number, value: number): void {
  const at = index >> 1;
  const byte = field[at] as number;
  field[at] = (index & 1) === 0 ? (value << 4) | (byte & 0x0f) : (byte & 0xf0) | value;
}

/** CRYPTO_ERR_PIN_DIGITS / CRYPTO_ERR_PIN_LENGTH checks of a clear PIN; the PIN never enters the message. */
export function assertPin(pin: string, argument = 'pin'): void {
  if (!/^[0-9]*$/.test(pin)) {
    throw new BastionError('CRYPTO_ERR_PIN_DIGITS', `${argument} must contain only decimal digits`, { argument, length: pin.length });
  }
  if (pin.length < pinLengthMin || pin.length > pinLengthMax) {
    throw new BastionError('CRYPTO_ERR_PIN_LENGTH', `${argument} must be ${pinLengthMin} to ${pinLengthMax} digits, got ${pin.length}`, {
      argument,
      length: pin.length,
    });
  }
}

/** A fresh 8-byte field holding the length and digits of `pin`; control and fill are set by applyPinBlockFormat. */
export function newPinField(pin: string, argument = 'pin'): Buffer {
  assertPin(pin, argument);
  const field = Buffer.alloc(8, 0xff);
  field[0] = pin.length;
  for (let i = 0; i < pin.length; i++) setNibble(field, firstDigitNibble + i, pin.charCodeAt(i) - 48);
  return field;
}

/** Rejects a fill given where the format has none, or of the wrong length, before any cipher work. */
export function assertFillOption(format: PinBlockFormat, fill: Uint8Array | undefined, argument = 'fill'): void {
  if (fill === undefined) return;
  if (format === 0 || format === 2) {
    throw new BastionError('CRYPTO_ERR_FILL', `format ${format} has fixed fill F; ${argument} must not be given`, { argument, format });
  }
  if (fill.length !== pinBlockFillBytes) {
    throw new BastionError('CRYPTO_ERR_FILL', `${argument} must be ${pinBlockFillBytes} bytes, got ${fill.length}`, {
      argument,
      length: fill.length,
    });
  }
}

function drawRandom(random: RandomSource, lengthBytes: number, argument: string): Uint8Array {
  const bytes = random(lengthBytes);
  if (bytes.length !== lengthBytes) {
    throw new BastionError('CRYPTO_ERR_FILL', `the random source returned ${bytes.length} bytes where ${lengthBytes} were asked for`, {
      argument,
      length: bytes.length,
    });
  }
  return bytes;
}

/** The 8 random bytes of a format 4 PIN field: the caller's fill, else fresh random bytes. */
export function format4RandomHalf(options: PinBlockFillOptions, argument = 'fill'): Uint8Array {
  assertFillOption(4, options.fill, argument);
  return options.fill ?? drawRandom(options.random ?? secureRandom, pinBlockFillBytes, argument);
}

/**
 * Turns a field with a valid length and PIN digits into a field of `format`: sets the control
 * nibble and writes the fill nibbles the format prescribes (F for 0 and 2, A for 4's first half,
 * caller or random fill for 1, caller or random A–F for 3). Mutates and returns `field`.
 */
export function applyPinBlockFormat(
  field: Buffer,
  format: PinBlockFormat,
  pinLength: number,
  options: PinBlockFillOptions,
  argument = 'fill',
  fillIsF = false,
): Buffer {
  field[0] = (format << 4) | pinLength;
  const firstFill = firstDigitNibble + pinLength;
  switch (format) {
    case 0:
    case 2:
      assertFillOption(format, options.fill, argument);
      // A field checked as format 0 or 2 already has fill F (the translation hot path).
      if (!fillIsF) fillConstant(field, firstFill, 0xf);
      return field;
    case 4:
      fillConstant(field, firstFill, 0xa);
      return field;
    case 1: {
      assertFillOption(format, options.fill, argument);
      const source = options.fill ?? drawRandom(options.random ?? secureRandom, pinBlockFillBytes, argument);
      for (let i = firstFill; i < fieldNibbles; i++) setNibble(field, i, nibbleAt(source, i));
      return field;
    }
    case 3: {
      assertFillOption(format, options.fill, argument);
      if (options.fill !== undefined) {
        for (let i = firstFill; i < fieldNibbles; i++) {
          const nibble = nibbleAt(options.fill, i);
          if (nibble < 0xa) {
            throw new BastionError('CRYPTO_ERR_FILL', `format 3 fill digits must be A to F: the rightmost ${fieldNibbles - firstFill} nibbles of ${argument} are used`, {
              argument,
              format,
            });
          }
          setNibble(field, i, nibble);
        }
        return field;
      }
      // One random byte per fill nibble, reduced mod 6 into A–F. The slight bias (256 is not a
      // multiple of 6) does not matter: ISO only asks that a fill pattern rarely repeats.
      const bytes = drawRandom(options.random ?? secureRandom, fieldNibbles - firstFill, argument);
      for (let i = firstFill; i < fieldNibbles; i++) setNibble(field, i, 0xa + ((bytes[i - firstFill] as number) % 6));
      return field;
    }
  }
}

function fillConstant(field: Buffer, firstFill: number, nibble: number): void {
  let index = firstFill;
  if ((index & 1) === 1) {
    setNibble(field, index, nibble);
    index++;
  }
  field.fill((nibble << 4) | nibble, index >> 1, 8);
}

type FillCheck = (nibble: number) => boolean;

const fillChecks: Record<PinBlockFormat, FillCheck> = {
  0: (nibble) => nibble === 0xf,
  1: () => true,
  2: (nibble) => nibble === 0xf,
  3: (nibble) => nibble >= 0xa,
  4: (nibble) => nibble === 0xa,
};

function invalidBlock(argument: string, format: PinBlockFormat, reason: string, what: string): BastionError {
  return new BastionError('CRYPTO_ERR_PINBLOCK_INVALID', `${argument} does not decode as a format ${format} PIN block: ${what}`, {
    argument,
    format,
    reason,
  });
}

/**
 * Checks every rule of a clear PIN field of `format` (control nibble, length 4–12, decimal
 * digits, fill values) and returns the PIN length. Messages say which rule failed, never what
 * the field holds: after decryption under a wrong key or with a wrong PAN it is still derived
 * from secret data.
 */
export function checkPinField(field: Uint8Array, format: PinBlockFormat, argument: string): number {
  const first = field[0] as number;
  if (first >> 4 !== format) throw invalidBlock(argument, format, 'control', `the control field is not ${format}`);
  const pinLength = first & 0x0f;
  if (pinLength < pinLengthMin || pinLength > pinLengthMax) {
    throw invalidBlock(argument, format, 'length', `the PIN length field is outside ${pinLengthMin} to ${pinLengthMax}`);
  }
  const firstFill = firstDigitNibble + pinLength;
  for (let i = firstDigitNibble; i < firstFill; i++) {
    if (nibbleAt(field, i) > 9) throw invalidBlock(argument, format, 'digit', 'a PIN digit is not decimal');
  }
  const fillOk = fillChecks[format];
  for (let i = firstFill; i < fieldNibbles; i++) {
    if (!fillOk(nibbleAt(field, i))) throw invalidBlock(argument, format, 'fill', 'a fill digit has a value the format does not allow');
  }
  return pinLength;
}

/** Zeroes a buffer that held a PIN (a loop: cheaper than a native call for 8 or 16 bytes). */
export function wipe(bytes: Uint8Array): void {
  for (let i = 0; i < bytes.length; i++) bytes[i] = 0;
}

/** The PIN digits of a checked field. */
export function pinOfField(field: Uint8Array, pinLength: number): string {
  let pin = '';
  for (let i = 0; i < pinLength; i++) pin += String.fromCharCode(48 + nibbleAt(field, firstDigitNibble + i));
  return pin;
}
