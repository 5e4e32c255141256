import type { Selectable } from 'kysely';
import { BastionError } from '../../../lib/errors/index.js';
import { emvSessionKeyMethods, type EmvProfile } from './seed-cards.js';
import { cardStatuses, type CardStatus, type IssuerCardsTable } from './tables.js';

/** A card account as the simulator decides on it, read from one row and checked. */
export interface IssuerCard {
  readonly id: string;
  readonly expiry: string;
  readonly serviceCode: string;
  readonly currency: string;
  readonly status: CardStatus;
  readonly pvki: string;
  readonly pvv: string;
  readonly pinTriesUsed: bigint;
  readonly balanceMinor: bigint;
  readonly emv?: EmvProfile;
  readonly atcHighWater: bigint;
}

/** The columns a decision reads: not the PAN's ciphertext, shown digits, limits or timestamps. */
export const cardColumns = [
  'id',
  'expiry',
  'service_code',
  'currency',
  'status',
  'pvki',
  'pvv',
  'pin_tries_used',
  'balance_minor',
  'atc_high_water',
  'emv_psn',
  'emv_master_key_option',
  'emv_session_key',
  'emv_padding',
] as const satisfies readonly (keyof IssuerCardsTable)[];

/** A card row as the simulator reads it to decide (`cardColumns`). */
export type CardRow = Pick<Selectable<IssuerCardsTable>, (typeof cardColumns)[number]>;

function corrupt(id: string, what: string): BastionError {
  return new BastionError('ISSUER_ERR_CORRUPT', `the stored card ${id} is not valid (${what}): the store was altered outside Bastion`, { cardId: id });
}

/** The card of a row; ISSUER_ERR_CORRUPT when a column holds what the simulator never writes. */
export function cardFromRow(row: CardRow): IssuerCard {
  const { id } = row;
  if (!(cardStatuses as readonly string[]).includes(row.status)) throw corrupt(id, 'status');
  if (!/^[0-9]{4}$/.test(row.expiry) || !/^[0-9]{3}$/.test(row.service_code) || !/^[0-9]{3}$/.test(row.currency)) throw corrupt(id, 'card fields');
  if (!/^[0-9]$/.test(row.pvki) || !/^[0-9]{4}$/.test(row.pvv)) throw corrupt(id, 'PIN verification data');
  return {
    id,
    expiry: row.expiry,
    serviceCode: row.service_code,
    currency: row.currency,
    status: row.status as CardStatus,
    pvki: row.pvki,
    pvv: row.pvv,
    pinTriesUsed: row.pin_tries_used,
    balanceMinor: row.balance_minor,
    atcHighWater: row.atc_high_water,
    ...emvOf(row),
  };
}

function emvOf(row: CardRow): { emv?: EmvProfile } {
  if (row.emv_psn === null) return {};
  const option = row.emv_master_key_option;
  const sessionKey = row.emv_session_key;
  const padding = row.emv_padding === null ? undefined : Number(row.emv_padding);
  if (
    !/^[0-9]{2}$/.test(row.emv_psn) ||
    (option !== 'A' && option !== 'B') ||
    !(emvSessionKeyMethods as readonly (string | null)[]).includes(sessionKey) ||
    (padding !== 1 && padding !== 2)
  ) {
    throw corrupt(row.id, 'EMV profile');
  }
  return { emv: { psn: row.emv_psn, masterKeyOption: option, sessionKey: sessionKey as EmvProfile['sessionKey'], padding } };
}
