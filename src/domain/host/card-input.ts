import { findTlvValue, parseTlv, type TlvNode } from '../../lib/tlv/index.js';
import type { IsoMessage, UnionPayPosSpec } from '../../lib/iso8583/index.js';
import type { ChipData, EntryMode } from '../../ports/network.js';

/**
 * The card as a request carries it, read into memory only: PAN from field 2 or track 2, expiry
 * from field 14 or track 2, service code from track 2 or tag 5F30, and for chip the cryptogram
 * inputs from field 55. Nothing here is stored; the caller hands the PAN to the PAN vault.
 *
 * When field 53 says the terminal enciphered its tracks, track 2 is kept as field 35's packed
 * bytes (`encryptedTrack2`, still under the terminal's TDK) and never read: PAN and expiry then
 * come from fields 2 and 14, which such a terminal sends in clear, and the service code from
 * tag 5F30 or, for the stripe, from the issuer, who reads it in the deciphered track.
 */
export interface CardInput {
  readonly pan: string;
  readonly expiry: string;
  /** Undefined only with an enciphered track 2 (the issuer reads it there). */
  readonly serviceCode: string | undefined;
  readonly entryMode: EntryMode;
  readonly track2: string | undefined;
  /** Field 35 as packed BCD, its track-encryption block under the terminal's TDK. */
  readonly encryptedTrack2: Buffer | undefined;
  readonly chip: ChipData | undefined;
}

/**
 * Field 53 (n16), the security control: digit 1 the PIN block format (`2` ISO 9564 format 0),
 * digit 2 the algorithm (`6` double-length TDES, `0` single DES), digit 3 whether track data is
 * enciphered (`1`) or clear (`0`). A terminal that enciphers tracks sends `2610000000000000`.
 */
const FIELD53_TRACK_DIGIT_INDEX = 2;
const FIELD53_TRACK_ENCIPHERED = '1';
/** The track-encryption layout needs one 8-byte block and the byte after it (17 digits or more). */
const ENCRYPTED_TRACK_BYTES_MIN = 9;
/** The codec's characters for the nibbles 0 to F of a track (`z`): D is the separator. */
const trackNibbles = '0123456789ABC=EF';

const panPattern = /^\d{12,19}$/;
// PAN, separator (= or D), YYMM, service code, then discretionary data.
const track2Pattern = /^(\d{12,19})[=D](\d{4})(\d{3})/;

/**
 * Tags of the CDOL1 data in the order UnionPay and EMV common-core cards ask for them (amount,
 * other amount, country, TVR, currency, date, type, unpredictable number, AIP, ATC). The host
 * does not hold each card's CDOL1, so it rebuilds the data in this common order.
 */
const cdol1Tags = [0x9f02, 0x9f03, 0x9f1a, 0x95, 0x5f2a, 0x9a, 0x9c, 0x9f37, 0x82, 0x9f36] as const;

/** Whether field 53 says tracks 2 and 3 come enciphered under the TDK. */
export function tracksEnciphered(request: IsoMessage<UnionPayPosSpec>): boolean {
  return request.get(53)?.charAt(FIELD53_TRACK_DIGIT_INDEX) === FIELD53_TRACK_ENCIPHERED;
}

/** undefined when the card data is missing or unreadable (the terminal gets 14). */
export function readCardInput(request: IsoMessage<UnionPayPosSpec>): CardInput | undefined {
  if (tracksEnciphered(request)) return readWithEncipheredTrack(request);
  const track2 = request.get(35)?.toUpperCase();
  const track = track2 === undefined ? undefined : track2Pattern.exec(track2);
  const pan = request.get(2) ?? track?.[1];
  if (pan === undefined || !panPattern.test(pan)) return undefined;
  if (track?.[1] !== undefined && track[1] !== pan) return undefined;
  const expiry = request.get(14) ?? track?.[2];
  if (expiry === undefined) return undefined;
  const entryMode = entryModeOf(request.get(22));
  const chip = entryMode === 'chip' || entryMode === 'contactless' ? readChip(request.get(55)) : undefined;
  if ((entryMode === 'chip' || entryMode === 'contactless') && chip === undefined) return undefined;
  const serviceCode = track?.[3] ?? chip?.serviceCode;
  if (serviceCode === undefined) return undefined;
  return { pan, expiry, serviceCode, entryMode, track2: track === null ? undefined : track2?.replace('D', '='), encryptedTrack2: undefined, chip: chip?.data };
}

/**
 * Field 53 digit 3 = 1: PAN from field 2 and expiry from field 14, both required (a terminal
 * that enciphers tracks sends them in clear; without them the card is unreadable, 14), and
 * track 2 kept enciphered. A magnetic-stripe entry needs the track; a chip entry may carry it.
 */
function readWithEncipheredTrack(request: IsoMessage<UnionPayPosSpec>): CardInput | undefined {
  const pan = request.get(2);
  const expiry = request.get(14);
  if (pan === undefined || !panPattern.test(pan) || expiry === undefined) return undefined;
  const field35 = request.get(35);
  const encryptedTrack2 = field35 === undefined ? undefined : packedTrack(field35);
  if (field35 !== undefined && (encryptedTrack2 === undefined || encryptedTrack2.length < ENCRYPTED_TRACK_BYTES_MIN)) return undefined;
  const entryMode = entryModeOf(request.get(22));
  const withChip = entryMode === 'chip' || entryMode === 'contactless';
  const chip = withChip ? readChip(request.get(55)) : undefined;
  if (withChip ? chip === undefined : encryptedTrack2 === undefined) return undefined;
  // The service code comes from tag 5F30 or, read by the issuer, from the track: one is needed.
  if (chip?.serviceCode === undefined && encryptedTrack2 === undefined) return undefined;
  return { pan, expiry, serviceCode: chip?.serviceCode, entryMode, track2: undefined, encryptedTrack2, chip: chip?.data };
}

/**
 * Field 35's bytes again from its decoded characters (the codec maps each nibble to one
 * character, so this is exact): the pad nibble 0 after an odd count, as the spec pads.
 */
function packedTrack(track: string): Buffer | undefined {
  let hex = '';
  for (const character of track) {
    const nibble = trackNibbles.indexOf(character);
    if (nibble < 0) return undefined;
    hex += nibble.toString(16);
  }
  return Buffer.from(hex.length % 2 === 0 ? hex : `${hex}0`, 'hex');
}

/** Field 22, first two digits: 05 chip, 07 contactless, 80 fallback, otherwise the stripe. */
function entryModeOf(field22: string | undefined): EntryMode {
  const mode = field22?.slice(0, 2);
  if (mode === '05') return 'chip';
  if (mode === '07') return 'contactless';
  if (mode === '80') return 'fallback';
  return 'magstripe';
}

function readChip(field55: Uint8Array | undefined): { data: ChipData; serviceCode: string | undefined } | undefined {
  if (field55 === undefined) return undefined;
  let nodes: TlvNode[];
  try {
    nodes = parseTlv(field55);
  } catch {
    return undefined;
  }
  const arqc = findTlvValue(nodes, 0x9f26);
  const atc = findTlvValue(nodes, 0x9f36);
  const unpredictableNumber = findTlvValue(nodes, 0x9f37);
  if (arqc?.length !== 8 || atc?.length !== 2 || unpredictableNumber?.length !== 4) return undefined;
  const parts: Buffer[] = [];
  for (const tag of cdol1Tags) {
    const value = findTlvValue(nodes, tag);
    if (value === undefined) return undefined;
    parts.push(value);
  }
  const psn = findTlvValue(nodes, 0x5f34);
  const serviceCode = findTlvValue(nodes, 0x5f30);
  return {
    data: { arqc, atc, unpredictableNumber, cdolData: Buffer.concat(parts), panSequenceNumber: psn === undefined ? '00' : psn.toString('hex').padStart(2, '0').slice(-2) },
    serviceCode: serviceCode === undefined ? undefined : serviceCode.toString('hex').slice(-3),
  };
}

/** 6 + 4: what reports and the table keep of a PAN. */
export function maskedPan(pan: string): string {
  return `${pan.slice(0, 6)}${'*'.repeat(pan.length - 10)}${pan.slice(-4)}`;
}
