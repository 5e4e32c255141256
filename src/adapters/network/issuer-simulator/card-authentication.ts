import type { Kysely } from 'kysely';
import type { EmvCardKeyRequest, HsmPort } from '../../../ports/hsm.js';
import { PreparedQuery, type ArgumentOf } from '../../../ports/prepared-query.js';
import type { AuthorizationRequest, ChipData } from '../../../ports/network.js';
import type { IssuerCard } from './card-row.js';
import type { IssuerKeys } from './issuer-keys.js';
import type { EmvProfile } from './seed-cards.js';
import type { IssuerTables } from './tables.js';
import { parseTrack2 } from './track2.js';

/** ARPC method 1 (EMV Book 2 8.2.1): 8 bytes, ARQC XOR ARC enciphered; tag 91 is ARPC || ARC. */
const arpcMethod = 1;

/** What the card part of the cryptogram key derivation needs, per the card's EMV profile. */
function cardKeyRequest(keys: IssuerKeys, pan: string, emv: EmvProfile, chip: ChipData): EmvCardKeyRequest {
  return {
    imkAc: keys.imkAc,
    pan,
    psn: emv.psn,
    atc: chip.atc,
    iccMasterKeyOption: emv.masterKeyOption,
    sessionKey: emv.sessionKey === 'none' ? 'none' : 'common',
    ...(emv.sessionKey === 'common-un' ? { unpredictableNumber: chip.unpredictableNumber } : {}),
  };
}

/** The ATC high-water mark's conditional UPDATE: built and compiled once. */
const advanceAtcQuery = new PreparedQuery((db: Kysely<IssuerTables>, arg: ArgumentOf<{ cardId: string; atc: bigint; nowMs: bigint }>) =>
  db.updateTable('issuer_cards').set({ atc_high_water: arg('atc'), updated_at_ms: arg('nowMs') }).where('id', '=', arg('cardId')).where('atc_high_water', '<', arg('atc')).returning('id'),
);

/**
 * Makes `atc` the card's high-water mark if it is above it: one conditional UPDATE, so of two
 * copies of a cryptogram that race only one gets true.
 */
export async function advanceAtc(trx: Kysely<IssuerTables>, cardId: string, atc: bigint, nowMs: bigint): Promise<boolean> {
  return (await advanceAtcQuery.first(trx, { cardId, atc, nowMs })) !== undefined;
}

export type ChipVerdict = { readonly ok: true; readonly atc: bigint; readonly arpcFor: (responseCode: string) => Promise<{ arpc: Buffer; arc: Buffer }> } | { readonly ok: false };

/**
 * The chip's cryptogram: the card must have a chip and this PSN, and the ARQC must verify under
 * the card's key (through the HSM). Depends only on the request, the issuer's keys and the card's
 * EMV profile, so it may run before the card's transaction (authentication-ahead.ts). Whether its
 * ATC is fresh is a question for the card row read in the transaction: `verifyChip`.
 * On success the caller gets a way to answer the card with an ARPC for the final response code.
 */
export async function verifyCryptogram(hsm: HsmPort, keys: IssuerKeys, card: Pick<IssuerCard, 'emv'>, request: AuthorizationRequest): Promise<ChipVerdict> {
  const chip = request.chip;
  const emv = card.emv;
  if (chip === undefined || emv === undefined || chip.panSequenceNumber !== emv.psn) return { ok: false };
  const keyRequest = cardKeyRequest(keys, request.pan, emv, chip);
  // The ARC is decided only after this check, so the ARPC is a second call: `arpcFollows` lets the
  // HSM keep the card's cryptogram key for it rather than derive it again.
  const verified = await hsm.verifyArqc({ ...keyRequest, data: chip.cdolData, arqc: chip.arqc, padding: emv.padding, arpcFollows: true });
  if (!verified) return { ok: false };
  return {
    ok: true,
    atc: BigInt(chip.atc.readUInt16BE(0)),
    arpcFor: async (responseCode) => {
      // The ARC is the response code as two ASCII characters ('00' → 30 30), as tag 8A carries it.
      const arc = Buffer.from(responseCode, 'latin1');
      const arpc = await hsm.generateArpc({ ...keyRequest, arqc: chip.arqc, method: arpcMethod, arc });
      return { arpc, arc };
    },
  };
}

/**
 * The chip's cryptogram as `verifyCryptogram` checks it (or as it was checked already: `verified`),
 * and its ATC above every ATC seen before (the card row as read in this transaction). The caller
 * then makes that ATC the high-water mark with a conditional UPDATE before anything else is
 * written or answered (`advanceAtc`, or a sale's debit that does both), so a replayed cryptogram
 * fails even when two copies race.
 */
export async function verifyChip(hsm: HsmPort, keys: IssuerKeys, card: IssuerCard, request: AuthorizationRequest, verified?: ChipVerdict): Promise<ChipVerdict> {
  const verdict = verified ?? (await verifyCryptogram(hsm, keys, card, request));
  return verdict.ok && verdict.atc > card.atcHighWater ? verdict : { ok: false };
}

/**
 * The stripe's card verification value: track 2 must be this card's (same PAN, the expiry on
 * file) and its CVV must verify under the CVK, computed over the service code on file.
 */
export async function verifyStripe(hsm: HsmPort, keys: IssuerKeys, card: Pick<IssuerCard, 'expiry' | 'serviceCode'>, request: AuthorizationRequest): Promise<boolean> {
  const track = request.track2 === undefined ? undefined : parseTrack2(request.track2);
  if (track?.pan !== request.pan || track.expiry !== card.expiry) return false;
  return hsm.verifyCvv({ cvk: keys.cvk, pan: request.pan, expiry: card.expiry, serviceCode: card.serviceCode, cvv: track.cvv });
}
