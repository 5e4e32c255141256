import { EcbCipher } from '../../lib/crypto/index.js';
import { BastionError } from '../../lib/errors/index.js';

/**
 * Track 2 enciphered by the terminal under its TDK (field 53, third digit 1), in the UnionPay
 * layout the host's HSM reads (src/adapters/hsm/track-data.ts): the track as packed BCD (`=` as
 * nibble D, an odd count padded with a 0 nibble at the end), then one 8-byte TDES-ECB block
 * enciphered in place — bytes [length − 9, length − 1), so the last byte, which may hold the pad
 * nibble, stays clear. The result goes back into field 35 as track characters (nibbles A, B, C,
 * E, F as those letters, D as `=`), with the same digit count as the clear track.
 */
const TRACK_BLOCK_BYTES = 8;
const TRACK_BLOCK_END_OFFSET = 1;
const NIBBLE_CHARACTERS = '0123456789ABC=EF';

export function encipherTrack2(track2: string, tdk: Uint8Array): string {
  if (!/^[0-9=]+$/.test(track2)) throw new BastionError('SIM_ERR_CARD', 'track 2 holds only digits and the separator', { field: 35 });
  const digits = track2.length;
  const padded = digits % 2 === 0 ? track2 : `${track2}0`;
  const packed = Buffer.from(padded.replace(/=/g, 'D'), 'hex');
  if (packed.length < TRACK_BLOCK_BYTES + TRACK_BLOCK_END_OFFSET) {
    throw new BastionError('SIM_ERR_CARD', `track 2 is too short to encipher (${TRACK_BLOCK_BYTES + TRACK_BLOCK_END_OFFSET} bytes at least)`, { field: 35 });
  }
  const start = packed.length - TRACK_BLOCK_BYTES - TRACK_BLOCK_END_OFFSET;
  const block = packed.subarray(start, start + TRACK_BLOCK_BYTES);
  block.set(new EcbCipher('tdes', Buffer.from(tdk), 'tdk').encryptUnchecked(block));
  let text = '';
  for (const byte of packed) text += `${NIBBLE_CHARACTERS.charAt(byte >> 4)}${NIBBLE_CHARACTERS.charAt(byte & 0x0f)}`;
  packed.fill(0);
  return text.slice(0, digits);
}
