/**
 * Track 2 as the simulator's cards carry it (ISO/IEC 7813): PAN, separator (`=` on the stripe,
 * the nibble `D` in the chip's tag 57), expiry YYMM, service code, then discretionary data.
 * Where the card verification value sits in the discretionary data is each issuer's choice;
 * this simulator's cards put the 3-digit CVV first, then six filler zeros.
 */
export const TRACK2_CVV_DIGITS = 3;
export const TRACK2_FILLER = '000000';
/** ISO/IEC 7813: at most 37 characters between the sentinels. */
export const TRACK2_LENGTH_MAX = 37;

export interface Track2 {
  readonly pan: string;
  readonly expiry: string;
  readonly serviceCode: string;
  readonly cvv: string;
}

const track2Pattern = /^([0-9]{12,19})[=D]([0-9]{4})([0-9]{3})([0-9]{3})[0-9]*$/;

/** The parts of a track 2, or undefined when it is not one of this simulator's tracks. */
export function parseTrack2(track2: string): Track2 | undefined {
  if (track2.length > TRACK2_LENGTH_MAX) return undefined;
  const match = track2Pattern.exec(track2);
  if (match === null) return undefined;
  const [, pan, expiry, serviceCode, cvv] = match as unknown as [string, string, string, string, string];
  return { pan, expiry, serviceCode, cvv };
}

/** The track 2 of a card with this CVV, as the stripe carries it. */
export function formatTrack2(parts: Track2): string {
  return `${parts.pan}=${parts.expiry}${parts.serviceCode}${parts.cvv}${TRACK2_FILLER}`;
}
