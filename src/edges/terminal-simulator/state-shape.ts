import { pendingReversalOk } from './pending-reversal.js';

/**
 * Whether a parsed key file has every field the simulator reads, of the right shape: a file
 * edited by hand (or by a test) is refused as SIM_ERR_STATE up front rather than failing half-way
 * through a transaction. Returns the name of the first bad field, or undefined.
 */
export function firstBadStateField(value: Readonly<Record<string, unknown>>): string | undefined {
  const hex = (text: unknown, lengths: readonly number[]): boolean => typeof text === 'string' && /^[0-9A-Fa-f]*$/.test(text) && lengths.includes(text.length);
  const address: unknown = value['hostAddress'];
  const checks: readonly [string, boolean][] = [
    ['merchantId', typeof value['merchantId'] === 'string' && /^[ -~]{15}$/.test(value['merchantId'])],
    ['hostAddress', addressOk(address)],
    ['tmk', hex(value['tmk'], [32, 48])],
    ['macVariant', value['macVariant'] === 'des-left' || value['macVariant'] === 'tdes'],
    ['encryptTracks', typeof value['encryptTracks'] === 'boolean'],
    ['batchNumber', typeof value['batchNumber'] === 'string' && /^\d{6}$/.test(value['batchNumber'])],
    ['lastTrace', Number.isInteger(value['lastTrace']) && (value['lastTrace'] as number) >= 0 && (value['lastTrace'] as number) <= 999_999],
    ['workingKeys', value['workingKeys'] === undefined || workingKeysOk(value['workingKeys'], hex)],
    ['pendingReversal', pendingReversalOk(value['pendingReversal'])],
    ['cardAtc', typeof value['cardAtc'] === 'object' && value['cardAtc'] !== null && Object.values(value['cardAtc']).every((atc) => Number.isInteger(atc) && (atc as number) >= 0 && (atc as number) <= 0xffff)],
  ];
  return checks.find(([, ok]) => !ok)?.[0];
}

function addressOk(address: unknown): boolean {
  if (typeof address !== 'object' || address === null) return false;
  const record = address as Readonly<Record<string, unknown>>;
  return typeof record['host'] === 'string' && record['host'] !== '' && isPort(record['port']);
}

function isPort(port: unknown): boolean {
  return Number.isInteger(port) && (port as number) >= 1 && (port as number) <= 65_535;
}

function workingKeysOk(keys: unknown, hex: (text: unknown, lengths: readonly number[]) => boolean): boolean {
  if (typeof keys !== 'object' || keys === null) return false;
  const record = keys as Readonly<Record<string, unknown>>;
  return hex(record['pik'], [32]) && hex(record['mak'], [16, 32]) && hex(record['tdk'], [32]) && Number.isInteger(record['signedInAtMs']);
}
