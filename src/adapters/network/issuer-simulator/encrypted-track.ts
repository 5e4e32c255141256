import type { HsmPort, KeyUnderLmk } from '../../../ports/hsm.js';
import type { AuthorizationRequest } from '../../../ports/network.js';
import { parseTrack2, TRACK2_LENGTH_MAX, type Track2 } from './track2.js';

/** The most bytes an enciphered track 2 takes: 37 characters as packed BCD. */
export const ENCRYPTED_TRACK2_BYTES_MAX = (TRACK2_LENGTH_MAX + 1) >> 1;
/** The track-encryption layout needs one 8-byte block and the byte after it (the HSM's track-data.ts). */
export const ENCRYPTED_TRACK2_BYTES_MIN = 9;

const trackCharacterOfNibble = '0123456789ABC=EF';

/**
 * Track 2 under the zone data key, deciphered inside the HSM and read as digits: undefined when
 * what comes out is not one of this simulator's tracks (enciphered under another key, or not a
 * track at all). An odd count ends in one pad nibble; it is dropped when the track would
 * otherwise be longer than ISO/IEC 7813 allows, and is otherwise read as discretionary data,
 * which no check here looks at. The clear track lives only in memory.
 */
export async function decipherTrack2(hsm: HsmPort, zek: KeyUnderLmk, data: Buffer): Promise<{ readonly text: string; readonly parts: Track2 } | undefined> {
  const clear = await hsm.decryptTrackData({ key: zek, data });
  let text = '';
  for (const byte of clear) text += (trackCharacterOfNibble[byte >> 4] as string) + (trackCharacterOfNibble[byte & 0x0f] as string);
  clear.fill(0);
  if (text.length > TRACK2_LENGTH_MAX && text.endsWith('0')) text = text.slice(0, -1);
  const parts = parseTrack2(text);
  return parts === undefined ? undefined : { text, parts };
}

/**
 * The request as the issuer's checks read it: an enciphered track 2 replaced by the clear one
 * and its service code. Undefined — the card is declined as invalid, never an error, since the
 * bytes came from a terminal — when the deciphered track does not read, or names another PAN or
 * expiry than the request.
 */
export async function withClearTrack(hsm: HsmPort, zek: KeyUnderLmk, request: AuthorizationRequest): Promise<AuthorizationRequest | undefined> {
  const { encryptedTrack2, ...rest } = request;
  if (encryptedTrack2 === undefined) return request;
  const track = await decipherTrack2(hsm, zek, encryptedTrack2);
  if (track === undefined || track.parts.pan !== request.pan || track.parts.expiry !== request.expiry) return undefined;
  return { ...rest, serviceCode: track.parts.serviceCode, track2: track.text };
}
