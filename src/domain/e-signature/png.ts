import { crc32, deflateSync, inflateSync } from 'node:zlib';
import { BastionError } from '../../lib/errors/index.js';

/**
 * The signature image: a greyscale PNG (colour type 0, bit depth 1 or 8, not interlaced), the
 * shape a signature pad produces. Real UnionPay terminals send JBIG (a bi-level format); Bastion
 * takes PNG because Node has the pieces (zlib, CRC-32) and every viewer opens it. Read strictly:
 * the image comes from a terminal, so every chunk's CRC, the sizes and the inflated length are
 * checked before a pixel is used, and inflation is bounded (no decompression bombs).
 */
export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
export const SIGNATURE_WIDTH_MAX = 2048;
export const SIGNATURE_HEIGHT_MAX = 1024;
/** Greyscale pixels after decoding (1 byte each): 1 MiB. */
export const SIGNATURE_PIXELS_MAX = 1_048_576;
const CHUNKS_MAX = 1024;

export interface GrayImage {
  readonly width: number;
  readonly height: number;
  /** One byte a pixel, row by row: 0 black … 255 white. */
  readonly pixels: Buffer;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** An 8-bit greyscale PNG of `image` (filter 0 on every row). */
export function encodeGrayPng(image: GrayImage): Buffer {
  assertSize(image.width, image.height);
  if (image.pixels.length !== image.width * image.height) throw new BastionError('ESIG_ERR_IMAGE', 'the pixel count differs from width × height');
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(image.width, 0);
  ihdr.writeUInt32BE(image.height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  const raw = Buffer.alloc((image.width + 1) * image.height);
  for (let row = 0; row < image.height; row += 1) image.pixels.copy(raw, row * (image.width + 1) + 1, row * image.width, (row + 1) * image.width);
  return Buffer.concat([PNG_SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

function bad(message: string): BastionError {
  return new BastionError('ESIG_ERR_IMAGE', `the signature image is not an accepted PNG: ${message}`);
}

function assertSize(width: number, height: number): void {
  if (width < 1 || height < 1 || width > SIGNATURE_WIDTH_MAX || height > SIGNATURE_HEIGHT_MAX || width * height > SIGNATURE_PIXELS_MAX) {
    throw bad(`its size must be 1 to ${SIGNATURE_WIDTH_MAX} × 1 to ${SIGNATURE_HEIGHT_MAX} pixels`);
  }
}

/** Decodes a greyscale PNG (bit depth 1 or 8) into 8-bit pixels; anything else is ESIG_ERR_IMAGE. */
export function decodeGrayPng(bytes: Uint8Array): GrayImage {
  const png = Buffer.from(bytes);
  if (png.length < PNG_SIGNATURE.length || !png.subarray(0, 8).equals(PNG_SIGNATURE)) throw bad('the PNG signature is missing');
  let offset = 8;
  let header: { width: number; height: number; bitDepth: number } | undefined;
  const idat: Buffer[] = [];
  let ended = false;
  for (let count = 0; !ended; count += 1) {
    if (count >= CHUNKS_MAX) throw bad('too many chunks');
    if (offset + 12 > png.length) throw bad('a chunk is cut short');
    const length = png.readUInt32BE(offset);
    if (length > png.length - offset - 12) throw bad('a chunk is longer than the bytes present');
    const type = png.toString('latin1', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (crc32(png.subarray(offset + 4, offset + 8 + length)) !== png.readUInt32BE(offset + 8 + length)) throw bad(`the CRC of a ${/^[A-Za-z]{4}$/.test(type) ? type : '?'} chunk does not match`);
    offset += 12 + length;
    if (count === 0 && type !== 'IHDR') throw bad('it does not start with IHDR');
    if (type === 'IHDR') {
      if (count !== 0 || length !== 13) throw bad('IHDR is misplaced or of the wrong size');
      const width = data.readUInt32BE(0);
      const height = data.readUInt32BE(4);
      assertSize(width, height);
      const [bitDepth, colourType, compression, filter, interlace] = [data[8], data[9], data[10], data[11], data[12]];
      if (colourType !== 0 || (bitDepth !== 1 && bitDepth !== 8)) throw bad('only greyscale with bit depth 1 or 8 is accepted');
      if (compression !== 0 || filter !== 0 || interlace !== 0) throw bad('only non-interlaced images with the standard compression are accepted');
      header = { width, height, bitDepth };
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') ended = true;
    else if ((type.charCodeAt(0) & 0x20) === 0) throw bad('it has a critical chunk other than IHDR, IDAT and IEND');
  }
  if (offset !== png.length) throw bad('bytes follow IEND');
  if (header === undefined || idat.length === 0) throw bad('IHDR or IDAT is missing');
  const { width, height, bitDepth } = header;
  const stride = Math.ceil((width * bitDepth) / 8);
  const expected = (stride + 1) * height;
  let raw: Buffer;
  try {
    raw = inflateSync(Buffer.concat(idat), { maxOutputLength: expected });
  } catch {
    throw bad('the image data does not inflate to its stated size');
  }
  if (raw.length !== expected) throw bad('the image data does not inflate to its stated size');
  const pixels = Buffer.alloc(width * height);
  let previous = Buffer.alloc(stride);
  const bytesPerPixel = 1;
  for (let row = 0; row < height; row += 1) {
    const start = row * (stride + 1);
    const filter = raw[start] as number;
    const line = Buffer.from(raw.subarray(start + 1, start + 1 + stride));
    for (let i = 0; i < stride; i += 1) {
      const left = i >= bytesPerPixel ? (line[i - bytesPerPixel] as number) : 0;
      const up = previous[i] as number;
      const upLeft = i >= bytesPerPixel ? (previous[i - bytesPerPixel] as number) : 0;
      const value = line[i] as number;
      if (filter === 0) continue;
      else if (filter === 1) line[i] = (value + left) & 0xff;
      else if (filter === 2) line[i] = (value + up) & 0xff;
      else if (filter === 3) line[i] = (value + ((left + up) >> 1)) & 0xff;
      else if (filter === 4) line[i] = (value + paeth(left, up, upLeft)) & 0xff;
      else throw bad('a row has an unknown filter type');
    }
    for (let x = 0; x < width; x += 1) {
      pixels[row * width + x] = bitDepth === 8 ? (line[x] as number) : ((line[x >> 3] as number) >> (7 - (x & 7))) & 1 ? 255 : 0;
    }
    previous = line;
  }
  return { width, height, pixels };
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}
