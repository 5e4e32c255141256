import { toHex } from '../crypto/bytes.js';
import { isBastionError } from '../errors/index.js';
import { emvTagInfo, isTlvConstructed, parseTlv, tlvDisplayPolicy, tlvTagHex, type TlvNode } from '../tlv/index.js';
import type { IsoMessage } from './message.js';
import type { FieldSpec, FieldType, MessageSpec, Sensitivity } from './spec.js';

/**
 * A message for people and logs: a multi-line dump (`describe`) and a plain JSON object
 * (`describeJson`). Card data is masked by default from each field's `sensitivity`: the PAN keeps
 * its first 6 and last 4 digits (the most PCI DSS 3.4 lets anyone see), tracks, PIN blocks, keys
 * and MACs are replaced by a note of their length. A TLV field (55) is listed tag by tag, each
 * value shown, masked or hidden by the EMV tag dictionary's display policy (`tlvDisplayPolicy`):
 * terminal settings and amounts shown, the PAN (5A) masked, track equivalents, cryptograms and
 * their inputs and unknown tags hidden. Showing card data in clear takes an explicit
 * `{ unmasked: true }`, which logging code never passes.
 *
 * The JSON form has the shape the CLI's `encode` reads — `{ spec, mti, fields }` with binary values
 * as uppercase hex, composite fields as objects of sub-fields and TLV fields as lists of
 * `{ tag, name, value | children }` — so an unmasked description can be edited and packed again.
 */
export interface DescribeOptions {
  /** Show card data in clear: only for a person debugging with test cards, never for logs. */
  readonly unmasked?: boolean;
}

/** One BER-TLV data object of a TLV field, as the JSON form lists it. */
export interface TlvDescription {
  /** The tag in hex, e.g. `9F26`. */
  readonly tag: string;
  /** The tag's name from the EMV dictionary; absent for tags it does not list. */
  readonly name?: string;
  /** A primitive's value: uppercase hex, or a mask note. */
  readonly value?: string;
  /** A template's data objects. */
  readonly children?: readonly TlvDescription[];
}

/** A field's value in the JSON form: text (or hex, or a mask note), sub-fields by key, or a TLV list. */
export type DescribedValue = string | Readonly<Record<string, string>> | readonly TlvDescription[];

export interface MessageJson {
  readonly spec: string;
  readonly mti: string;
  /** By field number, in ascending order. */
  readonly fields: Readonly<Record<string, DescribedValue>>;
}

/** One line of the dump below a field: a sub-field of a composite, or a TLV data object. */
interface DetailLine {
  readonly label: string;
  readonly description: string;
  /** Empty for a TLV template, whose objects follow one level deeper. */
  readonly value: string;
  /** TLV nesting below the field, 0 for its top-level objects and for sub-fields. */
  readonly depth: number;
}

interface DescribedField {
  readonly field: number;
  readonly description: string;
  readonly json: DescribedValue;
  /** The value on the field's own line; empty when the value is spread over `details`. */
  readonly summary: string;
  readonly details: readonly DetailLine[];
}

/** The shortest PAN ISO/IEC 7812 allows; shorter values are hidden instead of masked. */
const panDigitsMin = 12;
const panShownFirst = 6;
const panShownLast = 4;

function countOf(count: number, unit: string): string {
  return `${count} ${count === 1 ? unit.slice(0, -1) : unit}`;
}

/** What a field's length counts, for notes like `[hidden, 8 bytes]`. */
function unitsOf(type: FieldType): string {
  if (type === 'b') return 'bytes';
  return type === 'an' || type === 'ans' ? 'characters' : 'digits';
}

/** First 6 and last 4 characters, the rest as `*`; values too short to keep 6 + 4 back are hidden. */
export function maskPan(pan: string): string {
  if (pan.length < panDigitsMin) return `[PAN hidden, ${countOf(pan.length, 'characters')}]`;
  return `${pan.slice(0, panShownFirst)}${'*'.repeat(pan.length - panShownFirst - panShownLast)}${pan.slice(-panShownLast)}`;
}

function hiddenNote(sensitivity: Sensitivity, length: number, units: string): string {
  const count = countOf(length, units);
  switch (sensitivity) {
    case 'track':
      return `[track data hidden, ${count}]`;
    case 'emv':
      return `[EMV data hidden, ${count}]`;
    case 'card-data':
      return `[card data hidden, ${count}]`;
    default:
      return `[hidden, ${count}]`;
  }
}

/** A plain value: text as it is, bytes as uppercase hex; anything else is reported, not shown. */
function plainValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return toHex(value);
  return '[not a field value]';
}

/** The length of a value in its field's units (bytes for binary values, characters for text). */
function lengthOf(value: unknown): number {
  return typeof value === 'string' || value instanceof Uint8Array ? value.length : 0;
}

function maskedValue(spec: FieldSpec, value: unknown): string {
  const sensitivity = spec.sensitivity;
  if (sensitivity === undefined) return plainValue(value);
  if (sensitivity === 'pan' && typeof value === 'string') return maskPan(value);
  const units = value instanceof Uint8Array ? 'bytes' : unitsOf(spec.type);
  return hiddenNote(sensitivity, lengthOf(value), units);
}

function describeComposite(field: number, spec: FieldSpec, value: unknown, unmasked: boolean): DescribedField {
  const parts = typeof value === 'object' && value !== null && !(value instanceof Uint8Array) ? (value as Readonly<Record<string, unknown>>) : undefined;
  if (parts === undefined) {
    const note = '[not a field value]';
    return { field, description: spec.description, json: note, summary: note, details: [] };
  }
  const json: Record<string, string> = {};
  const details: DetailLine[] = [];
  for (const sub of spec.subfields ?? []) {
    const part = parts[sub.key];
    if (part === undefined) continue;
    const shown =
      unmasked || spec.sensitivity === undefined
        ? plainValue(part)
        : hiddenNote(spec.sensitivity, lengthOf(part), unitsOf(spec.type));
    json[sub.key] = shown;
    details.push({ label: sub.path, description: sub.description, value: shown, depth: 0 });
  }
  return { field, description: spec.description, json, summary: '', details };
}

/** A card-number value (tag 5A is `cn`: digits, padded with F to whole bytes) masked as a PAN. */
function maskedPanBytes(value: Uint8Array): string {
  return maskPan(toHex(value).replace(/F+$/, ''));
}

function describeTlvNode(node: TlvNode, unmasked: boolean, depth: number, details: DetailLine[]): TlvDescription {
  const tag = tlvTagHex(node.tag);
  const name = emvTagInfo(node.tag)?.name;
  const named = name === undefined ? { tag } : { tag, name };
  const description = name ?? 'tag not in the EMV dictionary';
  if (isTlvConstructed(node)) {
    details.push({ label: tag, description, value: '', depth });
    return { ...named, children: node.children.map((child) => describeTlvNode(child, unmasked, depth + 1, details)) };
  }
  const policy = unmasked ? 'show' : tlvDisplayPolicy(node.tag);
  const value = policy === 'show' ? toHex(node.value) : policy === 'mask-pan' ? maskedPanBytes(node.value) : `[hidden, ${countOf(node.value.length, 'bytes')}]`;
  details.push({ label: tag, description, value, depth });
  return { ...named, value };
}

/** A TLV field: its data objects one by one; bytes that are not BER-TLV are treated like any binary field. */
function describeTlvField(field: number, spec: FieldSpec, value: unknown, unmasked: boolean): DescribedField {
  let nodes: TlvNode[] | undefined;
  if (value instanceof Uint8Array) {
    try {
      nodes = parseTlv(value);
    } catch (error) {
      if (!isBastionError(error)) throw error;
    }
  }
  if (nodes === undefined) {
    const shown = unmasked ? plainValue(value) : maskedValue(spec, value);
    return { field, description: spec.description, json: shown, summary: shown, details: [] };
  }
  const details: DetailLine[] = [];
  const json = nodes.map((node) => describeTlvNode(node, unmasked, 0, details));
  return { field, description: spec.description, json, summary: nodes.length === 0 ? '(no data objects)' : '', details };
}

function describeField(field: number, spec: FieldSpec, value: unknown, unmasked: boolean): DescribedField {
  if (spec.subfields !== undefined) return describeComposite(field, spec, value, unmasked);
  if (spec.tlv === true) return describeTlvField(field, spec, value, unmasked);
  const shown = unmasked ? plainValue(value) : maskedValue(spec, value);
  return { field, description: spec.description, json: shown, summary: shown, details: [] };
}

function describeFields(message: IsoMessage, options: DescribeOptions): DescribedField[] {
  const unmasked = options.unmasked === true;
  const out: DescribedField[] = [];
  for (const field of message.fieldNumbers()) {
    const spec = message.spec.fields[field];
    if (spec === undefined) continue; // IsoMessage.set refuses such fields; nothing to describe
    out.push(describeField(field, spec, message.valueAt(field), unmasked));
  }
  return out;
}

/** The message as a plain object, card data masked unless `unmasked` is set. */
export function describeJson<S extends MessageSpec>(message: IsoMessage<S>, options: DescribeOptions = {}): MessageJson {
  const fields: Record<string, DescribedValue> = {};
  for (const described of describeFields(message, options)) fields[String(described.field)] = described.json;
  return { spec: message.spec.name, mti: message.mti, fields };
}

const fieldNumberWidth = 4;
const detailIndent = ' '.repeat(fieldNumberWidth + 4);

/**
 * The message as text: the MTI and spec, then one line per field — number, description, value —
 * with the sub-fields of composite fields (60.1 …) and the data objects of TLV fields (9F26 …) on
 * indented lines below.
 */
export function describe<S extends MessageSpec>(message: IsoMessage<S>, options: DescribeOptions = {}): string {
  const lines = [`MTI ${message.mti}  (spec ${message.spec.name})`];
  for (const described of describeFields(message, options)) {
    const head = `${String(described.field).padStart(fieldNumberWidth)}  ${described.description}:`;
    lines.push(described.summary === '' ? head : `${head} ${described.summary}`);
    for (const detail of described.details) {
      const head = `${detailIndent}${'  '.repeat(detail.depth)}${detail.label}  ${detail.description}:`;
      lines.push(detail.value === '' ? head : `${head} ${detail.value}`);
    }
  }
  return lines.join('\n');
}
