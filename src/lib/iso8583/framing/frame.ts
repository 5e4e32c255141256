import { BastionError } from '../../errors/index.js';
import { bufferView } from './buffer-view.js';
import { parseTpdu, tpduLengthBytes, writeTpdu, type Tpdu } from './tpdu.js';
import { parseUnionPayHeader, unionPayHeaderLengthBytes, writeUnionPayHeader, type UnionPayHeader } from './unionpay-header.js';

/**
 * A whole terminal frame on the wire:
 *
 *   length (2 bytes, big-endian, counts everything after it)
 *   | TPDU (5 bytes) | UnionPay header (6 bytes) | ISO 8583 message (MTI onward)
 *
 * The message bytes are opaque here: the codec in `src/lib/iso8583` reads them. Hosts that talk
 * to terminals without a header or without a TPDU choose another `FrameLayout`.
 */

export const lengthPrefixBytes = 2;

/** The largest body a 2-byte length prefix can announce. */
export const lengthPrefixValueMax = 0xffff;

export type HeaderKind = 'unionpay' | 'none';

export interface FrameLayout {
  /** Whether a 5-byte TPDU follows the length prefix. */
  readonly tpdu: boolean;
  /** The header between the TPDU and the MTI. */
  readonly header: HeaderKind;
}

/** The China UnionPay POS layout: TPDU and 6-byte header. */
export const unionPayFrameLayout = { tpdu: true, header: 'unionpay' } as const satisfies FrameLayout;

type TpduOf<HasTpdu extends boolean> = HasTpdu extends true ? Tpdu : undefined;
type HeaderOf<Kind extends HeaderKind> = Kind extends 'unionpay' ? UnionPayHeader : undefined;
type TpduPart<HasTpdu extends boolean> = HasTpdu extends true ? { readonly tpdu: Tpdu } : { readonly tpdu?: undefined };
type HeaderPart<Kind extends HeaderKind> = Kind extends 'unionpay' ? { readonly header: UnionPayHeader } : { readonly header?: undefined };

/** A decoded frame; with a literal layout the TPDU and header are typed present or absent. */
export interface Frame<Layout extends FrameLayout = typeof unionPayFrameLayout> {
  readonly tpdu: TpduOf<Layout['tpdu']>;
  readonly header: HeaderOf<Layout['header']>;
  /** The ISO 8583 bytes, MTI onward: a view of the input, not a copy. */
  readonly message: Buffer;
}

/** What `encodeFrame` needs: the parts the layout has, and the message bytes. */
export type FrameParts<Layout extends FrameLayout = typeof unionPayFrameLayout> = { readonly message: Uint8Array } & TpduPart<Layout['tpdu']> &
  HeaderPart<Layout['header']>;

export interface FrameOptions<Layout extends FrameLayout = typeof unionPayFrameLayout> {
  /** Default: `unionPayFrameLayout`. */
  readonly layout?: Layout;
  /** The largest body accepted or produced (bytes after the length prefix); default and maximum 65535. */
  readonly frameBytesMax?: number;
  /** TPDU ids accepted when decoding; default `[0x60]`. */
  readonly tpduIdsAccepted?: readonly number[];
}

/** Bytes the layout puts between the length prefix and the message. */
export function frameLayoutBytes(layout: FrameLayout): number {
  return (layout.tpdu ? tpduLengthBytes : 0) + headerBytesOf(layout.header);
}

/** Builds a frame: length prefix, then the layout's TPDU and header, then the message. */
export function encodeFrame<Layout extends FrameLayout = typeof unionPayFrameLayout>(parts: FrameParts<Layout>, options: FrameOptions<Layout> = {}): Buffer {
  const layout: FrameLayout = options.layout ?? unionPayFrameLayout;
  const frameBytesMax = frameBytesMaxOf(options.frameBytesMax);
  const { tpdu, header, message } = parts as { tpdu?: Tpdu; header?: UnionPayHeader; message: Uint8Array };
  checkPartMatchesLayout(tpdu !== undefined, layout.tpdu, 'tpdu');
  checkPartMatchesLayout(header !== undefined, layout.header === 'unionpay', 'header');
  const bodyBytes = frameLayoutBytes(layout) + message.length;
  if (bodyBytes > frameBytesMax) {
    throw new BastionError('ISO_ERR_FRAME_TOO_LARGE', `the frame would be ${bodyBytes} bytes, over the maximum of ${frameBytesMax}`, {
      field: 'length',
      frameBytes: bodyBytes,
      frameBytesMax,
    });
  }
  const out = Buffer.allocUnsafe(lengthPrefixBytes + bodyBytes);
  out[0] = bodyBytes >>> 8;
  out[1] = bodyBytes & 0xff;
  let offset = lengthPrefixBytes;
  if (tpdu !== undefined) {
    writeTpdu(out, offset, tpdu);
    offset += tpduLengthBytes;
  }
  if (header !== undefined) {
    writeUnionPayHeader(out, offset, header);
    offset += unionPayHeaderLengthBytes;
  }
  out.set(message, offset);
  return out;
}

/**
 * Reads a whole frame, length prefix included, and checks that the prefix announces exactly the
 * bytes given. Use `decodeFrameBody` for what `FrameSplitter` emits (the prefix already removed).
 */
export function decodeFrame<Layout extends FrameLayout = typeof unionPayFrameLayout>(frame: Uint8Array, options: FrameOptions<Layout> = {}): Frame<Layout> {
  const frameBytesMax = frameBytesMaxOf(options.frameBytesMax);
  if (frame.length < lengthPrefixBytes) {
    throw new BastionError('ISO_ERR_LENGTH', `a frame starts with a ${lengthPrefixBytes}-byte length prefix but only ${frame.length} bytes were given`, {
      field: 'length',
      offset: 0,
      availableBytes: frame.length,
    });
  }
  const declaredBytes = ((frame[0] as number) << 8) | (frame[1] as number);
  if (declaredBytes > frameBytesMax) {
    throw new BastionError('ISO_ERR_FRAME_TOO_LARGE', `the length prefix announces ${declaredBytes} bytes, over the maximum of ${frameBytesMax}`, {
      field: 'length',
      offset: 0,
      declaredBytes,
      frameBytesMax,
    });
  }
  const availableBytes = frame.length - lengthPrefixBytes;
  if (declaredBytes !== availableBytes) {
    throw new BastionError('ISO_ERR_LENGTH', `the length prefix announces ${declaredBytes} bytes but ${availableBytes} follow it`, {
      field: 'length',
      offset: 0,
      declaredBytes,
      availableBytes,
    });
  }
  return decodeBody(frame, lengthPrefixBytes, options);
}

/** Reads a frame body (TPDU, header, message: the bytes after the length prefix). */
export function decodeFrameBody<Layout extends FrameLayout = typeof unionPayFrameLayout>(body: Uint8Array, options: FrameOptions<Layout> = {}): Frame<Layout> {
  const frameBytesMax = frameBytesMaxOf(options.frameBytesMax);
  if (body.length > frameBytesMax) {
    throw new BastionError('ISO_ERR_FRAME_TOO_LARGE', `the frame has ${body.length} bytes, over the maximum of ${frameBytesMax}`, {
      frameBytes: body.length,
      frameBytesMax,
    });
  }
  return decodeBody(body, 0, options);
}

/** Decodes the body that starts at `start` of `bytes` and runs to its end; offsets in errors are into `bytes`. */
function decodeBody<Layout extends FrameLayout>(bytes: Uint8Array, start: number, options: FrameOptions<Layout>): Frame<Layout> {
  const layout: FrameLayout = options.layout ?? unionPayFrameLayout;
  const requiredBytes = frameLayoutBytes(layout);
  const bodyBytes = bytes.length - start;
  if (bodyBytes < requiredBytes) {
    throw new BastionError('ISO_ERR_FRAME_HEADER', `the frame has ${bodyBytes} bytes, fewer than the ${requiredBytes} its TPDU and header need`, {
      field: layout.tpdu ? 'tpdu' : 'header',
      offset: start,
      availableBytes: bodyBytes,
      requiredBytes,
    });
  }
  let offset = start;
  let tpdu: Tpdu | undefined;
  let header: UnionPayHeader | undefined;
  if (layout.tpdu) {
    tpdu = parseTpdu(bytes, offset, options);
    offset += tpduLengthBytes;
  }
  if (layout.header === 'unionpay') {
    header = parseUnionPayHeader(bytes, offset);
    offset += unionPayHeaderLengthBytes;
  }
  return { tpdu, header, message: bufferView(bytes, offset, bytes.length) } as Frame<Layout>;
}

function headerBytesOf(kind: HeaderKind): number {
  switch (kind) {
    case 'unionpay':
      return unionPayHeaderLengthBytes;
    case 'none':
      return 0;
    default:
      // Reached only from untyped callers; a layout is configuration, so this is a definition error.
      throw new BastionError('ISO_ERR_SPEC', "a frame layout's header must be 'unionpay' or 'none'", { argument: 'layout.header' });
  }
}

function frameBytesMaxOf(value: number | undefined): number {
  if (value === undefined) return lengthPrefixValueMax;
  if (!Number.isInteger(value) || value < 1 || value > lengthPrefixValueMax) {
    throw new BastionError('ISO_ERR_SPEC', `frameBytesMax must be an integer from 1 to ${lengthPrefixValueMax}`, { argument: 'frameBytesMax' });
  }
  return value;
}

function checkPartMatchesLayout(present: boolean, wanted: boolean, field: 'tpdu' | 'header'): void {
  if (present === wanted) return;
  throw new BastionError(
    'ISO_ERR_FIELD_VALUE',
    wanted ? `the frame layout has a ${field} but none was given` : `the frame layout has no ${field} but one was given`,
    { field },
  );
}
