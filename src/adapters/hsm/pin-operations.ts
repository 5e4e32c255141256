import { PinBlockCipher, PinBlockTranslator, pinBlockBindsPan, PvvCalculator, assertPinBlockFormat, type RandomSource } from '../../lib/crypto/index.js';
import { BastionError } from '../../lib/errors/index.js';
import type { KeyUnderLmk, PvvRequest, TranslatePinBlockRequest, VerifyPvvRequest } from '../../ports/hsm.js';
import { isDesFamily } from './key-profiles.js';
import type { KeyUse } from './cached-key.js';
import type { Keyring } from './keyring.js';

/**
 * PIN operations. The PIN is never an argument and never a result: blocks come in enciphered and
 * leave enciphered, and PVV verification compares inside. Only `verifyPinPvv` and
 * `generatePvvFromPinBlock` hold a clear PIN, for the span of one PVV computation in this process,
 * as a real HSM does inside its boundary.
 */

/** Formats 0–3 are enciphered with DES / TDES, format 4 with AES: a key of the other family is refused, never reinterpreted. */
function assertKeyFitsFormat(key: KeyUnderLmk, format: number, argument: string): void {
  const fits = format === 4 ? key.algorithm === 'aes-128' || key.algorithm === 'aes-256' : isDesFamily(key.algorithm);
  if (!fits) {
    throw new BastionError('HSM_ERR_ALGORITHM', `${argument} is ${key.algorithm}, which does not encipher PIN block format ${format}`, {
      argument,
      format,
    });
  }
}

/**
 * Translation policy (after PCI PIN security requirement 3): a PIN block that binds the PAN
 * (formats 0, 3, 4) is never translated into one that doesn't (1), and format 2, which is for
 * the chip's offline PIN only, is never produced.
 */
function assertTranslationAllowed(sourceFormat: number, targetFormat: number): void {
  assertPinBlockFormat(sourceFormat, undefined, 'sourceFormat');
  assertPinBlockFormat(targetFormat, undefined, 'targetFormat');
  if (targetFormat === 2 || (targetFormat === 1 && pinBlockBindsPan(sourceFormat))) {
    throw new BastionError('HSM_ERR_PIN_POLICY', `translating a format ${sourceFormat} PIN block to format ${targetFormat} is not allowed`, {
      argument: 'targetFormat',
      sourceFormat,
      targetFormat,
    });
  }
}

/**
 * The objects a PIN key or PVK is prepared for, kept with the cached key: a PIN block cipher per
 * format (formats 0–3 are DES / TDES, 4 is AES), and the PVV calculator. The argument name of
 * the first call goes into the object; it appears only in the errors of its constructor, which
 * are thrown before anything is kept.
 */
const pinBlockCipherUses: readonly KeyUse<PinBlockCipher>[] = [0, 1, 2, 3, 4].map((format) => ({
  name: `PIN block format ${format} cipher`,
  prepare: (key: Buffer, argument: string) => new PinBlockCipher(format, key, { key: argument }),
}));
const pvvCalculatorUse: KeyUse<PvvCalculator> = { name: 'Visa PVV calculator', prepare: (key) => new PvvCalculator(key) };

function pinBlockCipherUse(format: number): KeyUse<PinBlockCipher> {
  assertPinBlockFormat(format);
  return pinBlockCipherUses[format] as KeyUse<PinBlockCipher>;
}

export function translatePinBlock(keyring: Keyring, random: RandomSource, request: TranslatePinBlockRequest): Buffer {
  assertTranslationAllowed(request.sourceFormat, request.targetFormat);
  const source = keyring.openKey(request.sourceKey, ['PIK', 'ZPK'], 'sourceKey');
  try {
    const target = keyring.openKey(request.targetKey, ['ZPK'], 'targetKey');
    try {
      assertKeyFitsFormat(request.sourceKey, request.sourceFormat, 'sourceKey');
      assertKeyFitsFormat(request.targetKey, request.targetFormat, 'targetKey');
      const translator = new PinBlockTranslator(source.use(pinBlockCipherUse(request.sourceFormat)), target.use(pinBlockCipherUse(request.targetFormat)));
      return translator.translate(request.pinBlock, request.pan, { random });
    } finally {
      target.release();
    }
  } finally {
    source.release();
  }
}

function pvvOf(keyring: Keyring, request: PvvRequest): { readonly calculator: PvvCalculator; readonly openPin: () => string } {
  assertPinBlockFormat(request.format, undefined, 'format');
  const pinKey = keyring.openKey(request.pinKey, ['ZPK', 'PIK'], 'pinKey');
  try {
    const pvk = keyring.openKey(request.pvk, ['PVK'], 'pvk');
    try {
      assertKeyFitsFormat(request.pinKey, request.format, 'pinKey');
      const calculator = pvk.use(pvvCalculatorUse);
      const cipher = pinKey.use(pinBlockCipherUse(request.format));
      return { calculator, openPin: () => cipher.decrypt(request.pinBlock, request.pan) };
    } finally {
      pvk.release();
    }
  } finally {
    pinKey.release();
  }
}

/** Whether the PIN inside the block has the PVV on file. A block that doesn't decode throws CRYPTO_ERR_PINBLOCK_INVALID. */
export function verifyPinPvv(keyring: Keyring, request: VerifyPvvRequest): boolean {
  const { calculator, openPin } = pvvOf(keyring, request);
  return calculator.verify(request.pvki, request.pan, openPin(), request.pvv);
}

export function generatePvvFromPinBlock(keyring: Keyring, request: PvvRequest): string {
  const { calculator, openPin } = pvvOf(keyring, request);
  return calculator.compute(request.pvki, request.pan, openPin());
}
