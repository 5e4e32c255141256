/**
 * Packed BCD: two decimal digits a byte. Track data (`z`) also uses the nibble D for the field
 * separator '=' (ISO 7813), so the tables cover nibbles 0–9 and D.
 */

/** Nibble → character for digit data, or '' where the nibble is not a digit. */
const digitOfNibble: readonly string[] = Array.from({ length: 16 }, (_, nibble) => (nibble <= 9 ? String(nibble) : ''));
/** Byte → its two digits, or undefined where either nibble is not a digit. Built once. */
const digitPairOfByte: readonly (string | undefined)[] = Array.from({ length: 256 }, (_, byte) => {
  const high = digitOfNibble[byte >> 4] as string;
  const low = digitOfNibble[byte & 0x0f] as string;
  return high !== '' && low !== '' ? high + low : undefined;
});

/** Byte → its two characters for track data, where the nibble D stands for '='; undefined otherwise. */
const trackPairOfByte: readonly (string | undefined)[] = Array.from({ length: 256 }, (_, byte) => {
  const high = characterOfNibble(byte >> 4, true);
  const low = characterOfNibble(byte & 0x0f, true);
  return high !== undefined && low !== undefined ? high + low : undefined;
});

export function nibbleOfDigit(code: number, allowSeparator: boolean): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (allowSeparator && code === 61) return 0x0d; // '=' in track data
  return -1;
}

export function characterOfNibble(nibble: number, allowSeparator: boolean): string | undefined {
  if (nibble <= 9) return digitOfNibble[nibble];
  if (allowSeparator && nibble === 0x0d) return '=';
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

/** Like digitPairsOf, but for track data (`z`) the nibble D reads as '='. */
export function characterPairsOf(bytes: Uint8Array, start: number, end: number, allowSeparator: boolean): string | undefined {
  if (!allowSeparator) return digitPairsOf(bytes, start, end);
  let text = '';
  for (let i = start; i < end; i++) {
    const pair = trackPairOfByte[bytes[i] as number];
    if (pair === undefined) return undefined;
    text += pair;
  }
  return text;
}
