/**
 * Packed BCD: two decimal digits a byte. Track data (`z`) uses every nibble: D is the field
 * separator '=' (ISO 7813), and A, B, C, E, F read as those letters, because a track enciphered
 * by the terminal (UnionPay field 53, third digit 1) has one TDES block of arbitrary nibbles in
 * the middle. Letters keep the mapping one to one, so packing what was unpacked gives the same
 * bytes; 'D' itself is not accepted when packing, since '=' already stands for that nibble.
 */

/** Track characters of the nibbles 10 to 15: the separator '=' is D. */
const trackCharacterOfNibble = 'ABC=EF';

/** Nibble → character for digit data, or '' where the nibble is not a digit. */
const digitOfNibble: readonly string[] = Array.from({ length: 16 }, (_, nibble) => (nibble <= 9 ? String(nibble) : ''));
/** Byte → its two digits, or undefined where either nibble is not a digit. Built once. */
const digitPairOfByte: readonly (string | undefined)[] = Array.from({ length: 256 }, (_, byte) => {
  const high = digitOfNibble[byte >> 4] as string;
  const low = digitOfNibble[byte & 0x0f] as string;
  return high !== '' && low !== '' ? high + low : undefined;
});

/** Byte → its two characters for track data (every byte has them: D is '=', A–C, E, F letters). */
const trackPairOfByte: readonly (string | undefined)[] = Array.from({ length: 256 }, (_, byte) => {
  const high = characterOfNibble(byte >> 4, true);
  const low = characterOfNibble(byte & 0x0f, true);
  return high !== undefined && low !== undefined ? high + low : undefined;
});

export function nibbleOfDigit(code: number, track: boolean): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (!track) return -1;
  const index = trackCharacterOfNibble.indexOf(String.fromCharCode(code));
  return index < 0 ? -1 : 10 + index;
}

export function characterOfNibble(nibble: number, track: boolean): string | undefined {
  if (nibble <= 9) return digitOfNibble[nibble];
  if (track) return trackCharacterOfNibble.charAt(nibble - 10);
  return undefined;
}

/** Two digits a byte for the common all-digit case; undefined if any nibble is not a digit. */
export function digitPairsOf(bytes: Uint8Array, start: number, end: number): string | undefined {
  let text = '';
  for (let i = start; i < end; i++) {
    const pair = digitPairOfByte[bytes[i] as number];
    if (pair === undefined) return undefined;
    text += pair;
  }
  return text;
}

/** Like digitPairsOf, but for track data (`z`): the nibble D reads as '=', A–C, E, F as letters. */
export function characterPairsOf(bytes: Uint8Array, start: number, end: number, track: boolean): string | undefined {
  if (!track) return digitPairsOf(bytes, start, end);
  let text = '';
  for (let i = start; i < end; i++) {
    const pair = trackPairOfByte[bytes[i] as number];
    if (pair === undefined) return undefined;
    text += pair;
  }
  return text;
}
