import { BastionError } from '../../errors/index.js';
import { assertPan, panLengthMin } from '../pan.js';

export { assertPan, panLengthMax, panLengthMin } from '../pan.js';

/** Like assertPan, for the formats that need a PAN but may be called without one. */
export function requirePan(pan: string | undefined, why: string, argument = 'pan'): string {
  if (pan === undefined) {
    throw new BastionError('CRYPTO_ERR_PAN', `${argument} is required for ${why}`, { argument });
  }
  assertPan(pan, argument);
  return pan;
}

function xorNibble(target: Uint8Array, index: number, nibble: number): void {
  const at = index >> 1;
  target[at] = (target[at] as number) ^ ((index & 1) === 0 ? nibble << 4 : nibble);
}

/**
 * XORs the account number field of formats 0 and 3 into the first 8 bytes of `target`: four
 * zero nibbles, then the 12 rightmost PAN digits excluding the check digit (a 12-digit PAN
 * leaves 11, right-justified after a zero, as ISO 9564-1 says). Straight from the string, with
 * no intermediate buffer: this runs twice per translated PIN block. `pan` must be checked.
 */
export function xorPanFieldIso0(target: Uint8Array, pan: string): void {
  // Bytes 2..7 hold digit pairs; a digit index below zero (a 12-digit PAN) is a zero nibble.
  // One read-modify-write per byte rather than per nibble: this is on the translation hot path.
  let index = pan.length - 13;
  for (let at = 2; at < 8; at++, index += 2) {
    const high = index >= 0 ? pan.charCodeAt(index) - 48 : 0;
    const low = pan.charCodeAt(index + 1) - 48;
    target[at] = (target[at] as number) ^ ((high << 4) | low);
  }
}

/**
 * XORs the PAN field of format 4 (ISO 9564-1:2017) into 16-byte `target`: one nibble M = PAN
 * length − 12, the whole PAN, zero nibbles after. (The standard also allows PANs under 12 digits
 * with M = 0; the library keeps the common 12-to-19 rule for every format.) `pan` must be checked.
 */
export function xorPanFieldIso4(target: Uint8Array, pan: string): void {
  xorNibble(target, 0, pan.length - panLengthMin);
  for (let i = 0; i < pan.length; i++) xorNibble(target, 1 + i, pan.charCodeAt(i) - 48);
}

/** The 16-byte PAN field of format 4. */
export function panFieldIso4(pan: string, argument = 'pan'): Buffer {
  assertPan(pan, argument);
  const field = Buffer.alloc(16);
  xorPanFieldIso4(field, pan);
  return field;
}
