import { BastionError } from '../../lib/errors/index.js';
import { IsoMessage, type MessageCodec, type UnionPayPosSpec } from '../../lib/iso8583/index.js';
import type { ReadCursor } from '../../lib/iso8583/codec/cursor.js';
import { readBitmapInto, readMti } from '../../lib/iso8583/codec/header-parts.js';

/**
 * The reply to a message that did not decode, when its MTI can still be read:
 *
 * - MTI: the request's plus 10 (0200 → 0210, 0220 → 0230, 0800 → 0810). Only requests and
 *   advices (third digit 0 or 2) are answered; any other MTI is no request and gets none;
 * - field 39: `30`, "format error" (格式错误), the code UnionPay POS hosts answer it with;
 * - fields 11 (trace), 41 (terminal id) and 42 (merchant id), copied from the request when they
 *   decode: the message is read field by field, in bitmap order, up to the first field that does
 *   not decode, and each of the three that was read before it is echoed (so that the terminal can
 *   match the reply to its request by 11, and a person can see which terminal sent it);
 * - nothing else: no MAC (field 64), because nothing of the request was authenticated and the
 *   channel holds no keys, and no card data, amounts or private fields.
 *
 * Returns the packed reply, or undefined when the MTI can't be read or is not a request.
 */
export function formatErrorReply(codec: MessageCodec<UnionPayPosSpec>, message: Uint8Array): Buffer | undefined {
  const spec = codec.spec;
  const cursor: ReadCursor = { bytes: message, offset: 0 };
  const mti = mtiAt(codec, cursor);
  const replyMti = mti === undefined ? undefined : replyMtiOf(mti);
  if (replyMti === undefined) return undefined;
  const reply = new IsoMessage(spec, replyMti);
  try {
    const bitmap = new Uint8Array(16);
    readBitmapInto(spec.bitmap.encoding, cursor, bitmap);
    // Fields are in bitmap order, so nothing after the last echoed field needs reading.
    for (let field = 2; field <= echoedFieldMax; field++) {
      if (((bitmap[(field - 1) >> 3] as number) & (0x80 >> ((field - 1) & 7))) === 0) continue;
      const fieldCodec = codec.fieldCodec(field);
      if (fieldCodec === undefined) break;
      const value = fieldCodec.unpack(cursor);
      if (typeof value === 'string' && echoedFields.has(field)) reply.set(field as 11 | 41 | 42, value);
    }
  } catch (error) {
    // The field that failed and all after it stay out of the reply.
    if (!(error instanceof BastionError)) throw error;
  }
  reply.set(39, formatErrorResponseCode);
  return codec.pack(reply);
}

/** The request's MTI when its bytes are four digits, else undefined. */
export function readableMti(codec: MessageCodec<UnionPayPosSpec>, message: Uint8Array): string | undefined {
  return mtiAt(codec, { bytes: message, offset: 0 });
}

/** Reads the MTI at the cursor (moving it past), or gives undefined if it can't be read. */
function mtiAt(codec: MessageCodec<UnionPayPosSpec>, cursor: ReadCursor): string | undefined {
  try {
    return readMti(codec.spec.mti.encoding, cursor);
  } catch (error) {
    if (error instanceof BastionError) return undefined;
    throw error;
  }
}

/** "Format error": the response code for a message the host could not read. */
export const formatErrorResponseCode = '30';

/** The request fields a format-error reply echoes when they decode. */
const echoedFields: ReadonlySet<number> = new Set([11, 41, 42]);
const echoedFieldMax = 42;

/**
 * The MTI of the reply to `mti`, or undefined when `mti` is not a request (third digit 0) or an
 * advice (2): a response or notification sent to the host is answered with nothing.
 */
export function replyMtiOf(mti: string): string | undefined {
  const messageFunction = mti.charAt(2);
  if (messageFunction !== '0' && messageFunction !== '2') return undefined;
  return `${mti.slice(0, 2)}${String(Number(messageFunction) + 1)}${mti.slice(3)}`;
}
