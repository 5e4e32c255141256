import type { EcbCipher } from '../block-cipher.js';
import { pinBlockBindsPan, type PinBlockFormat } from './format.js';
import { openPinBlock, panFor, PinBlockCipher, sealPinField } from './cipher.js';
import { assertFillOption, type PinBlockFillOptions } from './pin-field.js';

/** One side of a translation: the PIN block format and the clear key it is enciphered under. */
export interface PinBlockKeySpec {
  readonly format: number;
  readonly key: Uint8Array;
}

/**
 * Re-enciphers PIN blocks from one (format, key) to another, as a switch does between a terminal
 * zone and a network zone. Built once per key pair: both key schedules are prepared up front.
 *
 * The PIN never becomes a string: the deciphered block is checked in place, its control and fill
 * nibbles are rewritten for the target format, and it is enciphered again. For format 0 TDES to
 * format 0 TDES that is two cipher calls and a few byte XORs per block.
 *
 * Every pair of formats 0–4 is accepted, including PAN-bound (0, 3, 4) to unbound (1, 2). Note
 * that PCI PIN Security Requirement 3 forbids that direction in production HSMs except in narrow
 * cases; this is a library and calculator, and the policy belongs to the caller.
 */
export class PinBlockTranslator {
  readonly sourceFormat: PinBlockFormat;
  readonly targetFormat: PinBlockFormat;
  private readonly sourceCipher: EcbCipher;
  private readonly targetCipher: EcbCipher;
  /** Source fill is F (formats 0 and 2), so a target of 0 or 2 keeps it as it is. */
  private readonly sourceFillIsF: boolean;

  /**
   * Each side is a format and clear key, or a PinBlockCipher the caller already holds (a zone
   * key paired with changing DUKPT keys is then prepared once, not per transaction).
   */
  constructor(source: PinBlockKeySpec | PinBlockCipher, target: PinBlockKeySpec | PinBlockCipher) {
    const from = source instanceof PinBlockCipher ? source : new PinBlockCipher(source.format, source.key, { format: 'sourceFormat', key: 'sourceKey' });
    const to = target instanceof PinBlockCipher ? target : new PinBlockCipher(target.format, target.key, { format: 'targetFormat', key: 'targetKey' });
    this.sourceFormat = from.format;
    this.targetFormat = to.format;
    this.sourceCipher = from.cipher;
    this.targetCipher = to.cipher;
    this.sourceFillIsF = from.format === 0 || from.format === 2;
  }

  /**
   * The PIN block under the target key and format. `pan` is needed when either format binds it;
   * `options` supplies the target's fill (formats 1, 3 and 4) for reproducible results.
   */
  translate(encryptedPinBlock: Uint8Array, pan?: string, options: PinBlockFillOptions = {}): Buffer {
    assertFillOption(this.targetFormat, options.fill);
    // The PAN is checked once, by whichever side binds it first; formats 1 and 2 ignore it.
    const sourcePan = panFor(this.sourceFormat, pan);
    const targetPan = pinBlockBindsPan(this.targetFormat) ? (sourcePan ?? panFor(this.targetFormat, pan)) : undefined;
    const { field, pinLength } = openPinBlock(this.sourceFormat, this.sourceCipher, encryptedPinBlock, sourcePan, 'encryptedPinBlock');
    return sealPinField(this.targetFormat, this.targetCipher, field, pinLength, targetPan, options, this.sourceFillIsF);
  }
}

export function translatePinBlock(
  source: PinBlockKeySpec | PinBlockCipher,
  target: PinBlockKeySpec | PinBlockCipher,
  encryptedPinBlock: Uint8Array,
  pan?: string,
  options: PinBlockFillOptions = {},
): Buffer {
  return new PinBlockTranslator(source, target).translate(encryptedPinBlock, pan, options);
}
