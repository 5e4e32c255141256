import { redactSensitive } from '../../lib/errors/index.js';

/**
 * What reaches a log line, made safe whatever the caller passed: every string goes through
 * `redactSensitive` (a PAN keeps at most 6 + 4 digits, long hex runs such as keys, PIN blocks and
 * cryptograms disappear), fields whose names say they hold card data or keys are replaced
 * outright at any depth, bytes are never printed, and errors become plain objects whose message
 * and stack are redacted too. Depth, breadth and string length are bounded, so a huge or cyclic
 * object cannot blow up a log line.
 */
export const redactedText = '[redacted]';
export const logDepthMax = 8;
export const logEntriesMax = 100;
export const logStringLengthMax = 8192;
/** Numbers of 12 or more digits before the point could be PANs: they are logged as redacted text. */
export const largestPlainNumber = 99_999_999_999;

/** Field names (lower case, letters and digits only) whose values are never logged. */
const sensitiveNames: ReadonlySet<string> = new Set([
  'pan',
  'clearpan',
  'cardnumber',
  'primaryaccountnumber',
  'accountnumber',
  'track',
  'track1',
  'track2',
  'track3',
  'trackdata',
  'track2equivalent',
  'pinblock',
  'encryptedpinblock',
  'pin',
  'clearpin',
  'pindigits',
  'cvv',
  'cvv2',
  'cvc',
  'cvc2',
  'icvv',
  'pvv',
  'arqc',
  'arpc',
  'cryptogram',
  'applicationcryptogram',
  'component',
  'components',
  'passphrase',
  'password',
  'secret',
  'field2',
  'field35',
  'field36',
  'field45',
  'field52',
  'field55',
]);

/** Names ending in "key" or "keys" are keys (`mak`, `sourceKey`, `chainKey` …) unless listed here. */
const keyNamesNotSecret: ReadonlySet<string> = new Set(['idempotencykey', 'eventkey', 'sortkey']);
const keyAbbreviations: ReadonlySet<string> = new Set(['lmk', 'tmk', 'pik', 'mak', 'tdk', 'zpk', 'zek', 'kek', 'dek', 'pvk', 'cvk', 'imk', 'imkac', 'bdk', 'ipek']);

export function isSensitiveFieldName(name: string): boolean {
  const normalised = name.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (sensitiveNames.has(normalised) || keyAbbreviations.has(normalised)) return true;
  return /keys?$/.test(normalised) && !keyNamesNotSecret.has(normalised);
}

function redactString(text: string): string {
  const redacted = redactSensitive(text);
  return redacted.length > logStringLengthMax ? `${redacted.slice(0, logStringLengthMax)}…[truncated]` : redacted;
}

function redactError(error: Error, depth: number, seen: WeakSet<object>): Record<string, unknown> {
  const out: Record<string, unknown> = { type: error.name, message: redactString(error.message) };
  const { code, details } = error as Error & { code?: unknown; details?: unknown };
  if (typeof code === 'string') out['code'] = redactString(code);
  if (details !== undefined) out['details'] = walk(details, depth + 1, seen);
  if (typeof error.stack === 'string') out['stack'] = redactString(error.stack);
  if (error.cause !== undefined) out['cause'] = walk(error.cause, depth + 1, seen);
  return out;
}

function walk(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  switch (typeof value) {
    case 'string':
      return redactString(value);
    case 'number':
      // Not only whole numbers: 476173900101.5 prints twelve digits in a row too.
      return Number.isFinite(value) && Math.abs(value) > largestPlainNumber ? redactSensitive(String(value)) : value;
    case 'bigint':
      return redactSensitive(value.toString());
    case 'boolean':
    case 'undefined':
      return value;
    case 'symbol':
      return value.toString();
    case 'function':
      return undefined;
  }
  if (value === null) return null;
  const object = value as object;
  if (ArrayBuffer.isView(object) || object instanceof ArrayBuffer) return `[bytes: ${(object as ArrayBufferLike | ArrayBufferView).byteLength}]`;
  if (depth >= logDepthMax) return '[depth limit]';
  if (seen.has(object)) return '[circular]';
  seen.add(object);
  try {
    if (object instanceof Error) return redactError(object, depth, seen);
    if (object instanceof Date) return Number.isNaN(object.getTime()) ? 'Invalid Date' : object.toISOString();
    if (Array.isArray(object)) {
      const items = object.slice(0, logEntriesMax).map((item: unknown) => walk(item, depth + 1, seen));
      if (object.length > logEntriesMax) items.push(`[${object.length - logEntriesMax} more]`);
      return items;
    }
    if (object instanceof Map || object instanceof Set) return `[${object.constructor.name} of ${object.size}]`;
    const toJson = (object as { toJSON?: unknown }).toJSON;
    if (typeof toJson === 'function') return walk((toJson as () => unknown).call(object), depth + 1, seen);
    const out: Record<string, unknown> = {};
    let count = 0;
    for (const [name, field] of Object.entries(object)) {
      if (count === logEntriesMax) {
        out['[more fields]'] = Object.keys(object).length - logEntriesMax;
        break;
      }
      count++;
      out[redactString(name)] = isSensitiveFieldName(name) && field !== undefined && field !== null ? redactedText : walk(field, depth + 1, seen);
    }
    return out;
  } finally {
    seen.delete(object);
  }
}

/** A copy of `value` that is safe to log (see the file comment). */
export function redactLogValue(value: unknown): unknown {
  return walk(value, 0, new WeakSet());
}

/** The same for a log line's fields, which are always an object. */
export function redactLogFields(fields: object): Record<string, unknown> {
  const out = redactLogValue(fields);
  return typeof out === 'object' && out !== null && !Array.isArray(out) ? (out as Record<string, unknown>) : { value: out };
}
