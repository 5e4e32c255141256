import { BastionError } from '../../errors/index.js';

/** Where unpacking is in the message: the bytes and the offset of the next unread byte. */
export interface ReadCursor {
  readonly bytes: Uint8Array;
  offset: number;
}

/** Throws ISO_ERR_LENGTH unless `count` more bytes are available at the cursor. */
export function requireBytes(cursor: ReadCursor, count: number, field: string): void {
  if (cursor.offset + count > cursor.bytes.length) {
    throw new BastionError('ISO_ERR_LENGTH', `field ${field} needs ${count} bytes at offset ${cursor.offset} but the message ends at ${cursor.bytes.length}`, {
      field,
      offset: cursor.offset,
      needed: count,
    });
  }
}

/**
 * A growable output buffer for packing: one allocation for most messages, doubling when a large
 * one needs more. The packed message is returned as a copy of exactly its length.
 */
export class ByteWriter {
  private buffer: Buffer;
  length = 0;

  constructor(initialBytes = 512) {
    this.buffer = Buffer.allocUnsafe(initialBytes);
  }

  /** Makes room for `count` more bytes and returns the offset to write them at. */
  reserve(count: number): number {
    const start = this.length;
    const needed = start + count;
    if (needed > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.buffer.length * 2));
      this.buffer.copy(grown, 0, 0, start);
      this.buffer = grown;
    }
    this.length = needed;
    return start;
  }

  get bytes(): Buffer {
    return this.buffer;
  }

  writeByte(value: number): void {
    const at = this.reserve(1);
    this.buffer[at] = value;
  }

  writeBytes(source: Uint8Array): void {
    const at = this.reserve(source.length);
    this.buffer.set(source, at);
  }

  /** The written bytes, copied into a buffer of their own. */
  result(): Buffer {
    return Buffer.from(this.buffer.subarray(0, this.length));
  }
}
