import { BastionError } from '../../lib/errors/index.js';
import { unionPayCapkChecksum, unionPayEncodeAid, type UnionPayAid, type UnionPayCapk } from '../../lib/tlv/index.js';

/**
 * The EMV parameter file (docs/emv-parameters.md): JSON with `format`, `capks` and `aids`. Bytes
 * are hex, amounts decimal strings of minor units, percentages integers. Every key's `checksum`
 * must be the SHA-1 of RID ‖ index ‖ modulus ‖ exponent (EMV 4.4 Book 2 section 11.2.2 and
 * Annex B); one that is not refuses the whole file. Errors name the JSON path, never a value.
 */
export const EMV_PARAMETER_FILE_FORMAT = 'bastion-emv-parameters/1';
/** A file lists at most this many keys and this many AIDs. */
export const CAPK_COUNT_MAX = 256;
export const AID_COUNT_MAX = 256;

export interface EmvParameterSet {
  readonly capks: readonly UnionPayCapk[];
  readonly aids: readonly UnionPayAid[];
}

/** Parses and checks a parameter file's text; throws PARAMS_ERR_FILE or PARAMS_ERR_CHECKSUM. */
export function parseEmvParameterFile(text: string): EmvParameterSet {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw fileError('$', 'the file is not JSON');
  }
  const root = object(json, '$');
  if (root['format'] !== EMV_PARAMETER_FILE_FORMAT) throw fileError('$.format', `format must be "${EMV_PARAMETER_FILE_FORMAT}"`);
  const capkList = array(root['capks'], '$.capks', CAPK_COUNT_MAX);
  const aidList = array(root['aids'], '$.aids', AID_COUNT_MAX);
  const capks = capkList.map((entry, position) => readCapk(entry, `$.capks[${position}]`));
  const seenKeys = new Set<string>();
  capks.forEach((capk, position) => {
    const name = keyName(capk);
    if (seenKeys.has(name)) throw fileError(`$.capks[${position}]`, `key ${name} is listed twice`);
    seenKeys.add(name);
  });
  const aids = aidList.map((entry, position) => readAid(entry, `$.aids[${position}]`));
  const seenAids = new Set<string>();
  aids.forEach((aid, position) => {
    const name = aid.aid.toString('hex').toUpperCase();
    if (seenAids.has(name)) throw fileError(`$.aids[${position}].aid`, `AID ${name} is listed twice`);
    seenAids.add(name);
  });
  return { capks, aids };
}

/** `A000000003/92`: how errors, logs and the CLI name a key. */
export function keyName(capk: { readonly rid: Uint8Array; readonly index: number }): string {
  return `${Buffer.from(capk.rid).toString('hex').toUpperCase()}/${capk.index.toString(16).toUpperCase().padStart(2, '0')}`;
}

function readCapk(value: unknown, path: string): UnionPayCapk {
  const entry = object(value, path);
  const rid = hex(entry['rid'], `${path}.rid`, 5, 5);
  const index = hex(entry['index'], `${path}.index`, 1, 1)[0] as number;
  const expiryDate = text(entry['expiryDate'], `${path}.expiryDate`, /^\d{4}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$/, 'a date YYYYMMDD');
  const hashAlgorithm = hex(entry['hashAlgorithm'] ?? '01', `${path}.hashAlgorithm`, 1, 1)[0] as number;
  const publicKeyAlgorithm = hex(entry['publicKeyAlgorithm'] ?? '01', `${path}.publicKeyAlgorithm`, 1, 1)[0] as number;
  const modulus = hex(entry['modulus'], `${path}.modulus`, 1, 248);
  const exponent = hex(entry['exponent'], `${path}.exponent`, 1, 3);
  const checksum = hex(entry['checksum'], `${path}.checksum`, 20, 20);
  const capk: UnionPayCapk = { rid, index, expiryDate, hashAlgorithm, publicKeyAlgorithm, modulus, exponent, checksum };
  if (!unionPayCapkChecksum(capk).equals(checksum)) {
    const name = keyName(capk);
    throw new BastionError('PARAMS_ERR_CHECKSUM', `key ${name}: the checksum is not SHA-1 of RID, index, modulus and exponent; nothing was imported`, {
      path: `${path}.checksum`,
      rid: rid.toString('hex').toUpperCase(),
      index: name.slice(-2),
    });
  }
  return capk;
}

function readAid(value: unknown, path: string): UnionPayAid {
  const entry = object(value, path);
  const out: Record<string, unknown> = { aid: hex(entry['aid'], `${path}.aid`, 5, 16) };
  const optional = (name: string, read: (item: unknown, at: string) => unknown): void => {
    if (entry[name] !== undefined) out[name] = read(entry[name], `${path}.${name}`);
  };
  optional('partialSelection', flag);
  optional('appVersion', (item, at) => hex(item, at, 2, 2));
  optional('tacDefault', (item, at) => hex(item, at, 5, 5));
  optional('tacOnline', (item, at) => hex(item, at, 5, 5));
  optional('tacDenial', (item, at) => hex(item, at, 5, 5));
  optional('floorLimitMinor', (item, at) => amount(item, at, 0xffff_ffffn));
  optional('biasedRandomThresholdMinor', (item, at) => amount(item, at, 0xffff_ffffn));
  optional('biasedRandomMaxPercent', percent);
  optional('randomTargetPercent', percent);
  optional('defaultDdol', (item, at) => hex(item, at, 0, 252));
  optional('onlinePinSupported', flag);
  optional('ecTerminalLimitMinor', (item, at) => amount(item, at, 999_999_999_999n));
  optional('contactlessFloorLimitMinor', (item, at) => amount(item, at, 999_999_999_999n));
  optional('contactlessTransactionLimitMinor', (item, at) => amount(item, at, 999_999_999_999n));
  optional('contactlessCvmLimitMinor', (item, at) => amount(item, at, 999_999_999_999n));
  const aid = out as unknown as UnionPayAid;
  unionPayEncodeAid(aid); // every field checked above fits its TLV encoding; this asserts it
  return aid;
}

function object(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw fileError(path, 'must be an object');
  return value as Record<string, unknown>;
}

function array(value: unknown, path: string, countMax: number): unknown[] {
  if (!Array.isArray(value)) throw fileError(path, 'must be an array');
  if (value.length > countMax) throw fileError(path, `lists more than ${countMax} entries`);
  return value;
}

function text(value: unknown, path: string, pattern: RegExp, what: string): string {
  if (typeof value !== 'string' || !pattern.test(value)) throw fileError(path, `must be ${what}`);
  return value;
}

function hex(value: unknown, path: string, bytesMin: number, bytesMax: number): Buffer {
  const digits = typeof value === 'string' ? value.replace(/ /g, '') : undefined;
  if (digits === undefined || !/^([0-9A-Fa-f]{2})*$/.test(digits)) throw fileError(path, 'must be hex digits (pairs; spaces allowed)');
  const bytes = Buffer.from(digits, 'hex');
  if (bytes.length < bytesMin || bytes.length > bytesMax) {
    throw fileError(path, bytesMin === bytesMax ? `must be ${bytesMin} bytes` : `must be ${bytesMin} to ${bytesMax} bytes`);
  }
  return bytes;
}

function flag(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') throw fileError(path, 'must be true or false');
  return value;
}

function amount(value: unknown, path: string, max: bigint): bigint {
  if (typeof value !== 'string' || !/^\d{1,12}$/.test(value) || BigInt(value) > max) throw fileError(path, `must be a decimal string of minor units from 0 to ${max}`);
  return BigInt(value);
}

function percent(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 99) throw fileError(path, 'must be an integer percentage from 0 to 99');
  return value;
}

function fileError(path: string, message: string): BastionError {
  return new BastionError('PARAMS_ERR_FILE', `${path}: ${message}`, { path });
}
