import { BastionError } from '../errors/index.js';
import { ByteWriter, type ReadCursor } from './codec/cursor.js';
import { compileField, type FieldCodec } from './codec/field-codec.js';
import { readBitmapInto, readMti, requireNothingLeft, writeBitmap, writeMti } from './codec/header-parts.js';
import { IsoMessage } from './message.js';
import type { MessageSpec } from './spec.js';

/** The largest message the codec unpacks or packs (bytes); real ones are a few hundred. */
export const messageBytesMax = 64 * 1024;

/**
 * A spec compiled once into per-field codecs. `unpack` reads MTI, bitmap(s) and each present
 * field in order, and refuses trailing bytes; it throws only BastionError (ISO_ERR_*), touches
 * each byte once and allocates in proportion to the message. `pack` is its inverse.
 */
export class MessageCodec<S extends MessageSpec = MessageSpec> {
  readonly spec: S;
  private readonly codecs: (FieldCodec | undefined)[] = [];
  /** The bitmap of the message being unpacked; unpack is synchronous, so one per codec is enough. */
  private readonly bitmap = new Uint8Array(16);

  constructor(spec: S) {
    this.spec = spec;
    for (const [key, fieldSpec] of Object.entries(spec.fields)) {
      const field = Number(key);
      if (!Number.isInteger(field) || field < 2 || field > 128) {
        throw new BastionError('ISO_ERR_SPEC', `spec ${spec.name} defines field ${key}; fields are numbered 2 to 128`, { field: key });
      }
      this.codecs[field] = compileField(String(field), fieldSpec);
    }
  }

  /** The compiled codec of a field (for describe and sub-field tools). */
  fieldCodec(field: number): FieldCodec | undefined {
    return this.codecs[field];
  }

  unpack(bytes: Uint8Array): IsoMessage<S> {
    if (bytes.length > messageBytesMax) {
      throw new BastionError('ISO_ERR_LENGTH', `a message may be at most ${messageBytesMax} bytes, got ${bytes.length}`, { field: 'message', offset: 0 });
    }
    const cursor: ReadCursor = { bytes, offset: 0 };
    const message = new IsoMessage(this.spec, readMti(this.spec.mti.encoding, cursor));
    const bitmap = this.bitmap;
    const bitmapBytes = readBitmapInto(this.spec.bitmap.encoding, cursor, bitmap);
    for (let index = 0; index < bitmapBytes; index++) {
      const byte = bitmap[index] as number;
      if (byte === 0) continue;
      for (let bit = 0; bit < 8; bit++) {
        if ((byte & (0x80 >> bit)) === 0) continue;
        const field = index * 8 + bit + 1;
        if (field === 1) continue; // the secondary bitmap, already read
        const codec = this.codecs[field];
        if (codec === undefined) {
          throw new BastionError('ISO_ERR_BITMAP', `the bitmap marks field ${field}, which spec ${this.spec.name} does not define`, { field: String(field), offset: cursor.offset });
        }
        message.setUnchecked(field, codec.unpack(cursor));
      }
    }
    requireNothingLeft(cursor);
    return message;
  }

  pack(message: IsoMessage<S>): Buffer {
    const writer = new ByteWriter();
    writeMti(this.spec.mti.encoding, message.mti, writer);
    const present: boolean[] = [];
    const fields = message.fieldNumbers();
    for (const field of fields) present[field] = true;
    writeBitmap(this.spec.bitmap.encoding, present, writer);
    for (const field of fields) {
      const codec = this.codecs[field];
      if (codec === undefined) throw new BastionError('ISO_ERR_FIELD_UNKNOWN', `field ${field} is not defined in spec ${this.spec.name}`, { field: String(field) });
      codec.pack(message.valueAt(field), writer);
    }
    if (writer.length > messageBytesMax) {
      throw new BastionError('ISO_ERR_FIELD_VALUE', `the packed message would be ${writer.length} bytes, over the maximum of ${messageBytesMax}`, { field: 'message' });
    }
    return writer.result();
  }
}
