import type { UnionPayEcbVariant } from '../../lib/crypto/index.js';
import { BastionError } from '../../lib/errors/index.js';
import type { IsoMessage, UnionPayPosSpec } from '../../lib/iso8583/index.js';
import { simulatorCodec } from './messages.js';
import { terminalMac } from './working-key-ciphers.js';

const MAC_BYTES = 8;

/** The reply MTI a request expects: 0200 → 0210, 0800 → 0810. */
export function expectedReplyMti(requestMti: string): string {
  return `${requestMti.slice(0, 2)}${String(Number(requestMti.charAt(2)) + 1)}${requestMti.slice(3)}`;
}

export interface ReplyCheckOptions {
  /** The terminal's MAK, for replies that carry field 64. */
  readonly mak?: Uint8Array;
  readonly macVariant: UnionPayEcbVariant;
  /** An approval must carry a MAC (financial replies); a decline before the MAC check may not. */
  readonly macRequiredForApproval: boolean;
}

/**
 * What the terminal checks before it believes a reply: it unpacks, it answers this request
 * (MTI + 10, the same 11 and 41), its field 64 verifies under the MAK over MTI..63, and an
 * approval is never taken without a MAC. The reply holds no card data worth hiding, but errors
 * name fields only, never values.
 */
export function checkReply(request: IsoMessage<UnionPayPosSpec>, replyBytes: Buffer, options: ReplyCheckOptions): IsoMessage<UnionPayPosSpec> {
  let reply: IsoMessage<UnionPayPosSpec>;
  try {
    reply = simulatorCodec.unpack(replyBytes);
  } catch (error) {
    throw new BastionError('SIM_ERR_RESPONSE', 'the host reply does not unpack as a UnionPay POS message', { cause: error instanceof BastionError ? error.code : 'unknown' });
  }
  const expectedMti = expectedReplyMti(request.mti);
  if (reply.mti !== expectedMti) throw new BastionError('SIM_ERR_RESPONSE', `the reply is a ${reply.mti}, not the ${expectedMti} that answers a ${request.mti}`, { mti: reply.mti });
  for (const field of [11, 41] as const) {
    if (reply.get(field) !== request.get(field)) throw new BastionError('SIM_ERR_RESPONSE', `field ${field} of the reply differs from the request`, { field });
  }
  const responseCode = reply.get(39);
  if (responseCode === undefined) throw new BastionError('SIM_ERR_RESPONSE', 'the reply has no response code (field 39)', { field: 39 });
  const mac = reply.get(64);
  if (mac !== undefined) {
    if (options.mak === undefined) throw new BastionError('SIM_ERR_RESPONSE_MAC', 'the reply carries a MAC but the terminal has no MAK to check it', { field: 64 });
    verifyReplyMac(replyBytes, mac, options.mak, options.macVariant);
  } else if (options.macRequiredForApproval && responseCode === '00') {
    throw new BastionError('SIM_ERR_RESPONSE_MAC', 'an approval came without a MAC: the terminal does not accept it', { field: 64 });
  }
  return reply;
}

export function verifyReplyMac(replyBytes: Buffer, mac: Uint8Array, mak: Uint8Array, variant: UnionPayEcbVariant): void {
  const data = replyBytes.subarray(0, replyBytes.length - MAC_BYTES);
  try {
    terminalMac(mak, variant).verify(data, mac);
  } catch {
    throw new BastionError('SIM_ERR_RESPONSE_MAC', 'the MAC of the host reply does not verify under the terminal MAK', { field: 64 });
  }
}
