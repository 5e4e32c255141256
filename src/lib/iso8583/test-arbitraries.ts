import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { ByteWriter } from './codec/cursor.js';
import { IsoMessage } from './message.js';
import type { MessageCodec } from './message-codec.js';
import { defineSpec, type FieldEncoding, type FieldSpec, type FieldType, type MessageSpec, type PrefixEncoding, type SubfieldSpec } from './spec.js';

/**
 * Test support for the ISO 8583 engine (left out of the build by its `test-*` name): fast-check
 * arbitraries that build valid messages for any spec from its field specs alone, a normal form
 * for comparing messages, mutations of packed messages for fuzzing, the shipped specs found on
 * disk, and ad-hoc specs that together use every type × encoding × prefix the codec supports.
 */

type TextType = Exclude<FieldType, 'b'>;

const digits = '0123456789';
const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const printable = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)).join('');

/** The characters a text type allows (for `xn`, after the sign). */
export const charactersOf: Readonly<Record<TextType, string>> = {
  n: digits,
  xn: digits,
  z: `${digits}=ABCEF`,
  an: `${letters}${digits} `,
  ans: printable,
};

/** The characters of an ASCII string, one by one. */
function charactersIn(text: string): string[] {
  return Array.from({ length: text.length }, (_, index) => text.charAt(index));
}

const unitOf: Readonly<Record<TextType, fc.Arbitrary<string>>> = {
  n: fc.constantFrom(...charactersIn(charactersOf.n)),
  xn: fc.constantFrom(...charactersIn(charactersOf.xn)),
  z: fc.constantFrom(...charactersIn(charactersOf.z)),
  an: fc.constantFrom(...charactersIn(charactersOf.an)),
  ans: fc.constantFrom(...charactersIn(charactersOf.ans)),
};

/** Exactly `count` characters of `type`; an `xn` value starts with its sign, C or D, before them. */
function textOf(type: TextType, count: number, withSign: boolean): fc.Arbitrary<string> {
  const unit = unitOf[type];
  const body = fc.string({ unit, minLength: count, maxLength: count });
  return withSign ? fc.tuple(fc.constantFrom('C', 'D'), body).map(([sign, rest]) => sign + rest) : body;
}

export interface ValueOptions {
  /**
   * Variable fields get lengths from 0 to this many units, and now and then their maximum when
   * that is at most `fullLengthMax`; keeps messages small without missing the edges.
   */
  readonly variableUnitsMax: number;
  readonly fullLengthMax: number;
}

const defaultValueOptions: ValueOptions = { variableUnitsMax: 40, fullLengthMax: 999 };

function unitCount(spec: FieldSpec, options: ValueOptions): fc.Arbitrary<number> {
  if (spec.prefix === undefined) return fc.constant(spec.length);
  const usual = fc.integer({ min: 0, max: Math.min(spec.length, options.variableUnitsMax) });
  return spec.length <= options.fullLengthMax ? fc.oneof({ weight: 6, arbitrary: usual }, { weight: 1, arbitrary: fc.constant(spec.length) }) : usual;
}

/** A valid value for one field spec: bytes, a string of its characters, or a composite object. */
export function fieldValueArbitrary(spec: FieldSpec, options: ValueOptions = defaultValueOptions): fc.Arbitrary<unknown> {
  if (spec.subfields !== undefined) return compositeArbitrary(spec, spec.subfields);
  if (spec.type === 'b') return unitCount(spec, options).chain((count) => fc.uint8Array({ minLength: count, maxLength: count }));
  const type = spec.type;
  return unitCount(spec, options).chain((count) => textOf(type, count, type === 'xn'));
}

/**
 * A composite value: every required sub-field, then a run of the optional ones, the variable last
 * one 1 to its length long. A fixed-length parent only gets layouts that fill it exactly.
 */
function compositeArbitrary(spec: FieldSpec, subfields: readonly SubfieldSpec[]): fc.Arbitrary<Record<string, string>> {
  if (spec.type === 'b') throw new Error('binary fields have no sub-fields');
  const type = spec.type;
  const signChars = type === 'xn' ? 1 : 0;
  const requiredCount = subfields.filter((sub) => sub.optional !== true).length;
  const layouts: { present: number; lengths: fc.Arbitrary<number[]> }[] = [];
  for (let present = requiredCount; present <= subfields.length; present++) {
    const chosen = subfields.slice(0, present);
    const last = chosen[chosen.length - 1];
    const fixedPart = chosen.reduce((sum, sub) => sum + (sub.variable === true ? 0 : sub.length), 0);
    const heads = chosen.filter((sub) => sub.variable !== true).map((sub) => sub.length);
    if (last?.variable === true) {
      let min = 1;
      let max = last.length;
      if (spec.prefix === undefined) min = max = spec.length + signChars - fixedPart;
      else max = Math.min(max, spec.length + signChars - fixedPart);
      if (min < 1 || min > last.length || max < min) continue;
      layouts.push({ present, lengths: fc.integer({ min, max }).map((tail) => [...heads, tail]) });
    } else {
      const units = fixedPart - signChars;
      if (spec.prefix === undefined ? units !== spec.length : units > spec.length) continue;
      layouts.push({ present, lengths: fc.constant(heads) });
    }
  }
  if (layouts.length === 0) throw new Error(`no layout of sub-fields fits field ${spec.description}`);
  return fc
    .oneof(...layouts.map((layout) => layout.lengths))
    .chain((lengths) =>
      fc.tuple(...lengths.map((length, index) => textOf(type, index === 0 ? length - signChars : length, index === 0 && signChars === 1))),
    )
    .map((parts) => {
      const out: Record<string, string> = {};
      parts.forEach((part, index) => {
        out[(subfields[index] as SubfieldSpec).key] = part;
      });
      return out;
    });
}

export interface MessageOptions extends Partial<ValueOptions> {
  /** The fields to draw from (default: every field the spec defines). */
  readonly fields?: readonly number[];
  /** At most this many fields in a message (default: any number). */
  readonly fieldsMax?: number;
  /** Every one of `fields` in every message, instead of a random subset of them. */
  readonly allFields?: boolean;
}

/** Defined field numbers of a spec, ascending. */
export function definedFields(spec: MessageSpec): number[] {
  return Object.keys(spec.fields)
    .map(Number)
    .sort((a, b) => a - b);
}

/**
 * Valid messages of `spec`: a 4-digit MTI and a random set of its fields with valid values. One
 * draw in four keeps to fields 2–64, so messages without a secondary bitmap come up too.
 * Choosing random subsets, fc.subarray may also choose none: messages with no fields at all.
 */
export function messageArbitrary<S extends MessageSpec>(spec: S, options: MessageOptions = {}): fc.Arbitrary<IsoMessage<S>> {
  const valueOptions: ValueOptions = { ...defaultValueOptions, ...options };
  const fields = options.fields ?? definedFields(spec);
  const values = new Map(fields.map((field) => [field, fieldValueArbitrary(spec.fields[field] as FieldSpec, valueOptions)]));
  const primaryOnly = fields.filter((field) => field <= 64);
  const limit = options.fieldsMax === undefined ? {} : { maxLength: options.fieldsMax };
  const chosen =
    options.allFields === true
      ? fc.constant(fields)
      : fc.oneof({ weight: 3, arbitrary: fc.subarray([...fields], limit) }, { weight: 1, arbitrary: fc.subarray(primaryOnly, limit) });
  return fc
    .tuple(
      textOf('n', 4, false),
      chosen.chain((present) => fc.tuple(...present.map((field) => (values.get(field) as fc.Arbitrary<unknown>).map((value) => [field, value] as const)))),
    )
    .map(([mti, entries]) => {
      const message = new IsoMessage(spec, mti);
      for (const [field, value] of entries) message.set(field, value as never);
      return message;
    });
}

/** A message in plain, comparable form: bytes as hex, composites as objects of their present parts. */
export function messageSnapshot(message: IsoMessage): { mti: string; fields: Record<number, unknown> } {
  const fields: Record<number, unknown> = {};
  for (const field of message.fieldNumbers()) {
    const value = message.valueAt(field);
    if (value instanceof Uint8Array) fields[field] = `hex:${Buffer.from(value).toString('hex')}`;
    else if (typeof value === 'object' && value !== null) fields[field] = Object.fromEntries(Object.entries(value).filter(([, part]) => part !== undefined));
    else fields[field] = value;
  }
  return { mti: message.mti, fields };
}

// ---- mutations ---------------------------------------------------------------------------------

/** Where the parts of a packed message are: header sizes, and each field's offset and prefix. */
export interface PackedLayout {
  readonly mtiBytes: number;
  readonly bitmapBytes: number;
  readonly fields: readonly PackedField[];
}

export interface PackedField {
  readonly field: number;
  readonly offset: number;
  readonly bytes: number;
  readonly prefixBytes: number;
  readonly prefixEncoding: PrefixEncoding | undefined;
}

function prefixBytes(spec: FieldSpec): number {
  if (spec.prefix === undefined) return 0;
  const digitsCount = spec.prefix === 'LL' ? 2 : 3;
  const encoding = spec.prefixEncoding as PrefixEncoding;
  return encoding === 'ascii' || encoding === 'ebcdic' ? digitsCount : digitsCount - 1;
}

/** The layout of `pack(message)`, found by packing each field on its own. */
export function packedLayout(codec: MessageCodec, message: IsoMessage): PackedLayout {
  const spec = codec.spec;
  const mtiBytes = spec.mti.encoding === 'bcd' ? 2 : 4;
  const numbers = message.fieldNumbers();
  const bitmapBytes = (numbers.some((field) => field > 64) ? 16 : 8) * (spec.bitmap.encoding === 'binary' ? 1 : 2);
  let offset = mtiBytes + bitmapBytes;
  const fields = numbers.map((field) => {
    const fieldCodec = codec.fieldCodec(field);
    if (fieldCodec === undefined) throw new Error(`field ${field} is not in spec ${spec.name}`);
    const writer = new ByteWriter(16);
    fieldCodec.pack(message.valueAt(field), writer);
    const entry: PackedField = { field, offset, bytes: writer.length, prefixBytes: prefixBytes(fieldCodec.spec), prefixEncoding: fieldCodec.spec.prefixEncoding };
    offset += writer.length;
    return entry;
  });
  return { mtiBytes, bitmapBytes, fields };
}

export type MutationKind = 'bit-flip' | 'byte-replace' | 'truncate' | 'extend' | 'length-prefix' | 'bitmap' | 'splice';
export const mutationKinds: readonly MutationKind[] = ['bit-flip', 'byte-replace', 'truncate', 'extend', 'length-prefix', 'bitmap', 'splice'];

/** One mutation, drawn independently of the message; `applyMutation` scales its numbers to it. */
export interface Mutation {
  readonly kind: MutationKind;
  readonly position: number;
  readonly value: number;
  readonly bytes: Uint8Array;
}

export const mutationArbitrary: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom(...mutationKinds),
  position: fc.nat(),
  value: fc.nat(),
  bytes: fc.uint8Array({ minLength: 1, maxLength: 24 }),
});

/** A changed copy of `packed` (which `layout` describes); never the same array. */
export function applyMutation(packed: Uint8Array, layout: PackedLayout, mutation: Mutation): Buffer {
  const out = Buffer.from(packed);
  const { position, value } = mutation;
  const at = out.length === 0 ? 0 : position % out.length;
  switch (mutation.kind) {
    case 'bit-flip':
      if (out.length > 0) out[at] = (out[at] as number) ^ (1 << value % 8);
      return out;
    case 'byte-replace':
      if (out.length > 0) out[at] = value % 256;
      return out;
    case 'truncate':
      return out.subarray(0, position % Math.max(out.length, 1));
    case 'extend':
      return Buffer.concat([out, mutation.bytes]);
    case 'splice': {
      // Replace a run of bytes with a run of another length, shifting everything after it.
      const end = Math.min(out.length, at + (value % 8));
      return Buffer.concat([out.subarray(0, at), mutation.bytes, out.subarray(end)]);
    }
    case 'bitmap': {
      const start = layout.mtiBytes;
      const index = start + (position % Math.max(layout.bitmapBytes, 1));
      if (index < out.length) out[index] = value % 3 === 0 ? value % 256 : (out[index] as number) ^ (1 << value % 8);
      return out;
    }
    case 'length-prefix': {
      const prefixed = layout.fields.filter((field) => field.prefixBytes > 0);
      if (prefixed.length === 0) {
        if (out.length > 0) out[at] = (out[at] as number) ^ 0xff;
        return out;
      }
      const target = prefixed[position % prefixed.length] as PackedField;
      const mode = value % 5;
      if (mode === 0) {
        // One arbitrary byte in the prefix.
        const index = target.offset + ((value >> 3) % target.prefixBytes);
        if (index < out.length) out[index] = (value >> 6) % 256;
        return out;
      }
      // Otherwise a plausible but wrong count, written properly: one more, one less, tiny, any.
      const current = readCount(out, target);
      const counts = [0, current + 1, current - 1, (value >> 3) % 4, (value >> 3) % 1000];
      writeCount(out, target, Math.max(0, counts[mode] as number));
      return out;
    }
  }
}

/** The count in a field's length prefix as written (digits read as they stand, even if not digits). */
export function readCount(bytes: Uint8Array, target: PackedField): number {
  const { offset, prefixBytes: size, prefixEncoding } = target;
  let count = 0;
  for (let i = 0; i < size && offset + i < bytes.length; i++) {
    const byte = bytes[offset + i] as number;
    if (prefixEncoding === 'binary') count = count * 256 + byte;
    else if (prefixEncoding === 'bcd') count = count * 100 + (byte >> 4) * 10 + (byte & 0x0f);
    else count = count * 10 + (byte & 0x0f);
  }
  return count;
}

/**
 * Overwrites a field's length prefix with `count` in the prefix's encoding, keeping the digits
 * that fit (so 1000 in an LLL prefix becomes 000); does nothing where the bytes end first.
 */
export function writeCount(out: Uint8Array, target: PackedField, count: number): void {
  const { offset, prefixBytes: size, prefixEncoding } = target;
  if (offset + size > out.length) return;
  for (let i = size - 1, rest = count; i >= 0; i--) {
    if (prefixEncoding === 'binary') {
      out[offset + i] = rest & 0xff;
      rest >>= 8;
    } else if (prefixEncoding === 'bcd') {
      out[offset + i] = (Math.floor(rest / 10) % 10 << 4) | rest % 10;
      rest = Math.floor(rest / 100);
    } else {
      out[offset + i] = (prefixEncoding === 'ascii' ? 0x30 : 0xf0) + (rest % 10);
      rest = Math.floor(rest / 10);
    }
  }
}

// ---- specs -------------------------------------------------------------------------------------

function isMessageSpec(value: unknown): value is MessageSpec {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<MessageSpec>;
  return typeof candidate.name === 'string' && typeof candidate.mti === 'object' && typeof candidate.bitmap === 'object' && typeof candidate.fields === 'object';
}

/**
 * Every spec shipped in `specs/`, found by loading each module there and keeping the exports
 * shaped like a spec (a registry module's exports are included and deduplicated by name), so a
 * dialect added later is tested without editing the tests.
 */
export async function shippedSpecs(): Promise<MessageSpec[]> {
  const folder = join(dirname(fileURLToPath(import.meta.url)), 'specs');
  const byName = new Map<string, MessageSpec>();
  const files = readdirSync(folder).filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && !file.startsWith('test-'));
  for (const file of files.sort()) {
    const module = (await import(pathToFileURL(join(folder, file)).href)) as Record<string, unknown>;
    const found: unknown[] = [];
    for (const exported of Object.values(module)) {
      if (isMessageSpec(exported)) found.push(exported);
      else if (exported instanceof Map) found.push(...Array.from((exported as Map<unknown, unknown>).values()));
      else if (Array.isArray(exported)) found.push(...(exported as unknown[]));
      else if (typeof exported === 'object' && exported !== null) found.push(...Object.values(exported as Record<string, unknown>));
    }
    for (const spec of found) if (isMessageSpec(spec) && !byName.has(spec.name)) byName.set(spec.name, spec);
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** The type × encoding pairs the codec accepts. */
export const typeEncodings: readonly (readonly [FieldType, FieldEncoding])[] = [
  ['b', 'binary'],
  ['b', 'hex'],
  ['n', 'bcd'],
  ['n', 'bcd-left'],
  ['n', 'ascii'],
  ['n', 'ebcdic'],
  ['z', 'bcd'],
  ['z', 'bcd-left'],
  ['z', 'ascii'],
  ['z', 'ebcdic'],
  ['an', 'ascii'],
  ['an', 'ebcdic'],
  ['ans', 'ascii'],
  ['ans', 'ebcdic'],
  ['xn', 'ascii'],
  ['xn', 'ebcdic'],
];

export const prefixEncodings: readonly PrefixEncoding[] = ['bcd', 'ascii', 'ebcdic', 'binary'];
export const mtiEncodings: readonly MessageSpec['mti']['encoding'][] = ['bcd', 'ascii', 'ebcdic'];
export const bitmapEncodings: readonly MessageSpec['bitmap']['encoding'][] = ['binary', 'hex', 'ebcdic-hex'];

/**
 * One field spec for each type × encoding × prefix (none, LL and LLL in each prefix encoding),
 * with odd and even fixed lengths and both pad nibbles for BCD, and maxima a binary prefix needs
 * more than 99 / 999 for. Then composites: optional and variable sub-fields, a fixed composite.
 */
export function coverageFieldSpecs(): FieldSpec[] {
  const out: FieldSpec[] = [];
  for (const [type, encoding] of typeEncodings) {
    const isBcd = encoding === 'bcd' || encoding === 'bcd-left';
    const pads: readonly (0 | 15)[] = isBcd ? [0, 15] : [0];
    for (const padNibble of pads) {
      const base = { type, encoding, ...(padNibble === 15 ? { padNibble } : {}) };
      for (const length of isBcd ? [7, 8] : [type === 'b' ? 8 : 5]) {
        out.push({ description: `${type} ${encoding} fixed ${length} pad ${padNibble}`, ...base, length });
      }
      for (const prefix of ['LL', 'LLL'] as const) {
        for (const prefixEncoding of prefixEncodings) {
          const binary = prefixEncoding === 'binary';
          const length = prefix === 'LL' ? (binary ? 200 : 99) : binary ? 1100 : 999;
          out.push({ description: `${type} ${encoding} ${prefix} ${prefixEncoding} pad ${padNibble}`, ...base, length, prefix, prefixEncoding });
        }
      }
    }
  }
  out.push(
    {
      description: 'composite n bcd-left LLL bcd, optional tail, pad F',
      type: 'n',
      encoding: 'bcd-left',
      padNibble: 15,
      length: 17,
      prefix: 'LLL',
      prefixEncoding: 'bcd',
      subfields: [
        { key: 'type', path: 'c1.1', description: 'type', length: 2 },
        { key: 'batch', path: 'c1.2', description: 'batch', length: 6 },
        { key: 'network', path: 'c1.3', description: 'network', length: 3, optional: true },
        { key: 'flag', path: 'c1.4', description: 'flag', length: 1, optional: true },
      ],
    },
    {
      description: 'composite ans ascii LLL ascii, optional variable tail',
      type: 'ans',
      encoding: 'ascii',
      length: 163,
      prefix: 'LLL',
      prefixEncoding: 'ascii',
      subfields: [
        { key: 'code', path: 'c2.1', description: 'code', length: 3 },
        { key: 'data', path: 'c2.2', description: 'data', length: 160, optional: true, variable: true },
      ],
    },
    {
      description: 'composite an ebcdic fixed, optional sub-fields that must all be there',
      type: 'an',
      encoding: 'ebcdic',
      length: 10,
      subfields: [
        { key: 'head', path: 'c3.1', description: 'head', length: 4 },
        { key: 'middle', path: 'c3.2', description: 'middle', length: 3, optional: true },
        { key: 'tail', path: 'c3.3', description: 'tail', length: 3, optional: true },
      ],
    },
    {
      description: 'composite n ascii LL binary, required variable tail',
      type: 'n',
      encoding: 'ascii',
      length: 12,
      prefix: 'LL',
      prefixEncoding: 'binary',
      subfields: [
        { key: 'kind', path: 'c4.1', description: 'kind', length: 2 },
        { key: 'rest', path: 'c4.2', description: 'rest', length: 10, variable: true },
      ],
    },
    {
      description: 'composite z bcd LL ebcdic, fixed parts and a variable tail',
      type: 'z',
      encoding: 'bcd',
      length: 37,
      prefix: 'LL',
      prefixEncoding: 'ebcdic',
      subfields: [
        { key: 'pan', path: 'c5.1', description: 'pan', length: 16 },
        { key: 'separator', path: 'c5.2', description: 'separator', length: 1 },
        { key: 'discretionary', path: 'c5.3', description: 'discretionary', length: 20, optional: true, variable: true },
      ],
    },
    {
      description: 'composite ans ebcdic fixed, variable tail filling it',
      type: 'ans',
      encoding: 'ebcdic',
      length: 12,
      subfields: [
        { key: 'a', path: 'c6.1', description: 'a', length: 4 },
        { key: 'b', path: 'c6.2', description: 'b', length: 8, variable: true },
      ],
    },
  );
  return out;
}

/**
 * Ad-hoc specs that between them hold every coverage field spec, in each MTI × bitmap encoding.
 * Fields are dealt out round-robin over 2–128 so each spec has fields on both bitmaps.
 */
export function coverageSpecs(): MessageSpec[] {
  const fieldSpecs = coverageFieldSpecs();
  const perSpec = 127;
  const groupCount = Math.ceil(fieldSpecs.length / perSpec);
  const groups: FieldSpec[][] = Array.from({ length: groupCount }, () => []);
  fieldSpecs.forEach((fieldSpec, index) => (groups[index % groupCount] as FieldSpec[]).push(fieldSpec));
  const specs: MessageSpec[] = [];
  groups.forEach((group, groupIndex) => {
    for (const mti of mtiEncodings) {
      for (const bitmap of bitmapEncodings) {
        const fields: Record<number, FieldSpec> = {};
        // Spread the group over 2..128 so the last fields land on the secondary bitmap.
        group.forEach((fieldSpec, index) => {
          fields[2 + Math.floor((index * 126) / Math.max(group.length - 1, 1))] = fieldSpec;
        });
        specs.push(defineSpec({ name: `coverage-${groupIndex + 1}-${mti}-${bitmap}`, description: 'ad-hoc coverage spec', mti: { encoding: mti }, bitmap: { encoding: bitmap }, fields }));
      }
    }
  });
  return specs;
}
