import { BastionError } from '../../../lib/errors/index.js';
import { IsoMessage, type FieldSpec, type MessageSpec } from '../../../lib/iso8583/index.js';
import { buildTlv, tlvDepthCeiling, tlvNodeCountCeiling, tlvTagFromHex, type TlvNodeInput } from '../../../lib/tlv/index.js';

/**
 * The JSON form `bastion iso8583 encode` reads — the shape `describeJson` prints:
 *
 *   { "spec": "unionpay-pos", "mti": "0200", "fields": { "2": "6222…", "52": "hex…", "60": { "typeCode": "22", … } } }
 *
 * Text and numeric fields are JSON strings (leading zeros matter, so numbers are refused), binary
 * fields hex strings, composite fields objects of sub-field strings, TLV fields (55) hex strings or
 * lists of `{ "tag": "9F26", "value": "hex" }` / `{ "tag": "70", "children": [...] }` (a `name`
 * member, as decode prints it, is ignored; lists are built with canonical lengths). Structural mistakes are
 * CLI_ERR_JSON; a value that does not fit its field is ISO_ERR_FIELD_VALUE naming the field, and
 * the value itself is never quoted back.
 */
export interface JsonRequest {
  /** The `spec` member, when the input names one. */
  readonly specName: string | undefined;
  readonly mti: string;
  readonly fields: Readonly<Record<string, unknown>>;
  /** Members other than spec, mti and fields, for the framing layer to claim (tpdu, header). */
  readonly extra: Readonly<Record<string, unknown>>;
}

function isPlainObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short, printable rendering of a name the input chose, for error messages. */
function quotedName(name: string): string {
  return JSON.stringify(name.length > 24 ? `${name.slice(0, 24)}…` : name);
}

/** Parses the text and checks the outer shape; the field values are checked against the spec later. */
export function parseJsonRequest(text: string): JsonRequest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // The parser's own message quotes the input, so it is not passed on.
    throw new BastionError('CLI_ERR_JSON', 'the input is not valid JSON');
  }
  if (!isPlainObject(value)) throw new BastionError('CLI_ERR_JSON', 'the input must be a JSON object {"mti": ..., "fields": {...}}');
  const { spec, mti, fields, ...extra } = value;
  if (spec !== undefined && typeof spec !== 'string') throw new BastionError('CLI_ERR_JSON', '"spec" must be a string', { argument: 'spec' });
  if (typeof mti !== 'string') throw new BastionError('CLI_ERR_JSON', 'the input needs "mti": four digits as a string', { argument: 'mti' });
  if (!isPlainObject(fields)) throw new BastionError('CLI_ERR_JSON', 'the input needs "fields": an object of field number → value', { argument: 'fields' });
  return { specName: spec, mti, fields, extra };
}

/** Refuses members the framing in use does not claim. */
export function refuseExtraMembers(extra: Readonly<Record<string, unknown>>, claimed: readonly string[]): void {
  for (const key of Object.keys(extra)) {
    if (!claimed.includes(key)) throw new BastionError('CLI_ERR_JSON', `the input has an unknown member ${quotedName(key)}`, { argument: 'json' });
  }
}

const hexBytesPattern = /^(?:[0-9A-Fa-f]{2})*$/;

const maskedMessage = 'holds a masked value; decode with --unmasked to get a value that can be encoded';

function valueError(field: string, message: string): BastionError {
  return new BastionError('ISO_ERR_FIELD_VALUE', `field ${field} ${message}`, { field });
}

/** Hex text → bytes; a mask note such as "[hidden, 8 bytes]" gets its own explanation. */
export function hexValue(value: unknown, field: string): Buffer {
  if (typeof value !== 'string') throw valueError(field, 'must be a string of hexadecimal digits');
  if (value.startsWith('[') || value.includes('*')) throw valueError(field, maskedMessage);
  if (!hexBytesPattern.test(value)) throw valueError(field, 'must be hexadecimal with an even number of digits');
  return Buffer.from(value, 'hex');
}

/** A TLV list as decode prints it → nodes for `buildTlv`; depth and count bounded like parsing. */
function tlvNodes(items: readonly unknown[], field: string, depth: number, count: { nodes: number }): TlvNodeInput[] {
  if (depth > tlvDepthCeiling) throw valueError(field, `nests TLV templates deeper than ${tlvDepthCeiling} levels`);
  return items.map((item) => {
    count.nodes += 1;
    if (count.nodes > tlvNodeCountCeiling) throw valueError(field, `holds more than ${tlvNodeCountCeiling} TLV data objects`);
    if (!isPlainObject(item) || typeof item['tag'] !== 'string') throw valueError(field, 'lists TLV data objects as {"tag": "9F26", "value": "hex"} or {"tag": ..., "children": [...]}');
    const tag = tlvTagFromHex(item['tag'], `field ${field} tag`);
    const children = item['children'];
    if (children === undefined) return { tag, value: hexValue(item['value'], field) };
    if (!Array.isArray(children) || item['value'] !== undefined) throw valueError(field, 'has a TLV template whose "children" is not a list, or that also has a "value"');
    return { tag, children: tlvNodes(children, field, depth + 1, count) };
  });
}

function fieldValue(field: string, spec: FieldSpec, value: unknown): unknown {
  if (spec.tlv === true && Array.isArray(value)) return buildTlv(tlvNodes(value, field, 1, { nodes: 0 }));
  if (spec.subfields !== undefined) {
    if (!isPlainObject(value)) throw valueError(field, 'must be an object of sub-fields');
    return value; // the codec checks each sub-field's key, presence and length
  }
  if (spec.type === 'b') return hexValue(value, field);
  if (typeof value !== 'string') throw valueError(field, 'must be a JSON string (numbers lose their leading zeros)');
  // Masked output ('622202*********0123', '[track data hidden, 37 digits]') can't be packed back.
  if (spec.sensitivity !== undefined && (value.startsWith('[') || value.includes('*'))) {
    throw valueError(field, maskedMessage);
  }
  return value;
}

/** Builds the message; the codec checks every value against its field when it packs. */
export function messageFromRequest(spec: MessageSpec, request: JsonRequest): IsoMessage {
  const message = new IsoMessage(spec, request.mti);
  for (const [key, value] of Object.entries(request.fields)) {
    const field = /^[1-9][0-9]{0,2}$/.test(key) ? Number(key) : Number.NaN;
    const fieldSpec = Number.isNaN(field) ? undefined : spec.fields[field];
    if (fieldSpec === undefined) {
      throw new BastionError('ISO_ERR_FIELD_UNKNOWN', `field ${quotedName(key)} is not defined in spec ${spec.name}`, { field: key.slice(0, 24) });
    }
    message.setUnchecked(field, fieldValue(key, fieldSpec, value));
  }
  return message;
}
