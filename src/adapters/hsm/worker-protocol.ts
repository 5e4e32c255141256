import { BastionError, type ErrorCode, type ErrorDetails } from '../../lib/errors/index.js';
import type { HsmPort } from '../../ports/hsm.js';

/**
 * What the worker HSM (`worker-hsm.ts`, the host's side) and its worker threads
 * (`hsm-worker.ts`) say to each other over a worker's message port. Messages are structured
 * clones, which turn a Buffer into a bare Uint8Array and copy the whole ArrayBuffer behind a
 * view; `toWire` and `fromWire` deal with both, so that through the port a WorkerHsm answers
 * exactly what a SoftwareHsm answers.
 */

/** Every operation of the HSM port, by name: the only methods a worker runs. */
export const hsmMethodNames = [
  'status',
  'generateKey',
  'importKeyFromComponents',
  'exportKeyUnderKek',
  'exportKeyAsComponents',
  'generateWorkingKeys',
  'generateMac',
  'verifyMac',
  'translatePinBlock',
  'verifyPinPvv',
  'generatePvvFromPinBlock',
  'translateTrackData',
  'decryptTrackData',
  'verifyCvv',
  'generateCvv',
  'verifyArqc',
  'generateArpc',
  'generateDataKey',
  'encryptPan',
  'decryptPan',
  'panLookupHash',
] as const satisfies readonly (keyof HsmPort)[];

export type HsmMethod = (typeof hsmMethodNames)[number];

/** Fails to compile when the port gains an operation the list above does not name. */
type AssertNever<T extends never> = T;
export type HsmMethodsCovered = AssertNever<Exclude<keyof HsmPort, HsmMethod>>;

const methodSet: ReadonlySet<string> = new Set(hsmMethodNames);

export function isHsmMethod(name: unknown): name is HsmMethod {
  return typeof name === 'string' && methodSet.has(name);
}

/** How a worker finds the LMK: the published development LMK, or the LMK sealed under a one-use key. */
export type WorkerLmk =
  | { readonly development: true }
  | {
      readonly development: false;
      /** 32 random bytes made for this one worker; transferred (not copied) and wiped by the worker once used. */
      readonly wrappingKey: ArrayBuffer;
      readonly iv: Uint8Array;
      readonly ciphertext: Uint8Array;
      readonly tag: Uint8Array;
    };

/** The worker's `workerData`. */
export interface HsmWorkerData {
  readonly protocol: typeof hsmWorkerProtocol;
  readonly lmk: WorkerLmk;
  readonly cacheEntriesMax?: number;
}

export const hsmWorkerProtocol = 'bastion-hsm-worker/v1';

/** The additional data the LMK is sealed with on its way to a worker. */
export const workerLmkAad = Buffer.from('bastion/worker-hsm/lmk-transfer/v1', 'latin1');

export interface HsmRequest {
  readonly id: number;
  readonly method: HsmMethod;
  readonly args: readonly unknown[];
}

/** Asks a worker to wipe its keys and the LMK and to end. */
export interface HsmCloseRequest {
  readonly close: true;
}

/** An error as it crosses the port: a BastionError keeps its code, message and details. */
export type WireError =
  | { readonly bastion: true; readonly code: ErrorCode; readonly message: string; readonly details: ErrorDetails }
  | { readonly bastion: false; readonly name: string; readonly message: string };

/** The answer to one request: its value, or its error. */
export type HsmReply = { readonly id: number; readonly value: unknown } | { readonly id: number; readonly error: WireError };

/**
 * What the parent sends a worker: a batch of requests (every call made in one turn of the host's
 * event loop, so that a busy host pays the cost of a message once per turn, not once per call), or
 * the request to close.
 */
export type HsmParentMessage = readonly HsmRequest[] | HsmCloseRequest;

/** What a worker sends its parent: the replies to one batch, in one message, or news of its start. */
export type HsmWorkerMessage =
  | readonly HsmReply[]
  /** The worker holds the LMK (its check value, to compare) and takes requests. */
  | { readonly kind: 'ready'; readonly lmkKcv: Uint8Array }
  /** The worker could not start (the LMK did not open); it exits next. */
  | { readonly kind: 'failed'; readonly error: WireError };

function isCompact(bytes: Uint8Array): boolean {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
}

/**
 * `value` ready for postMessage. A structured clone copies the whole ArrayBuffer behind a view,
 * and a small Buffer is usually a view into an 8 KiB pool shared with unrelated data: such views
 * are copied to bytes of their own first, and each copy is listed in `temporaries` so that the
 * sender can wipe it once postMessage has cloned it. Arrays and plain objects are walked; other
 * values are left to the structured clone (bigint survives it).
 */
export function toWire(value: unknown, temporaries: Uint8Array[]): unknown {
  if (value instanceof Uint8Array) {
    if (isCompact(value)) return value;
    const copy = new Uint8Array(value);
    temporaries.push(copy);
    return copy;
  }
  if (Array.isArray(value)) return value.map((item: unknown) => toWire(item, temporaries));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [name, field] of Object.entries(value)) out[name] = toWire(field, temporaries);
    return out;
  }
  return value;
}

/** A received (freshly cloned) value with every Uint8Array turned back into a Buffer over the same bytes, at any depth. */
export function fromWire(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = fromWire(value[i]);
    return value;
  }
  if (value !== null && typeof value === 'object') {
    const fields = value as Record<string, unknown>;
    for (const name of Object.keys(fields)) fields[name] = fromWire(fields[name]);
    return value;
  }
  return value;
}

/** Overwrites every byte string in `value` (at any depth) with zeros. */
export function wipeBytes(value: unknown): void {
  if (value instanceof Uint8Array) value.fill(0);
  else if (Array.isArray(value)) for (const item of value) wipeBytes(item);
  else if (value !== null && typeof value === 'object') for (const field of Object.values(value)) wipeBytes(field);
}

/**
 * An error for the other side. A BastionError's text carries no key, PIN block or PAN (its
 * constructor redacts them); other errors keep their name and message only, never their stack.
 */
export function encodeError(error: unknown): WireError {
  if (error instanceof BastionError) return { bastion: true, code: error.code, message: error.message, details: { ...error.details } };
  if (error instanceof Error) return { bastion: false, name: error.name, message: error.message };
  return { bastion: false, name: 'Error', message: 'the HSM worker failed with a non-error value' };
}

const standardErrors: Readonly<Record<string, new (message: string) => Error>> = { TypeError, RangeError, SyntaxError };

/** The error the caller sees: a BastionError with the worker's code, message and details, or an Error of the same name. */
export function decodeError(wire: WireError): Error {
  if (wire.bastion) return new BastionError(wire.code, wire.message, wire.details);
  const Constructor = standardErrors[wire.name] ?? Error;
  const error = new Constructor(wire.message);
  if (error.name !== wire.name) error.name = wire.name;
  return error;
}
