import { cvv, emvAtcDiversifier, emvCommonSessionKey, emvDeriveIccMasterKey, emvGenerateArqc } from '../../../lib/crypto/index.js';
import { BastionError } from '../../../lib/errors/index.js';
import type { TestCardDefinition } from './seed-cards.js';
import { testOnlyClearSeedKey } from './seed-keys.js';
import { formatTrack2 } from './track2.js';

/**
 * TEST ONLY: the card's side of the test cards, for a simulator that plays the card and the
 * cardholder — the terminal simulator and end-to-end tests. Everything here is computed from the
 * published test keys (`seed-keys.ts`) with the crypto library, exactly as a personalised card
 * would, so the issuer simulator verifies it through the HSM for real. None of it is of any use
 * for a real card, and nothing on the host side may call it.
 */

function emvOf(card: TestCardDefinition): NonNullable<TestCardDefinition['emv']> {
  if (card.emv === undefined) throw new BastionError('ISSUER_ERR_CARD', `the test card ${card.profile} has no chip`, { argument: 'card' });
  return card.emv;
}

/**
 * What personalisation writes into a card once — its ICC master key and its track 2 — kept per
 * card definition, as the chip and the stripe keep them: a simulator playing a card for thousands
 * of sales (the load generator) derived both again for every sale, a third of its CPU. Published
 * test keys of test cards only; callers get copies, which they may wipe.
 */
const iccMasterKeys = new WeakMap<TestCardDefinition, Buffer>();
const track2s = new WeakMap<TestCardDefinition, string>();

/** TEST ONLY: the card's ICC master key (MK-AC), derived from the published test IMK-AC. */
export function testOnlyIccMasterKey(card: TestCardDefinition): Buffer {
  const emv = emvOf(card);
  let masterKey = iccMasterKeys.get(card);
  if (masterKey === undefined) {
    const imk = testOnlyClearSeedKey('imkAc');
    try {
      masterKey = emvDeriveIccMasterKey(imk, card.pan, emv.psn, emv.masterKeyOption);
    } finally {
      imk.fill(0);
    }
    iccMasterKeys.set(card, masterKey);
  }
  return Buffer.from(masterKey);
}

export interface TestCryptogramInput {
  /** 2 bytes. */
  readonly atc: Buffer;
  /** The CDOL1 data the card enciphers. */
  readonly cdolData: Buffer;
  /** 4 bytes (used by the `common-un` session key). */
  readonly unpredictableNumber: Buffer;
}

/** TEST ONLY: the ARQC the card would compute, by its profile's session key and padding. */
export function testOnlyArqc(card: TestCardDefinition, input: TestCryptogramInput): Buffer {
  const emv = emvOf(card);
  const masterKey = testOnlyIccMasterKey(card);
  let key: Buffer = masterKey;
  try {
    if (emv.sessionKey !== 'none') {
      const r = emvAtcDiversifier(input.atc);
      if (emv.sessionKey === 'common-un') r.set(input.unpredictableNumber, 4);
      key = emvCommonSessionKey(masterKey, r);
    }
    return emvGenerateArqc(key, input.cdolData, emv.padding);
  } finally {
    masterKey.fill(0);
    key.fill(0);
  }
}

/** TEST ONLY: the card's track 2, with the CVV computed under the published test CVK. */
export function testCardTrack2(card: TestCardDefinition): string {
  const kept = track2s.get(card);
  if (kept !== undefined) return kept;
  const cvk = testOnlyClearSeedKey('cvk');
  try {
    const track2 = formatTrack2({ pan: card.pan, expiry: card.expiry, serviceCode: card.serviceCode, cvv: cvv(cvk, card.pan, card.expiry, card.serviceCode) });
    track2s.set(card, track2);
    return track2;
  } finally {
    cvk.fill(0);
  }
}
