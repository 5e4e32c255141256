import pino from 'pino';
import { redactSensitive } from '../../lib/errors/index.js';
import { pinoInstanceBehind, type EmittingLevel, type Logger } from './logger.js';
import { isSensitiveFieldName, largestPlainNumber } from './redact-log-value.js';

/**
 * A cheaper path for a line written very often whose shape never changes (the host's `reply` line,
 * one per request): a fixed allow-list of field names, each value a short scalar, checked on every
 * call. The generic logger walks every field, runs every string through `redactSensitive` and lets
 * pino's redaction paths look at the object, which costs far more than the line itself.
 *
 * The guarantee is the generic path's, by construction, not by a second copy of its rules:
 *
 * - only the listed names are written, in the listed order; any other field is dropped;
 * - the names and the message are checked once, here: none is a card-data or key name, and
 *   `redactSensitive` leaves each unchanged;
 * - a string is written as it is only when it has at most `fixedLineTextLengthMax` (11) printable
 *   ASCII characters, neither `"` nor `\`. `redactSensitive` changes nothing shorter than a run of
 *   12 digits (a PAN) or 16 hex characters (a key, a PIN block, a cryptogram), so such a string is
 *   exactly what the generic path would write; it needs no JSON escaping, and cannot break the line;
 * - a number is written as it is only when it is finite and at most `largestPlainNumber` in size
 *   (larger whole numbers could be PANs); booleans are written; undefined fields are left out.
 *
 * Anything else (a long or unusual string, a large number, an object, bytes) sends the whole line
 * down the generic logger, which redacts it as it redacts every other line. The line's level, time,
 * bindings (already redacted when the logger was made) and message come from the same pino
 * instance, so both paths write the same bytes for the same fields.
 */
export const fixedLineTextLengthMax = 11;

export type FixedLineValue = string | number | boolean | undefined;

export type FixedLineFields<Name extends string> = { readonly [Key in Name]?: FixedLineValue };

export type FixedLineWriter<Name extends string> = (fields: FixedLineFields<Name>) => void;

export interface FixedLineShape<Name extends string> {
  readonly level: EmittingLevel;
  /** The line's `msg`, the same on every line. */
  readonly message: string;
  /** The only fields the line may carry, in the order they are written. */
  readonly fieldNames: readonly Name[];
}

/** At most `fixedLineTextLengthMax` printable ASCII characters, without `"` and `\`. */
const plainText = new RegExp(`^[\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]{0,${fixedLineTextLengthMax}}$`);
const plainName = /^[A-Za-z][A-Za-z0-9]{0,63}$/;
const plainMessage = /^[\x20\x21\x23-\x5b\x5d-\x7e]{1,200}$/;

interface PinoParts {
  readonly levelPrefix: string;
  readonly time: () => string;
  readonly chindings: string;
  readonly stream: pino.DestinationStream;
}

/** What pino itself would put around the fields, or undefined when this instance cannot be bypassed safely. */
function pinoParts(instance: pino.Logger, levelNumber: number): PinoParts | undefined {
  const internals = instance as unknown as Record<symbol, unknown>;
  const levelPrefixes = internals[pino.symbols.lsCacheSym] as Record<number, unknown> | undefined;
  const levelPrefix = levelPrefixes?.[levelNumber];
  const time = internals[pino.symbols.timeSym];
  const chindings = internals[pino.symbols.chindingsSym];
  const stream = internals[pino.symbols.streamSym] as (pino.DestinationStream & Record<symbol, unknown>) | undefined;
  const hooks = internals[pino.symbols.hooksSym] as { streamWrite?: unknown } | undefined;
  if (internals[pino.symbols.messageKeySym] !== 'msg') return undefined;
  if (typeof levelPrefix !== 'string' || typeof time !== 'function' || typeof chindings !== 'string' || typeof stream?.write !== 'function') return undefined;
  // A mixin, a stream-write hook or a stream that wants each line's metadata: leave it to pino.
  if (internals[pino.symbols.mixinSym] !== undefined || hooks?.streamWrite !== undefined || stream[pino.symbols.needsMetadataGsym] === true) return undefined;
  return { levelPrefix, time: time as () => string, chindings, stream };
}

/**
 * A writer for one fixed-shape line through `logger` (see the file comment). Throws at once if a
 * field name or the message is not plainly safe to log.
 */
export function fixedLineWriter<Name extends string>(logger: Logger, shape: FixedLineShape<Name>): FixedLineWriter<Name> {
  const { level, message } = shape;
  const fieldNames = Object.freeze([...shape.fieldNames]);
  if (new Set(fieldNames).size !== fieldNames.length) throw new Error('a fixed log line lists a field name twice');
  for (const name of fieldNames) {
    if (!plainName.test(name) || isSensitiveFieldName(name) || redactSensitive(name) !== name) throw new Error(`a fixed log line cannot carry a field named ${JSON.stringify(redactSensitive(name))}`);
  }
  if (!plainMessage.test(message) || redactSensitive(message) !== message) throw new Error('a fixed log line needs a short, plain message');

  // The generic path, for a line the checks below do not pass: only the listed fields go to it.
  const generic = (fields: FixedLineFields<Name>): void => {
    const listed: Record<string, FixedLineValue> = {};
    for (const name of fieldNames) listed[name] = fields[name];
    logger[level](listed, message);
  };
  const instance = pinoInstanceBehind(logger);
  const levelNumber = instance?.levels.values[level];
  const parts = instance === undefined || levelNumber === undefined ? undefined : pinoParts(instance, levelNumber);
  if (instance === undefined || parts === undefined) return generic;
  const entries = fieldNames.map((name) => ({ name, keyPrefix: `,"${name}":` }));
  const lineEnd = `,"msg":"${message}"}\n`;
  const { levelPrefix, time, chindings, stream } = parts;

  return (fields) => {
    if (!instance.isLevelEnabled(level)) return;
    let line = levelPrefix + time() + chindings;
    for (const { name, keyPrefix } of entries) {
      const value = fields[name];
      switch (typeof value) {
        case 'undefined':
          continue;
        case 'string':
          if (!plainText.test(value)) {
            generic(fields);
            return;
          }
          line += `${keyPrefix}"${value}"`;
          continue;
        case 'number':
          if (!Number.isFinite(value) || Math.abs(value) > largestPlainNumber) {
            generic(fields);
            return;
          }
          line += keyPrefix + String(value);
          continue;
        case 'boolean':
          line += keyPrefix + String(value);
          continue;
        default:
          generic(fields);
          return;
      }
    }
    stream.write(line + lineEnd);
  };
}
