import { hash, randomBytes } from 'node:crypto';
import type { EmvCryptogramKey } from '../../lib/crypto/index.js';
import type { EmvCardKeyRequest } from '../../ports/hsm.js';

/**
 * The cryptogram key of a verified ARQC, handed from `verifyArqc` to the `generateArpc` for the
 * same ARQC, which an issuer asks for only once it has decided the response code (the ARC).
 * A payment HSM answers both in one command (payShield KQ) because it knows the ARC at once; an
 * issuer that decides after the check would otherwise have the ICC master key and the session
 * key derived, and five cipher contexts set up, a second time for the same card and ATC.
 *
 * It lives inside the HSM boundary, beside the key cache: held only when the caller says the
 * ARPC follows (`VerifyArqcRequest.arpcFollows`) and the ARQC verified; taken once (the ARPC
 * consumes it); dropped after `holdMs` (a few seconds) or when more than `entriesMax` wait (the
 * oldest first); all dropped by `clear` (SoftwareHsm.forgetCachedKeys). A miss costs nothing but
 * the derivation the ARPC always made, so the results are the same either way.
 *
 * An entry is found by a SHA-256, behind a random secret prefix made for this instance, of everything
 * the key and the ARPC depend on: the IMK as it was authenticated (type, algorithm, KCV,
 * ciphertext), PAN, PSN, ATC, session key method, unpredictable number, master key option and
 * the ARQC. No PAN is held, as a key or otherwise, and a wrong or tampered IMK never matches the
 * entry of the key it was copied from. Never logged, never serialised.
 */
export const cryptogramKeyHandoffEntriesMax = 256;
export const cryptogramKeyHandoffHoldMs = 5000;

export interface CryptogramKeyHandoffOptions {
  /** Keys waiting for their ARPC at most (default 256; 0 turns the hand-off off). */
  readonly entriesMax?: number;
  /** How long a key waits for its ARPC (default 5000 ms). */
  readonly holdMs?: number;
  /** A monotonic clock in milliseconds (default performance.now); tests pass their own. */
  readonly nowMs?: () => number;
}

interface Waiting {
  readonly key: EmvCryptogramKey;
  readonly expiresAtMs: number;
}

/** Each field of the fingerprinted input is length-prefixed (2 bytes), so no two requests give one input. */
const lengthPrefixBytes = 2;
const fieldBytesMax = 0xffff;
const fingerprintSecretBytes = 32;

/**
 * The fields a cryptogram key and its ARPC depend on, undefined when one is not what the port's
 * types say (the derivation then refuses the request as it always did). Strings go in as their
 * UTF-16 code units: unlike latin1 or UTF-8, that gives every JavaScript string its own bytes.
 */
function fingerprintFields(request: EmvCardKeyRequest, arqc: Uint8Array): readonly (string | Uint8Array)[] | undefined {
  const imk = request.imkAc as EmvCardKeyRequest['imkAc'] | undefined;
  if (imk === undefined) return undefined;
  const fields: readonly unknown[] = [
    imk.type,
    imk.algorithm,
    imk.kcv,
    imk.ciphertext,
    request.pan,
    request.psn,
    request.atc,
    request.sessionKey,
    // A marker first, so that no unpredictable number is never taken for one.
    ...(request.unpredictableNumber === undefined ? ['-'] : ['+', request.unpredictableNumber]),
    request.iccMasterKeyOption ?? 'A',
    arqc,
  ];
  for (const field of fields) {
    const size = typeof field === 'string' ? 2 * field.length : field instanceof Uint8Array ? field.length : -1;
    if (size < 0 || size > fieldBytesMax) return undefined;
  }
  return fields as readonly (string | Uint8Array)[];
}

function inputBytes(fields: readonly (string | Uint8Array)[]): number {
  let length = fingerprintSecretBytes;
  for (const field of fields) length += lengthPrefixBytes + (typeof field === 'string' ? 2 * field.length : field.length);
  return length;
}

/** Writes secret || fields into `out` (written by hand: Buffer.write per field costs more than the hash); returns the length. */
function writeInput(out: Buffer, secret: Uint8Array, fields: readonly (string | Uint8Array)[]): number {
  out.set(secret, 0);
  let offset = secret.length;
  for (const field of fields) {
    const size = typeof field === 'string' ? 2 * field.length : field.length;
    out[offset++] = size >>> 8;
    out[offset++] = size & 0xff;
    if (typeof field === 'string') {
      for (let i = 0; i < field.length; i++) {
        const unit = field.charCodeAt(i);
        out[offset++] = unit & 0xff;
        out[offset++] = unit >>> 8;
      }
    } else {
      out.set(field, offset);
      offset += size;
    }
  }
  return offset;
}

export class CryptogramKeyHandoff {
  /** Waiting keys by fingerprint, oldest first (a Map keeps insertion order; every entry waits as long). */
  readonly #waiting = new Map<string, Waiting>();
  readonly #fingerprintSecret = randomBytes(fingerprintSecretBytes);
  /** Where each fingerprint's input is written (it holds a PAN for a moment: wiped after every use). */
  #scratch = Buffer.alloc(256);
  readonly #entriesMax: number;
  readonly #holdMs: number;
  readonly #nowMs: () => number;

  constructor(options: CryptogramKeyHandoffOptions = {}) {
    this.#entriesMax = options.entriesMax ?? cryptogramKeyHandoffEntriesMax;
    this.#holdMs = options.holdMs ?? cryptogramKeyHandoffHoldMs;
    this.#nowMs = options.nowMs ?? ((): number => performance.now());
    if (!Number.isInteger(this.#entriesMax) || this.#entriesMax < 0) throw new RangeError('entriesMax must be a whole number ≥ 0');
    if (!(this.#holdMs > 0)) throw new RangeError('holdMs must be above 0');
  }

  get enabled(): boolean {
    return this.#entriesMax > 0;
  }

  /** Keys waiting (expired ones included until the next keep or take drops them). */
  get size(): number {
    return this.#waiting.size;
  }

  /** Keeps `key`, the cryptogram key of `request`, for the ARPC of `arqc`. */
  keep(request: EmvCardKeyRequest, arqc: Uint8Array, key: EmvCryptogramKey): void {
    if (this.#entriesMax === 0) return;
    const now = this.#nowMs();
    this.#dropExpired(now);
    const fingerprint = this.#fingerprint(request, arqc);
    if (fingerprint === undefined) return;
    // A second verification of the same ARQC replaces the first's key (re-inserted: now the newest).
    this.#waiting.delete(fingerprint);
    this.#waiting.set(fingerprint, { key, expiresAtMs: now + this.#holdMs });
    while (this.#waiting.size > this.#entriesMax) this.#waiting.delete(this.#waiting.keys().next().value as string);
  }

  /** The key kept for the ARPC of `arqc` under `request`'s card key, removed; undefined if none waits. */
  take(request: EmvCardKeyRequest, arqc: Uint8Array): EmvCryptogramKey | undefined {
    // Nothing waits (the caller never said an ARPC follows): no fingerprint to compute.
    if (this.#waiting.size === 0) return undefined;
    const now = this.#nowMs();
    this.#dropExpired(now);
    const fingerprint = this.#fingerprint(request, arqc);
    if (fingerprint === undefined) return undefined;
    const waiting = this.#waiting.get(fingerprint);
    if (waiting === undefined) return undefined;
    this.#waiting.delete(fingerprint);
    return waiting.key;
  }

  clear(): void {
    this.#waiting.clear();
  }

  toJSON(): { waiting: number } {
    return { waiting: this.#waiting.size };
  }

  #dropExpired(now: number): void {
    for (const [fingerprint, waiting] of this.#waiting) {
      if (waiting.expiresAtMs > now) return;
      this.#waiting.delete(fingerprint);
    }
  }

  #fingerprint(request: EmvCardKeyRequest, arqc: Uint8Array): string | undefined {
    const fields = fingerprintFields(request, arqc);
    if (fields === undefined) return undefined;
    const length = inputBytes(fields);
    if (this.#scratch.length < length) this.#scratch = Buffer.alloc(length);
    const input = this.#scratch.subarray(0, writeInput(this.#scratch, this.#fingerprintSecret, fields));
    try {
      // One-shot SHA-256 of secret || fields: a fraction of an HMAC object's cost, and as good here
      // (no one outside sees a fingerprint; the secret stops a table of PANs to fingerprints).
      return hash('sha256', input, 'base64');
    } finally {
      input.fill(0);
    }
  }
}
