import { BastionError } from '../../../lib/errors/index.js';
import { authorizationKinds, entryModeHasCryptogram, entryModes, type AuthorizationRequest } from '../../../ports/network.js';
import { ENCRYPTED_TRACK2_BYTES_MAX, ENCRYPTED_TRACK2_BYTES_MIN } from './encrypted-track.js';
import { TRACK2_LENGTH_MAX } from './track2.js';

/** Bounds of what a request may carry. */
export const IDEMPOTENCY_KEY_LENGTH_MAX = 128;
/** CDOL1 data is a few dozen bytes; field 55 itself is at most 255. */
export const CDOL_DATA_BYTES_MAX = 255;
const arqcBytes = 8;
const atcBytes = 2;
const unpredictableNumberBytes = 4;

function malformed(argument: string, what: string): BastionError {
  return new BastionError('ISSUER_ERR_REQUEST', `the authorization request's ${argument} ${what}`, { argument });
}

function assertText(value: unknown, pattern: RegExp, argument: string, what: string): void {
  if (typeof value !== 'string' || !pattern.test(value)) throw malformed(argument, what);
}

function assertBytes(value: unknown, argument: string, lengthMin: number, lengthMax: number): void {
  if (!Buffer.isBuffer(value) || value.length < lengthMin || value.length > lengthMax) {
    throw malformed(argument, lengthMin === lengthMax ? `must be ${lengthMin} bytes` : `must be ${lengthMin} to ${lengthMax} bytes`);
  }
}

/**
 * Checks the shape of a request: what the port promises the caller sends. A request that fails
 * is a bug in the host (it decodes and checks the terminal's message first), so it throws
 * ISSUER_ERR_REQUEST naming the field and never its value; decisions about the card itself are
 * responses, not errors.
 */
export function assertAuthorizationRequest(request: AuthorizationRequest): void {
  if (!authorizationKinds.includes(request.kind)) throw malformed('kind', `must be one of ${authorizationKinds.join(', ')}`);
  assertText(request.idempotencyKey, new RegExp(`^[\\x21-\\x7e]{1,${IDEMPOTENCY_KEY_LENGTH_MAX}}$`), 'idempotencyKey', `must be 1 to ${IDEMPOTENCY_KEY_LENGTH_MAX} printable characters without spaces`);
  assertText(request.pan, /^[0-9]{12,19}$/, 'pan', 'must be 12 to 19 digits');
  assertText(request.expiry, /^[0-9]{4}$/, 'expiry', 'must be YYMM');
  // An enciphered track brings its own service code; without one the request must say it.
  if (request.encryptedTrack2 === undefined || request.serviceCode !== undefined) assertText(request.serviceCode, /^[0-9]{3}$/, 'serviceCode', 'must be 3 digits');
  if (!entryModes.includes(request.entryMode)) throw malformed('entryMode', `must be one of ${entryModes.join(', ')}`);
  if (typeof request.amountMinor !== 'bigint') throw malformed('amountMinor', 'must be a bigint');
  assertText(request.currency, /^[0-9]{3}$/, 'currency', 'must be an ISO 4217 numeric code of 3 digits');
  if (request.pinData !== undefined) {
    const format = request.pinData.format as number;
    if (!Number.isInteger(format) || format < 0 || format > 4) throw malformed('pinData.format', 'must be an ISO 9564-1 format from 0 to 4');
    assertBytes(request.pinData.pinBlock, 'pinData.pinBlock', format === 4 ? 16 : 8, format === 4 ? 16 : 8);
  }
  if (entryModeHasCryptogram(request.entryMode)) {
    const chip = request.chip;
    if (chip === undefined) throw malformed('chip', `is required for entry mode ${request.entryMode}`);
    assertBytes(chip.arqc, 'chip.arqc', arqcBytes, arqcBytes);
    assertBytes(chip.atc, 'chip.atc', atcBytes, atcBytes);
    assertText(chip.panSequenceNumber, /^[0-9]{2}$/, 'chip.panSequenceNumber', 'must be 2 digits');
    assertBytes(chip.cdolData, 'chip.cdolData', 1, CDOL_DATA_BYTES_MAX);
    assertBytes(chip.unpredictableNumber, 'chip.unpredictableNumber', unpredictableNumberBytes, unpredictableNumberBytes);
  } else if (request.track2 === undefined && request.encryptedTrack2 === undefined) {
    throw malformed('track2', `(or encryptedTrack2) is required for entry mode ${request.entryMode}`);
  }
  if (request.encryptedTrack2 !== undefined) {
    if (request.track2 !== undefined) throw malformed('encryptedTrack2', 'comes instead of track2, not with it');
    assertBytes(request.encryptedTrack2, 'encryptedTrack2', ENCRYPTED_TRACK2_BYTES_MIN, ENCRYPTED_TRACK2_BYTES_MAX);
  }
  if (request.track2 !== undefined) {
    assertText(request.track2, new RegExp(`^[0-9=D]{1,${TRACK2_LENGTH_MAX}}$`), 'track2', `must be up to ${TRACK2_LENGTH_MAX} digits and separators`);
  }
  const acquirer = request.acquirer;
  assertText(acquirer.retrievalReferenceNumber, /^[0-9A-Za-z ]{12}$/, 'acquirer.retrievalReferenceNumber', 'must be 12 letters, digits or spaces');
  assertText(acquirer.systemTraceAuditNumber, /^[0-9]{6}$/, 'acquirer.systemTraceAuditNumber', 'must be 6 digits');
  assertText(acquirer.terminalId, /^[\x20-\x7e]{8}$/, 'acquirer.terminalId', 'must be 8 printable characters');
  assertText(acquirer.merchantId, /^[\x20-\x7e]{15}$/, 'acquirer.merchantId', 'must be 15 printable characters');
}
