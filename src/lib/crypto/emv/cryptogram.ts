import { BastionError } from '../../errors/index.js';
import { EcbCipher } from '../block-cipher.js';
import { equalBytes } from '../bytes.js';
import { RetailMac } from '../mac/retail-mac.js';
import { assertDoubleLengthKey } from './checks.js';

/**
 * Application cryptograms (ARQC, TC, AAC) and the issuer's answer, the ARPC
 * (EMV 4.3 Book 2 sections 8.1 and 8.2, Annex A1.2).
 *
 * The cryptogram is the ISO/IEC 9797-1 algorithm 3 MAC (DES, 16-byte key) of the transaction data
 * the card chose (CDOL data): padding method 1 (zeros) for Visa CVN 10 style cards, method 2
 * (0x80 then zeros) for the EMV common core definitions, Mastercard and Visa CVN 18 / 22.
 */
export type EmvCryptogramPadding = 1 | 2;

export const emvCryptogramPaddings: readonly EmvCryptogramPadding[] = [1, 2];

export type EmvArpcMethod = 1 | 2;

export const emvArpcMethods: readonly EmvArpcMethod[] = [1, 2];

const arqcLengthBytes = 8;
const arcLengthBytes = 2;
const csuLengthBytes = 4;
const maxProprietaryAuthDataBytes = 8;
const arpcMethod2LengthBytes = 4;

/** Inputs of ARPC generation; which fields belong depends on the method. */
export interface EmvArpcInput {
  readonly method: EmvArpcMethod;
  /** Method 1: the 2-byte authorisation response code. */
  readonly arc?: Uint8Array;
  /** Method 2: the 4-byte card status update. */
  readonly csu?: Uint8Array;
  /** Method 2, optional: 1 to 8 bytes of proprietary authentication data. */
  readonly proprietaryAuthData?: Uint8Array;
}

/**
 * A cryptogram key (an AC session key, or the ICC master key where the scheme uses no session
 * key) with its DES and TDES key schedules prepared once: an issuer host verifies the ARQC and
 * builds the ARPC under the same key, so it pays for the key set-up once.
 */
export class EmvCryptogramKey {
  private readonly macPadding1: RetailMac;
  private readonly macPadding2: RetailMac;
  private readonly tdes: EcbCipher;

  constructor(key: Uint8Array, keyName = 'key') {
    assertDoubleLengthKey(key, keyName);
    this.macPadding1 = new RetailMac(key, { padding: 1, keyName });
    this.macPadding2 = new RetailMac(key, { padding: 2, keyName });
    this.tdes = new EcbCipher('tdes', Buffer.from(key), keyName);
  }

  /** The 8-byte application cryptogram of `data`. */
  arqc(data: Uint8Array, padding: EmvCryptogramPadding): Buffer {
    if ((padding as number) === 1) return this.macPadding1.compute(data);
    if ((padding as number) === 2) return this.macPadding2.compute(data);
    throw new BastionError('CRYPTO_ERR_MAC_PADDING', 'padding must be ISO/IEC 9797-1 padding method 1 or 2', { argument: 'padding' });
  }

  /** Recomputes the cryptogram and compares in constant time; throws CRYPTO_ERR_MAC_MISMATCH. */
  verifyArqc(data: Uint8Array, arqc: Uint8Array, padding: EmvCryptogramPadding): void {
    if (arqc.length !== arqcLengthBytes) {
      throw new BastionError('CRYPTO_ERR_ARGUMENT', `arqc must be ${arqcLengthBytes} bytes, got ${arqc.length}`, {
        argument: 'arqc',
        length: arqc.length,
      });
    }
    if (!equalBytes(this.arqc(data, padding), arqc)) {
      throw new BastionError('CRYPTO_ERR_MAC_MISMATCH', 'the application cryptogram does not verify under this key and data', {
        argument: 'arqc',
      });
    }
  }

  /**
   * ARPC method 1 (Book 2 8.2.1): TDES(key)[ARQC XOR (ARC || 00 00 00 00 00 00)], 8 bytes.
   * Issuer authentication data (tag 91) is then ARPC || ARC.
   */
  arpcMethod1(arqc: Uint8Array, arc: Uint8Array): Buffer {
    assertArqcForArpc(arqc);
    if (arc.length !== arcLengthBytes) {
      throw new BastionError('CRYPTO_ERR_EMV_ARPC', `arc must be ${arcLengthBytes} bytes, got ${arc.length}`, { argument: 'arc', length: arc.length });
    }
    const block = Buffer.from(arqc);
    block[0] = (block[0] as number) ^ (arc[0] as number);
    block[1] = (block[1] as number) ^ (arc[1] as number);
    return this.tdes.encryptUnchecked(block);
  }

  /**
   * ARPC method 2 (Book 2 8.2.2): the first 4 bytes of the algorithm 3 MAC, padding method 2, of
   * ARQC || CSU || proprietary authentication data. Tag 91 is then ARPC || CSU || data.
   */
  arpcMethod2(arqc: Uint8Array, csu: Uint8Array, proprietaryAuthData: Uint8Array = Buffer.alloc(0)): Buffer {
    assertArqcForArpc(arqc);
    if (csu.length !== csuLengthBytes) {
      throw new BastionError('CRYPTO_ERR_EMV_ARPC', `csu must be ${csuLengthBytes} bytes, got ${csu.length}`, { argument: 'csu', length: csu.length });
    }
    if (proprietaryAuthData.length > maxProprietaryAuthDataBytes) {
      throw new BastionError('CRYPTO_ERR_EMV_ARPC', `proprietaryAuthData must be at most ${maxProprietaryAuthDataBytes} bytes, got ${proprietaryAuthData.length}`, {
        argument: 'proprietaryAuthData',
        length: proprietaryAuthData.length,
      });
    }
    const message = Buffer.concat([arqc, csu, proprietaryAuthData]);
    return this.macPadding2.compute(message).subarray(0, arpcMethod2LengthBytes);
  }

  /** Either ARPC method, with the fields checked against the method chosen. */
  arpc(arqc: Uint8Array, input: EmvArpcInput): Buffer {
    if (input.method === 1) {
      if (input.csu !== undefined) throw fieldNotForMethod('csu', 1);
      if (input.proprietaryAuthData !== undefined) throw fieldNotForMethod('proprietaryAuthData', 1);
      if (input.arc === undefined) throw fieldMissing('arc', 1);
      return this.arpcMethod1(arqc, input.arc);
    }
    if ((input.method as number) === 2) {
      if (input.arc !== undefined) throw fieldNotForMethod('arc', 2);
      if (input.csu === undefined) throw fieldMissing('csu', 2);
      return this.arpcMethod2(arqc, input.csu, input.proprietaryAuthData);
    }
    throw new BastionError('CRYPTO_ERR_EMV_ARPC', 'method must be ARPC method 1 or 2', { argument: 'method' });
  }
}

function assertArqcForArpc(arqc: Uint8Array): void {
  if (arqc.length !== arqcLengthBytes) {
    throw new BastionError('CRYPTO_ERR_EMV_ARPC', `arqc must be ${arqcLengthBytes} bytes, got ${arqc.length}`, { argument: 'arqc', length: arqc.length });
  }
}

function fieldNotForMethod(field: string, method: EmvArpcMethod): BastionError {
  return new BastionError('CRYPTO_ERR_EMV_ARPC', `${field} does not belong to ARPC method ${method}`, { argument: field, method });
}

function fieldMissing(field: string, method: EmvArpcMethod): BastionError {
  return new BastionError('CRYPTO_ERR_EMV_ARPC', `ARPC method ${method} needs ${field}`, { argument: field, method });
}

/** The 8-byte application cryptogram (ARQC, TC or AAC) of `data` under `key`. */
export function emvGenerateArqc(key: Uint8Array, data: Uint8Array, padding: EmvCryptogramPadding): Buffer {
  return new EmvCryptogramKey(key).arqc(data, padding);
}

/** Throws CRYPTO_ERR_MAC_MISMATCH unless `arqc` is the cryptogram of `data` under `key`. */
export function emvVerifyArqc(key: Uint8Array, data: Uint8Array, arqc: Uint8Array, padding: EmvCryptogramPadding): void {
  new EmvCryptogramKey(key).verifyArqc(data, arqc, padding);
}

/** The ARPC for `arqc` by method 1 (8 bytes) or method 2 (4 bytes). */
export function emvGenerateArpc(key: Uint8Array, arqc: Uint8Array, input: EmvArpcInput): Buffer {
  return new EmvCryptogramKey(key).arpc(arqc, input);
}
