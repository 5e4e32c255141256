import { BastionError, redactSensitive } from '../../lib/errors/index.js';

/**
 * The `details` of an audit row: canonical JSON, so that the same facts always give the same
 * text (and the hash covers exactly what is stored). Keys are sorted, there is no whitespace,
 * numbers are whole, and every piece of text — keys too — goes through `redactSensitive`: an
 * audit row must never hold a PAN, a PIN block or key material, even when a caller slips one in.
 */
export type AuditDetailValue = string | number | bigint | boolean | null | readonly AuditDetailValue[] | AuditDetails;

export interface AuditDetails {
  readonly [name: string]: AuditDetailValue;
}

/** The stored details text, in UTF-8 bytes, at most. */
export const auditDetailsBytesMax = 8192;
/** Objects and arrays nest at most this deep (the top-level object is depth 1). */
export const auditDetailsDepthMax = 6;
/**
 * A whole number with this many digits or more is written as redacted text, not as a number:
 * it could be a PAN, and redactSensitive masks digit runs from the same length.
 */
export const auditDetailsNumberDigitsRedactedMin = 12;

export function canonicalDetails(details: AuditDetails | undefined): string {
  const writer = new CanonicalWriter();
  writer.value(details ?? {}, 1);
  const text = writer.text();
  if (Buffer.byteLength(text, 'utf8') > auditDetailsBytesMax) throw tooLarge();
  return text;
}

class CanonicalWriter {
  private readonly parts: string[] = [];
  private length = 0;

  text(): string {
    return this.parts.join('');
  }

  value(value: unknown, depth: number): void {
    if (value === null || typeof value === 'boolean') this.push(String(value));
    else if (typeof value === 'string') this.push(JSON.stringify(redactSensitive(value)));
    else if (typeof value === 'number') this.wholeNumber(value);
    else if (typeof value === 'bigint') this.digits(value.toString());
    else if (Array.isArray(value)) this.array(value as readonly unknown[], depth);
    else if (isPlainObject(value)) this.object(value, depth);
    else throw invalid('details values must be text, whole numbers, booleans, null, arrays or plain objects');
  }

  private wholeNumber(value: number): void {
    if (!Number.isSafeInteger(value)) throw invalid('details numbers must be whole and within ±2^53; write other numbers as text');
    this.digits(value.toString());
  }

  private digits(decimal: string): void {
    const digitCount = decimal.replace('-', '').length;
    this.push(digitCount >= auditDetailsNumberDigitsRedactedMin ? JSON.stringify(redactSensitive(decimal)) : decimal);
  }

  private array(items: readonly unknown[], depth: number): void {
    if (depth > auditDetailsDepthMax) throw tooDeep();
    this.push('[');
    items.forEach((item, index) => {
      if (index > 0) this.push(',');
      this.value(item, depth + 1);
    });
    this.push(']');
  }

  private object(object: Readonly<Record<string, unknown>>, depth: number): void {
    if (depth > auditDetailsDepthMax) throw tooDeep();
    const entries = Object.keys(object).map((name) => [redactSensitive(name), object[name]] as const);
    entries.sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
    this.push('{');
    entries.forEach(([name, inner], index) => {
      if (index > 0) {
        if (entries[index - 1]?.[0] === name) throw invalid('two details keys are the same once redacted');
        this.push(',');
      }
      if (inner === undefined) throw invalid(`details key ${JSON.stringify(name)} has no value; leave the key out instead`);
      this.push(`${JSON.stringify(name)}:`);
      this.value(inner, depth + 1);
    });
    this.push('}');
  }

  private push(part: string): void {
    // JS length counts UTF-16 units, never more than the UTF-8 bytes: an early, safe stop.
    this.length += part.length;
    if (this.length > auditDetailsBytesMax) throw tooLarge();
    this.parts.push(part);
  }
}

function isPlainObject(value: unknown): value is Readonly<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function invalid(message: string): BastionError {
  return new BastionError('AUDIT_ERR_EVENT', message, { argument: 'details' });
}

function tooLarge(): BastionError {
  return invalid(`details must be at most ${auditDetailsBytesMax} bytes of JSON`);
}

function tooDeep(): BastionError {
  return invalid(`details nest at most ${auditDetailsDepthMax} levels deep`);
}
