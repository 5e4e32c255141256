import { sql, type Kysely } from 'kysely';
import { isBastionError } from '../../../lib/errors/index.js';
import type { HsmPort } from '../../../ports/hsm.js';
import { PreparedQuery, type ArgumentOf } from '../../../ports/prepared-query.js';
import type { NetworkPinData } from '../../../ports/network.js';
import type { IssuerCard } from './card-row.js';
import type { IssuerKeys } from './issuer-keys.js';
import type { IssuerTables } from './tables.js';

/** Wrong PINs in a row that block the PIN (the usual issuer rule); the third wrong one blocks it. */
export const PIN_TRIES_LIMIT = 3;
const pinTriesLimit = BigInt(PIN_TRIES_LIMIT);

/** The try counter's two conditional UPDATEs (the limit is a constant of the statement): built and compiled once. */
const resetTries = new PreparedQuery((db: Kysely<IssuerTables>, arg: ArgumentOf<{ cardId: string; nowMs: bigint }>) =>
  db.updateTable('issuer_cards').set({ pin_tries_used: 0n, updated_at_ms: arg('nowMs') }).where('id', '=', arg('cardId')).where('pin_tries_used', '<', pinTriesLimit).returning('id'),
);
const countTry = new PreparedQuery((db: Kysely<IssuerTables>, arg: ArgumentOf<{ cardId: string; nowMs: bigint }>) =>
  db
    .updateTable('issuer_cards')
    .set({ pin_tries_used: sql<bigint>`pin_tries_used + 1`, updated_at_ms: arg('nowMs') })
    .where('id', '=', arg('cardId'))
    .where('pin_tries_used', '<', pinTriesLimit)
    .returning('pin_tries_used'),
);

export type PinVerdict = 'right' | 'incorrect-pin' | 'pin-tries-exceeded';

/** Whether the card's PIN is blocked: its wrong tries have reached the limit. */
export function pinBlocked(card: Pick<IssuerCard, 'pinTriesUsed'>): boolean {
  return card.pinTriesUsed >= pinTriesLimit;
}

/**
 * The PIN inside the block (under the zone PIN key) against the PVV on file, inside the HSM.
 * Every change to the try counter is one conditional UPDATE, so concurrent attempts can't get
 * past the limit: a wrong PIN counts one try, and the try that reaches the limit blocks the PIN;
 * a right PIN starts the count again only while the PIN is not blocked, so a blocked PIN stays
 * blocked whatever comes next. `beforeWrite` runs before the counter is written (a chip card's ATC
 * is taken there, so a replayed cryptogram counts no try); when it answers false, nothing is
 * written and the verdict is `refused-before-write`. `knownRight` is the PIN's check made already
 * (authentication-ahead.ts) against this card's PIN verification data; without it the HSM checks it here.
 */
export async function checkPin(
  trx: Kysely<IssuerTables>,
  hsm: HsmPort,
  keys: IssuerKeys,
  card: IssuerCard,
  pan: string,
  pinData: NetworkPinData,
  nowMs: bigint,
  beforeWrite: () => Promise<boolean> = () => Promise.resolve(true),
  knownRight?: boolean,
): Promise<PinVerdict | 'refused-before-write'> {
  if (pinBlocked(card)) return 'pin-tries-exceeded';
  const right = knownRight ?? (await pinMatches(hsm, keys, card, pan, pinData));
  if (right) {
    // Nothing to start again: the card row read in this transaction counts no wrong tries.
    if (card.pinTriesUsed === 0n) return 'right';
    if (!(await beforeWrite())) return 'refused-before-write';
    const reset = await resetTries.first(trx, { cardId: card.id, nowMs });
    return reset === undefined ? 'pin-tries-exceeded' : 'right';
  }
  if (!(await beforeWrite())) return 'refused-before-write';
  const counted = await countTry.first(trx, { cardId: card.id, nowMs });
  return counted === undefined || counted.pin_tries_used >= pinTriesLimit ? 'pin-tries-exceeded' : 'incorrect-pin';
}

/**
 * A block that does not even decode under the ZPK counts as a wrong PIN: the issuer can't tell
 * a mistyped PIN from a corrupted block, and answering otherwise would tell a prober which it was.
 */
export async function pinMatches(hsm: HsmPort, keys: IssuerKeys, card: Pick<IssuerCard, 'pvki' | 'pvv'>, pan: string, pinData: NetworkPinData): Promise<boolean> {
  try {
    return await hsm.verifyPinPvv({ pinKey: keys.zpk, pvk: keys.pvk, format: pinData.format, pan, pinBlock: pinData.pinBlock, pvki: card.pvki, pvv: card.pvv });
  } catch (error) {
    if (isBastionError(error) && error.code === 'CRYPTO_ERR_PINBLOCK_INVALID') return false;
    throw error;
  }
}
