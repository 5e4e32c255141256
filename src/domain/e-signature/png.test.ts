import { crc32, deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { expectBastionError } from '../../lib/errors/test-helpers.js';
import { decodeGrayPng, encodeGrayPng, PNG_SIGNATURE } from './png.js';

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

function png(options: { width: number; height: number; bitDepth?: number; colourType?: number; interlace?: number; raw: Buffer; extra?: Buffer[] }): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(options.width, 0);
  ihdr.writeUInt32BE(options.height, 4);
  ihdr[8] = options.bitDepth ?? 8;
  ihdr[9] = options.colourType ?? 0;
  ihdr[12] = options.interlace ?? 0;
  return Buffer.concat([PNG_SIGNATURE, chunk('IHDR', ihdr), ...(options.extra ?? []), chunk('IDAT', deflateSync(options.raw)), chunk('IEND', Buffer.alloc(0))]);
}

describe('signature PNG', () => {
  const image = { width: 5, height: 3, pixels: Buffer.from([0, 10, 20, 30, 40, 255, 254, 253, 252, 251, 1, 2, 3, 4, 5]) };

  it('round-trips an 8-bit greyscale image', () => {
    expect(decodeGrayPng(encodeGrayPng(image))).toEqual(image);
  });

  it('undoes every row filter (None, Sub, Up, Average, Paeth) as PNG defines them', () => {
    // Rows of 3 pixels; the expected pixels are worked by hand from the filter definitions.
    const raw = Buffer.from([
      0, 10, 20, 30, // None: 10 20 30
      1, 5, 5, 5, // Sub: 5 10 15
      2, 1, 1, 1, // Up: 6 11 16
      3, 2, 2, 2, // Average: 2+(0+6)/2=5, 2+(5+11)/2=10, 2+(10+16)/2=15
      4, 1, 1, 1, // Paeth: a=0,b=5,c=0 → 5 → 6; a=6,b=10,c=5 → p=11, pa=5 pb=1 pc=6 → b=10 → 11; a=11,b=15,c=10 → p=16, pa=5 pb=1 pc=6 → 15 → 16
    ]);
    expect(decodeGrayPng(png({ width: 3, height: 5, raw })).pixels).toEqual(Buffer.from([10, 20, 30, 5, 10, 15, 6, 11, 16, 5, 10, 15, 6, 11, 16]));
  });

  it('reads 1-bit images as black and white', () => {
    const raw = Buffer.from([0, 0b10100000, 0, 0b01000000]);
    expect(decodeGrayPng(png({ width: 3, height: 2, bitDepth: 1, raw })).pixels).toEqual(Buffer.from([255, 0, 255, 0, 255, 0]));
  });

  it('refuses every single-byte change of a valid image', () => {
    const bytes = encodeGrayPng(image);
    for (let offset = 0; offset < bytes.length; offset += 1) {
      const changed = Buffer.from(bytes);
      changed[offset] = (changed[offset] as number) ^ 0x10;
      expectBastionError(() => decodeGrayPng(changed), 'ESIG_ERR_IMAGE');
    }
  });

  it('refuses colour, interlaced, oversized, inflating-too-far, truncated and trailing-byte images', () => {
    const row = (width: number) => Buffer.alloc(width + 1);
    expectBastionError(() => decodeGrayPng(png({ width: 1, height: 1, colourType: 2, raw: Buffer.alloc(4) })), 'ESIG_ERR_IMAGE');
    expectBastionError(() => decodeGrayPng(png({ width: 1, height: 1, interlace: 1, raw: row(1) })), 'ESIG_ERR_IMAGE');
    expectBastionError(() => decodeGrayPng(png({ width: 4096, height: 1, raw: row(4096) })), 'ESIG_ERR_IMAGE');
    expectBastionError(() => decodeGrayPng(png({ width: 2, height: 2, raw: Buffer.alloc(1_000_000) })), 'ESIG_ERR_IMAGE');
    expectBastionError(() => decodeGrayPng(png({ width: 2, height: 2, raw: Buffer.alloc(3) })), 'ESIG_ERR_IMAGE');
    expectBastionError(() => decodeGrayPng(png({ width: 1, height: 1, raw: row(1), extra: [chunk('ABCD', Buffer.alloc(1))] })), 'ESIG_ERR_IMAGE');
    const good = png({ width: 1, height: 1, raw: row(1) });
    expect(decodeGrayPng(png({ width: 1, height: 1, raw: row(1), extra: [chunk('tEXt', Buffer.from('a\0b'))] })).pixels).toEqual(Buffer.from([0]));
    expectBastionError(() => decodeGrayPng(Buffer.concat([good, Buffer.from([0])])), 'ESIG_ERR_IMAGE');
    expectBastionError(() => decodeGrayPng(good.subarray(0, good.length - 1)), 'ESIG_ERR_IMAGE');
    expectBastionError(() => decodeGrayPng(Buffer.from('GIF89a')), 'ESIG_ERR_IMAGE');
  });
});
