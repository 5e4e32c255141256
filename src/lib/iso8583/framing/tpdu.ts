import { BastionError } from '../../errors/index.js';

/**
 * The TPDU (transport protocol data unit) in front of every UnionPay-style terminal message:
 *
 *   id (1 byte) | destination address (2 bytes) | source address (2 bytes)
 *
 * The addresses come from the X.25 / dial-up NAC era: the destination (the "NII") names the host
 * or front-end processor, the source names the terminal or the NAC port it came through. A host
 * answers with source and destination swapped, so that any NAC or router on the way can route
 * the reply back (jPOS NACChannel's "tpdu-swap"; the H3C MSR POS-access manual says the same).
 *
 * Addresses are kept as the raw 16-bit big-endian values. People write them as four hex digits
 * (TPDU `6000030000` = id 60, destination 0003, source 0000), usually BCD, but routers and
 * gateways may put any 16-bit cookie there, so nothing is assumed about their digits.
 */

export const tpduLengthBytes = 5;

/**
 * The one TPDU id a terminal sends: 0x60, "transaction TPDU". The H3C MSR POS-access manual
 * (TPDU section) names 0x60 the correct packet type and 0x68 the "incorrect" one that network
 * equipment uses to mark a packet it could not deliver; no terminal originates 0x68, so Bastion
 * rejects it unless a deployment behind such equipment lists it in `tpduIdsAccepted`.
 */
export const tpduIdTransaction = 0x60;

/** The id a NAC or router puts on a packet it bounces (see `tpduIdTransaction`); rejected by default. */
export const tpduIdReturned = 0x68;

export const tpduIdsAcceptedDefault: readonly number[] = [tpduIdTransaction];

const addressMax = 0xffff;
const byteMax = 0xff;

export interface Tpdu {
  /** Byte 0: 0x60 for every terminal message. */
  readonly id: number;
  /** Bytes 1–2, big-endian: where the message goes (the host's NII). */
  readonly destination: number;
  /** Bytes 3–4, big-endian: where it came from (the terminal or NAC port). */
  readonly source: number;
}

export interface TpduParseOptions {
  /** Ids accepted in byte 0; default `[0x60]`. */
  readonly tpduIdsAccepted?: readonly number[];
}

/** Reads the TPDU at `offset` of `bytes`, checking that all five bytes are there and the id is accepted. */
export function parseTpdu(bytes: Uint8Array, offset = 0, options: TpduParseOptions = {}): Tpdu {
  if (offset < 0 || bytes.length - offset < tpduLengthBytes) {
    throw new BastionError('ISO_ERR_FRAME_HEADER', `a TPDU needs ${tpduLengthBytes} bytes but fewer remain`, {
      field: 'tpdu',
      offset: offset,
      availableBytes: Math.max(0, bytes.length - offset),
    });
  }
  const id = bytes[offset] as number;
  const accepted = options.tpduIdsAccepted ?? tpduIdsAcceptedDefault;
  if (!accepted.includes(id)) {
    // The id itself stays out of the error: it is a byte of untrusted input.
    throw new BastionError('ISO_ERR_FRAME_HEADER', 'the TPDU id byte is not an accepted value (a terminal sends 0x60)', {
      field: 'tpdu.id',
      offset: offset,
    });
  }
  return {
    id,
    destination: ((bytes[offset + 1] as number) << 8) | (bytes[offset + 2] as number),
    source: ((bytes[offset + 3] as number) << 8) | (bytes[offset + 4] as number),
  };
}

/** The TPDU of the reply: same id, source and destination swapped. */
export function replyTpdu(tpdu: Tpdu): Tpdu {
  return { id: tpdu.id, destination: tpdu.source, source: tpdu.destination };
}

/** The five bytes of `tpdu`. */
export function encodeTpdu(tpdu: Tpdu): Buffer {
  const out = Buffer.allocUnsafe(tpduLengthBytes);
  writeTpdu(out, 0, tpdu);
  return out;
}

/** Writes `tpdu` into `target` at `offset` (five bytes; the caller sized `target`). */
export function writeTpdu(target: Uint8Array, offset: number, tpdu: Tpdu): void {
  checkUnsigned(tpdu.id, byteMax, 'tpdu.id');
  checkUnsigned(tpdu.destination, addressMax, 'tpdu.destination');
  checkUnsigned(tpdu.source, addressMax, 'tpdu.source');
  target[offset] = tpdu.id;
  target[offset + 1] = tpdu.destination >>> 8;
  target[offset + 2] = tpdu.destination & 0xff;
  target[offset + 3] = tpdu.source >>> 8;
  target[offset + 4] = tpdu.source & 0xff;
}

function checkUnsigned(value: number, max: number, field: string): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new BastionError('ISO_ERR_FIELD_VALUE', `${field} must be an integer from 0 to ${max}`, { field });
  }
}
