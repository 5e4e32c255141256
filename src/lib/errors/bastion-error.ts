import { errorCodes, type ErrorCode } from './codes.js';
import { redactSensitive } from './redact.js';

/** Details are flat and scalar so that they print safely and serialise predictably. */
export type ErrorDetails = Readonly<Record<string, string | number | boolean>>;

export interface ErrorJson {
  readonly code: ErrorCode;
  readonly message: string;
  readonly details?: ErrorDetails;
}

/**
 * The one error type of Bastion. `code` is stable and documented in docs/errors.md;
 * `message` says what went wrong in words a person can act on; `details` names the argument,
 * field or offset involved. Neither ever carries key material, PINs, PIN blocks or PANs:
 * callers must not put them in, and the constructor redacts anything that looks like one.
 */
export class BastionError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(redactSensitive(message));
    this.name = 'BastionError';
    this.code = code;
    this.details = Object.freeze(redactDetails(details));
  }

  /** The one-line meaning of this error's code, from the registry. */
  get summary(): string {
    return errorCodes[this.code];
  }

  toJSON(): ErrorJson {
    return Object.keys(this.details).length === 0
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

function redactDetails(details: ErrorDetails): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [name, value] of Object.entries(details)) {
    out[name] = typeof value === 'string' ? redactSensitive(value) : value;
  }
  return out;
}

export function isBastionError(value: unknown): value is BastionError {
  return value instanceof BastionError;
}
