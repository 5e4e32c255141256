import pino from 'pino';
import { redactSensitive } from '../../lib/errors/index.js';
import { redactedText, redactLogFields } from './redact-log-value.js';

/**
 * Bastion's logger: pino, JSON lines, with redaction by construction. Three layers, so no one of
 * them has to be perfect:
 *
 * 1. pino's `redact` paths blank the card-data and key fields pino knows by name, at the top
 *    level and one level down;
 * 2. a walk over every field at any depth (redact-log-value.ts; `formatters.log` for each line's
 *    fields, and child loggers' bindings): sensitive names are blanked, every string goes through
 *    `redactSensitive`, bytes are never printed, errors are reduced to redacted type, code,
 *    message and stack;
 * 3. the message itself goes through `redactSensitive` (a `msg` serializer).
 *
 * A line written very often with a fixed shape (the host's `reply` line) can take a cheaper path
 * with the same guarantee instead: fixed-line.ts.
 *
 * Callers get a narrow `Logger`, not pino's, so they cannot swap the formatters or serializers of
 * a child logger and switch the redaction off.
 */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface LogMethod {
  (message: string): void;
  (fields: object, message?: string): void;
}

export interface Logger {
  readonly fatal: LogMethod;
  readonly error: LogMethod;
  readonly warn: LogMethod;
  readonly info: LogMethod;
  readonly debug: LogMethod;
  readonly trace: LogMethod;
  /** A logger whose lines all carry `bindings` (redacted like any field). */
  child(bindings: object): Logger;
  readonly level: LogLevel;
}

export interface LoggerOptions {
  /** Default `info`. */
  readonly level?: LogLevel;
  /** Appears as `name` on every line. */
  readonly name?: string;
  /** Where lines go (default: stdout). Anything with `write(line)`. */
  readonly destination?: pino.DestinationStream;
}

/** Field names pino's own redaction blanks (its paths have no "any depth"; layer 2 covers that). */
export const logRedactFieldNames = [
  'pan',
  'track',
  'track2',
  'track3',
  'trackData',
  'pinBlock',
  'pin',
  'key',
  'keys',
  'mak',
  'pik',
  'tdk',
  'tmk',
  'zpk',
  'lmk',
  'cvv',
  'cvv2',
  'pvv',
  'arqc',
  'arpc',
  'component',
  'components',
  'passphrase',
] as const;

const logRedactPaths = logRedactFieldNames.flatMap((name) => [name, `*.${name}`]);

function redactMessage(message: unknown): unknown {
  return typeof message === 'string' ? redactSensitive(message) : message;
}

export type EmittingLevel = Exclude<LogLevel, 'silent'>;

/** The pino instance behind each Logger made here, for fixed-line writers (fixed-line.ts) only. */
const pinoInstances = new WeakMap<Logger, pino.Logger>();

export function pinoInstanceBehind(logger: Logger): pino.Logger | undefined {
  return pinoInstances.get(logger);
}

function wrap(instance: pino.Logger): Logger {
  const method = (level: EmittingLevel): LogMethod =>
    (first: string | object, message?: string): void => {
      if (typeof first === 'string') instance[level](redactSensitive(first));
      else if (first instanceof Error) instance[level]({ err: first }, redactSensitive(message ?? first.message));
      else if (message === undefined) instance[level](first);
      else instance[level](first, redactSensitive(message));
    };
  const logger: Logger = {
    fatal: method('fatal'),
    error: method('error'),
    warn: method('warn'),
    info: method('info'),
    debug: method('debug'),
    trace: method('trace'),
    // pino applies formatters.bindings to the root's bindings only, so a child's are redacted here.
    child: (bindings) => wrap(instance.child(redactLogFields(bindings))),
    get level() {
      return instance.level as LogLevel;
    },
  };
  pinoInstances.set(logger, instance);
  return logger;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const pinoOptions: pino.LoggerOptions = {
    level: options.level ?? 'info',
    ...(options.name === undefined ? {} : { name: options.name }),
    redact: { paths: logRedactPaths, censor: redactedText },
    formatters: {
      log: (fields) => redactLogFields(fields),
      bindings: (bindings) => redactLogFields(bindings),
    },
    // Fields arrive here already redacted (formatters run first); the err serializer must not
    // rebuild an error object from them, and the message is redacted once more on its way out.
    serializers: { err: (value: unknown) => value, msg: redactMessage },
  };
  return wrap(pino(pinoOptions, options.destination ?? pino.destination(1)));
}

