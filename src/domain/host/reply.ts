import { IsoMessage, MessageCodec, unionPayPosSpec, type UnionPayPosSpec } from '../../lib/iso8583/index.js';
import type { HsmPort, KeyUnderLmk, MacOptions } from '../../ports/hsm.js';

/** One compiled codec for the whole module: compiling a spec is done once. */
export const hostCodec = new MessageCodec<UnionPayPosSpec>(unionPayPosSpec);

/** Field 64 is the last field of the UnionPay POS spec, fixed at 8 bytes. */
export const MAC_FIELD_BYTES = 8;

/** Bit 64 is the last bit of the 8-byte primary bitmap, which follows the 2-byte BCD MTI. */
const BITMAP_LAST_BYTE_OFFSET = 9;

/** Whether a packed UnionPay POS message carries field 64. */
export function carriesMac(packed: Buffer): boolean {
  return packed.length > BITMAP_LAST_BYTE_OFFSET && ((packed[BITMAP_LAST_BYTE_OFFSET] as number) & 0x01) === 1;
}

/** The MAC input of a packed message that carries field 64: MTI through field 63 (docs/protocol.md). */
export function macInput(packed: Buffer): Buffer {
  return packed.subarray(0, packed.length - MAC_FIELD_BYTES);
}

/** The reply MTI of a request MTI: 0200 → 0210, 0800 → 0810, 0820 → 0830. */
export function replyMti(requestMti: string): string {
  return `${requestMti.slice(0, 2)}${String(Number(requestMti.charAt(2)) + 1)}${requestMti.slice(3)}`;
}

/** A reply with the request's 11, 41, 42 (and 60 when asked) and 39 = `responseCode`. */
export function replyFor(request: IsoMessage<UnionPayPosSpec>, responseCode: string, echo60 = true): IsoMessage<UnionPayPosSpec> {
  const reply = new IsoMessage(unionPayPosSpec, replyMti(request.mti));
  for (const field of [3, 4, 11, 25, 41, 42, 49] as const) {
    const value = request.get(field);
    if (value !== undefined) reply.set(field, value);
  }
  const field60 = request.get(60);
  if (echo60 && field60 !== undefined) reply.set(60, field60);
  reply.set(39, responseCode);
  return reply;
}

/** Packs `reply` without a MAC. */
export function packPlain(reply: IsoMessage<UnionPayPosSpec>): Buffer {
  reply.delete(64);
  return hostCodec.pack(reply);
}

/** Packs `reply` with field 64 computed under the terminal's MAK over MTI..63 of the packed bytes. */
export async function packWithMac(reply: IsoMessage<UnionPayPosSpec>, hsm: HsmPort, mak: KeyUnderLmk, options: MacOptions): Promise<Buffer> {
  reply.set(64, Buffer.alloc(MAC_FIELD_BYTES));
  const packed = hostCodec.pack(reply);
  const mac = await hsm.generateMac(mak, options, macInput(packed));
  mac.copy(packed, packed.length - MAC_FIELD_BYTES, 0, MAC_FIELD_BYTES);
  return packed;
}
