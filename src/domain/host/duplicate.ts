import { createHash } from 'node:crypto';
import type { IsoMessage, UnionPayPosSpec } from '../../lib/iso8583/index.js';
import type { Terminal } from '../terminals/index.js';
import { readCardInput } from './card-input.js';
import type { HostDependencies } from './deps.js';
import { macOptionsOf } from './mac-check.js';
import { carriesMac, MAC_FIELD_BYTES, macInput } from './reply.js';
import type { AnsweredRequest } from './transaction-record.js';

type Request = IsoMessage<UnionPayPosSpec>;

/**
 * What makes two requests with the same terminal, batch and trace the same transaction: MTI,
 * processing code (3), amount (4), condition code (25), merchant (42), currency (49), 60.1, and
 * the card as the PAN vault's id for its PAN. The id, not the PAN: a hash of a PAN alone could be
 * reversed by trying every PAN of a BIN; the vault finds ids through a keyed hash inside the HSM.
 * Terminal, batch and trace are the key the row is found by, so they are not repeated here.
 */
export function requestFingerprint(request: Request, panId: string | undefined): Buffer {
  const parts = [request.mti, request.get(3) ?? '', request.get(4) ?? '', request.get(25) ?? '', request.get(42) ?? '', request.get(49) ?? '', request.get(60)?.typeCode ?? '', panId ?? ''];
  return createHash('sha256').update(JSON.stringify(parts)).digest();
}

/**
 * Whether `request` is the transaction `answered` recorded. Only the duplicate path pays for
 * this (reading the card, one keyed look-up in the PAN vault, no write): a first request never
 * comes here. A card the vault has never seen cannot be the recorded one; a request without a
 * card is compared as fingerprinted without one. A row from before
 * fingerprints were kept is taken as a match, as the host did then.
 */
export async function isSameTransaction(deps: HostDependencies, request: Request, answered: AnsweredRequest): Promise<boolean> {
  if (answered.fingerprint === undefined) return true;
  const card = readCardInput(request);
  // A request without a card (a 0400 reversal) was fingerprinted without one.
  if (card === undefined) return requestFingerprint(request, undefined).equals(answered.fingerprint);
  const panId = await deps.panVault.find(card.pan);
  if (panId === undefined) return false;
  return requestFingerprint(request, panId).equals(answered.fingerprint);
}

/**
 * The recorded reply for a retransmission, with field 64 made again under the terminal's current
 * MAK: a terminal that signed in since holds only the new MAK and could not verify the old MAC.
 * MTI..63 stay byte for byte as first sent; a reply recorded without a MAC stays without one.
 */
export async function replayAnswer(deps: HostDependencies, terminal: Terminal, answered: AnsweredRequest): Promise<Buffer> {
  const reply = Buffer.from(answered.response);
  const mak = terminal.workingKeys?.mak;
  if (!carriesMac(reply) || mak === undefined) return reply;
  const mac = await deps.hsm.generateMac(mak, macOptionsOf(terminal), macInput(reply));
  mac.copy(reply, reply.length - MAC_FIELD_BYTES, 0, MAC_FIELD_BYTES);
  return reply;
}
