import { findTlvValue, parseTlv, type TlvNode } from '../../lib/tlv/index.js';
import type { IsoMessage, UnionPayPosSpec } from '../../lib/iso8583/index.js';
import type { ChipData, EntryMode } from '../../ports/network.js';

/**
 * The card as a request carries it, read into memory only: PAN from field 2 or track 2, expiry
 * from field 14 or track 2, service code from track 2 or tag 5F30, and for chip the cryptogram
 * inputs from field 55. Nothing here is stored; the caller hands the PAN to the PAN vault.
 */
export interface CardInput {
  readonly pan: string;
  readonly expiry: string;
  readonly serviceCode: string;
  readonly entryMode: EntryMode;
  readonly track2: string | undefined;
  readonly chip: ChipData | undefined;
}

const panPattern = /^\d{12,19}$/;
// PAN, separator (= or D), YYMM, service code, then discretionary data.
const track2Pattern = /^(\d{12,19})[=D](\d{4})(\d{3})/;

/**
 * Tags of the CDOL1 data in the order UnionPay and EMV common-core cards ask for them (amount,
 * other amount, country, TVR, currency, date, type, unpredictable number, AIP, ATC). The host
 * does not hold each card's CDOL1, so it rebuilds the data in this common order.
 */
const cdol1Tags = [0x9f02, 0x9f03, 0x9f1a, 0x95, 0x5f2a, 0x9a, 0x9c, 0x9f37, 0x82, 0x9f36] as const;

/** undefined when the card data is missing or unreadable (the terminal gets 14). */
export function readCardInput(request: IsoMessage<UnionPayPosSpec>): CardInput | undefined {
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
  return { pan, expiry, serviceCode, entryMode, track2: track === null ? undefined : track2?.replace('D', '='), chip: chip?.data };
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
