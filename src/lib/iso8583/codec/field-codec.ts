import { BastionError } from '../../errors/index.js';
import type { FieldSpec, SubfieldSpec } from '../spec.js';
import { bodyCodec, type BodyCodec } from './body.js';
import { requireBytes, type ByteWriter, type ReadCursor } from './cursor.js';
import { prefixCodec, type PrefixCodec } from './prefix.js';
import { assertTextValue } from './text.js';

/** A field compiled from its spec: packs a value after a cursor, unpacks one from a cursor. */
export interface FieldCodec {
  readonly path: string;
  readonly spec: FieldSpec;
  pack(value: unknown, writer: ByteWriter): void;
  unpack(cursor: ReadCursor): unknown;
}

function specError(path: string, message: string): BastionError {
  return new BastionError('ISO_ERR_SPEC', `spec field ${path}: ${message}`, { field: path });
}

function valueError(path: string, message: string): BastionError {
  return new BastionError('ISO_ERR_FIELD_VALUE', `field ${path}: ${message}`, { field: path });
}

/** Validates a field spec and compiles it; spec mistakes surface once, at load time. */
export function compileField(path: string, spec: FieldSpec): FieldCodec {
  const body = bodyCodec(spec.type, spec.encoding, spec.padNibble ?? 0);
  if (body === undefined) throw specError(path, `type ${spec.type} can't use encoding ${spec.encoding}`);
  if (!Number.isInteger(spec.length) || spec.length < 1) throw specError(path, 'length must be a positive whole number');
  let prefix: PrefixCodec | undefined;
  if (spec.prefix !== undefined) {
    if (spec.prefixEncoding === undefined) throw specError(path, 'a variable-length field needs a prefixEncoding');
    prefix = prefixCodec(spec.prefix, spec.prefixEncoding);
    if (spec.length > prefix.countMax) throw specError(path, `maximum length ${spec.length} does not fit a ${spec.prefix} prefix`);
  }
  if (spec.tlv === true && spec.type !== 'b') throw specError(path, 'only binary fields can hold TLV data');
  const basic = basicCodec(path, spec, body, prefix);
  return spec.subfields === undefined ? basic : compositeCodec(path, spec, spec.subfields, basic);
}

function basicCodec(path: string, spec: FieldSpec, body: BodyCodec, prefix: PrefixCodec | undefined): FieldCodec {
  const isBinary = spec.type === 'b';
  const textType = spec.type === 'b' ? undefined : spec.type;
  const fixed = prefix === undefined;
  const lengthMax = spec.length;
  return {
    path,
    spec,
    pack(value, writer) {
      if (isBinary ? !(value instanceof Uint8Array) : typeof value !== 'string') {
        throw valueError(path, isBinary ? 'must be bytes' : 'must be a string');
      }
      const typed = value as string | Uint8Array;
      if (textType !== undefined) assertTextValue(textType, typed as string, path);
      const units = body.unitsOf(typed);
      if (fixed ? units !== lengthMax : units > lengthMax || units < 0) {
        throw valueError(path, fixed ? `must be exactly ${lengthMax} long, got ${units}` : `must be at most ${lengthMax} long, got ${units}`);
      }
      const byteCount = body.byteCount(units);
      const at = writer.reserve((prefix?.bytes ?? 0) + byteCount);
      const target = writer.bytes;
      if (prefix !== undefined) prefix.write(units, target, at);
      body.write(typed, target, at + (prefix?.bytes ?? 0), path);
    },
    unpack(cursor) {
      const start = cursor.offset;
      const units = prefix === undefined ? lengthMax : prefix.read(cursor, path);
      if (units > lengthMax) {
        throw new BastionError('ISO_ERR_LENGTH', `field ${path} declares length ${units}, over its maximum of ${lengthMax}`, { field: path, offset: start, declared: units });
      }
      const byteCount = body.byteCount(units);
      requireBytes(cursor, byteCount, path);
      const value = body.read(cursor.bytes, cursor.offset, units, path);
      cursor.offset += byteCount;
      return value;
    },
  };
}

/**
 * A composite field (UnionPay 48, 60, 61, 63): the parent is packed as one text value made of
 * positional sub-fields of fixed length; trailing sub-fields marked optional may be absent.
 */
function compositeCodec(path: string, spec: FieldSpec, subfields: readonly SubfieldSpec[], parent: FieldCodec): FieldCodec {
  if (spec.type === 'b') throw specError(path, 'a binary field cannot have sub-fields');
  let total = 0;
  let optionalSeen = false;
  subfields.forEach((sub, index) => {
    if (sub.variable === true && index !== subfields.length - 1) throw specError(sub.path, 'only the last sub-field can be variable');
  });
  for (const sub of subfields) {
    if (!Number.isInteger(sub.length) || sub.length < 1) throw specError(sub.path, 'sub-field length must be a positive whole number');
    if (optionalSeen && sub.optional !== true) throw specError(sub.path, 'a required sub-field cannot follow an optional one');
    optionalSeen ||= sub.optional === true;
    total += sub.length;
  }
  if (total > spec.length) throw specError(path, `sub-fields take ${total}, more than the field's ${spec.length}`);
  return {
    path,
    spec,
    pack(value, writer) {
      if (typeof value !== 'object' || value === null || value instanceof Uint8Array) throw valueError(path, 'must be an object of sub-fields');
      const parts = value as Readonly<Record<string, unknown>>;
      for (const key of Object.keys(parts)) {
        if (!subfields.some((sub) => sub.key === key)) {
          throw new BastionError('ISO_ERR_FIELD_UNKNOWN', `field ${path} has no sub-field ${JSON.stringify(key.slice(0, 40))}`, { field: path });
        }
      }
      let text = '';
      let ended = false;
      for (const sub of subfields) {
        const part = parts[sub.key];
        if (part === undefined) {
          if (sub.optional !== true) throw valueError(sub.path, 'is required');
          ended = true;
          continue;
        }
        if (ended) throw valueError(sub.path, 'cannot be given after an absent optional sub-field');
        const fits = typeof part === 'string' && (sub.variable === true ? part.length >= 1 && part.length <= sub.length : part.length === sub.length);
        if (!fits) throw valueError(sub.path, sub.variable === true ? `must be a string of 1 to ${sub.length}` : `must be a string of exactly ${sub.length}`);
        text += part;
      }
      parent.pack(text, writer);
    },
    unpack(cursor) {
      const start = cursor.offset;
      const text = parent.unpack(cursor) as string;
      const out: Record<string, string> = {};
      let position = 0;
      for (const sub of subfields) {
        if (position === text.length && sub.optional === true) break;
        if (sub.variable === true) {
          if (text.length - position > sub.length) break; // reported below as characters left over
          // A required variable sub-field takes at least one character, as pack demands.
          if (position === text.length) {
            throw new BastionError('ISO_ERR_LENGTH', `sub-field ${sub.path} needs 1 to ${sub.length} characters but none remain`, { field: sub.path, offset: start });
          }
          out[sub.key] = text.slice(position);
          position = text.length;
          break;
        }
        if (position + sub.length > text.length) {
          throw new BastionError('ISO_ERR_LENGTH', `sub-field ${sub.path} needs ${sub.length} characters but only ${text.length - position} remain`, {
            field: sub.path,
            offset: start,
          });
        }
        out[sub.key] = text.slice(position, position + sub.length);
        position += sub.length;
      }
      if (position !== text.length) {
        throw new BastionError('ISO_ERR_LENGTH', `field ${path} has ${text.length - position} characters after its last sub-field`, { field: path, offset: start });
      }
      return out;
    },
  };
}
