import { BastionError } from '../../errors/index.js';
import { EcbCipher } from '../block-cipher.js';
import { fromHex } from '../bytes.js';
import { assertPin, pinLengthMax, pinLengthMin } from '../pinblock/pin-field.js';
import { sameDigits } from './checks.js';

/**
 * IBM 3624 PIN derivation with offset. The validation data (usually PAN digits) is enciphered
 * under the PVK; each hexadecimal digit of the result is mapped through the decimalisation table
 * and the leftmost N digits are the natural PIN. The offset, stored by the issuer, is the
 * digit-wise difference (customer PIN − natural PIN) mod 10.
 *
 * Validation data is 1 to 16 hexadecimal characters, right-padded with F to 16 — the default
 * pad character of psec and of the HSMs that let it be chosen. Callers who need another pad
 * pass the full 16 characters.
 */
const validationDataChars = 16;

function pvkCipher(pvk: Uint8Array): EcbCipher {
  // Single-length PVKs are still in service at some issuers; 8 bytes is single DES.
  if (pvk.length === 8) return new EcbCipher('des', Buffer.from(pvk), 'pvk');
  if (pvk.length === 16 || pvk.length === 24) return new EcbCipher('tdes', Buffer.from(pvk), 'pvk');
  throw new BastionError('CRYPTO_ERR_KEY_LENGTH', `pvk must be 8, 16 or 24 bytes (DES / TDES), got ${pvk.length}`, { argument: 'pvk', length: pvk.length });
}

function parseDecimalizationTable(table: string): Uint8Array {
  if (!/^[0-9]{16}$/.test(table)) {
    throw new BastionError('CRYPTO_ERR_DECIMALIZATION_TABLE', `decimalizationTable must be 16 decimal digits (got ${table.length} characters)`, {
      argument: 'decimalizationTable',
      length: table.length,
    });
  }
  return Uint8Array.from(table, (digit) => digit.charCodeAt(0) - 48);
}

function validationBlock(validationData: string): Buffer {
  if (!/^[0-9A-Fa-f]{1,16}$/.test(validationData)) {
    throw new BastionError('CRYPTO_ERR_VALIDATION_DATA', `validationData must be 1 to ${validationDataChars} hexadecimal characters (got ${validationData.length})`, {
      argument: 'validationData',
      length: validationData.length,
    });
  }
  return fromHex(validationData.padEnd(validationDataChars, 'F'), 'validationData');
}

function assertOffset(offset: string, expectedLength?: number): void {
  const lengthOk = expectedLength === undefined ? offset.length >= pinLengthMin && offset.length <= pinLengthMax : offset.length === expectedLength;
  if (!lengthOk || !/^[0-9]+$/.test(offset)) {
    const wanted = expectedLength === undefined ? `${pinLengthMin} to ${pinLengthMax}` : `${expectedLength} (the PIN length)`;
    throw new BastionError('CRYPTO_ERR_ARGUMENT', `offset must be ${wanted} decimal digits (got ${offset.length} characters)`, {
      argument: 'offset',
      length: offset.length,
    });
  }
}

/** Digit-wise (a + sign·b) mod 10 of two equal-length digit strings. */
function addDigits(a: string, b: string, sign: 1 | -1): string {
  let out = '';
  for (let i = 0; i < a.length; i++) {
    const sum = a.charCodeAt(i) - 48 + sign * (b.charCodeAt(i) - 48);
    out += String.fromCharCode(48 + ((sum + 10) % 10));
  }
  return out;
}

/** One PVK and decimalisation table, prepared once for many cards. */
export class Ibm3624Calculator {
  private readonly pvk: EcbCipher;
  private readonly table: Uint8Array;

  constructor(pvk: Uint8Array, decimalizationTable: string) {
    this.pvk = pvkCipher(pvk);
    this.table = parseDecimalizationTable(decimalizationTable);
  }

  /** The natural PIN of `pinLength` digits (4 to 12). */
  naturalPin(validationData: string, pinLength: number): string {
    if (!Number.isInteger(pinLength) || pinLength < pinLengthMin || pinLength > pinLengthMax) {
      throw new BastionError('CRYPTO_ERR_PIN_LENGTH', `pinLength must be ${pinLengthMin} to ${pinLengthMax}, got ${pinLength}`, {
        argument: 'pinLength',
        value: pinLength,
      });
    }
    const enciphered = this.pvk.encryptUnchecked(validationBlock(validationData));
    let pin = '';
    for (let i = 0; i < pinLength; i++) {
      const byte = enciphered[i >> 1] as number;
      pin += String.fromCharCode(48 + (this.table[(i & 1) === 0 ? byte >> 4 : byte & 0x0f] as number));
    }
    return pin;
  }

  /** The offset that turns the natural PIN into `pin` (the PIN length sets the offset length). */
  offset(validationData: string, pin: string): string {
    assertPin(pin);
    return addDigits(pin, this.naturalPin(validationData, pin.length), -1);
  }

  /** The customer PIN an offset stands for. */
  pinFromOffset(validationData: string, offset: string): string {
    assertOffset(offset);
    return addDigits(this.naturalPin(validationData, offset.length), offset, 1);
  }

  verify(validationData: string, pin: string, offset: string): boolean {
    assertPin(pin);
    assertOffset(offset, pin.length);
    return sameDigits(this.offset(validationData, pin), offset);
  }
}

export function ibm3624NaturalPin(pvk: Uint8Array, validationData: string, decimalizationTable: string, pinLength: number): string {
  return new Ibm3624Calculator(pvk, decimalizationTable).naturalPin(validationData, pinLength);
}

export function ibm3624Offset(pvk: Uint8Array, validationData: string, decimalizationTable: string, pin: string): string {
  return new Ibm3624Calculator(pvk, decimalizationTable).offset(validationData, pin);
}

export function ibm3624PinFromOffset(pvk: Uint8Array, validationData: string, decimalizationTable: string, offset: string): string {
  return new Ibm3624Calculator(pvk, decimalizationTable).pinFromOffset(validationData, offset);
}

export function verifyIbm3624Offset(pvk: Uint8Array, validationData: string, decimalizationTable: string, pin: string, offset: string): boolean {
  return new Ibm3624Calculator(pvk, decimalizationTable).verify(validationData, pin, offset);
}
