import { randomBytes } from 'node:crypto';
import { testOnlyArqc, testOnlyIccMasterKey, type TestCardDefinition } from '../../adapters/network/issuer-simulator/index.js';
import { emvAtcDiversifier, emvCommonSessionKey, EmvCryptogramKey, equalBytes } from '../../lib/crypto/index.js';
import { BastionError } from '../../lib/errors/index.js';
import { buildTlv, findTlvValue, parseTlv } from '../../lib/tlv/index.js';

/**
 * The chip side of a simulated transaction: the terminal's CDOL1 data, the card's ARQC over it
 * (from the published test keys, as the personalised card would compute it), field 55, and the
 * card's check of the issuer's answer (tag 91: ARPC method 1 ‖ ARC).
 */
export const ATC_MAX = 0xffff;

/** EMV transaction type (9C): goods and services, balance inquiry. */
export type ChipTransactionType = 'sale' | 'balance-inquiry';
const transactionTypeByte: Readonly<Record<ChipTransactionType, number>> = { sale: 0x00, 'balance-inquiry': 0x31 };

/** Cryptogram information data (9F27): an ARQC, go online. */
const CID_ARQC = 0x80;
/** Application interchange profile (82) of the test cards: SDA, DDA, cardholder verification, terminal risk management, issuer authentication. */
const TEST_CARD_AIP = Buffer.from('5C00', 'hex');
const CNY_NUMERIC = Buffer.from('0156', 'hex');
const CHINA_NUMERIC = Buffer.from('0156', 'hex');

export interface ChipRequestData {
  readonly atc: Buffer;
  readonly unpredictableNumber: Buffer;
  readonly arqc: Buffer;
  readonly field55: Buffer;
}

export interface ChipInput {
  readonly amountMinor: bigint;
  readonly atc: number;
  /** YYMMDD, the terminal's date. */
  readonly date: string;
  readonly type: ChipTransactionType;
  /** 4 bytes; random unless given (tests). */
  readonly unpredictableNumber?: Buffer;
}

/** The 2-byte ATC, or SIM_ERR_CARD when the card's counter is used up. */
export function atcBytes(atc: number): Buffer {
  if (!Number.isInteger(atc) || atc < 1 || atc > ATC_MAX) {
    throw new BastionError('SIM_ERR_CARD', 'the test card has used up its application transaction counter: run bastion cards seed --reset and start a new data directory', { atc });
  }
  const bytes = Buffer.alloc(2);
  bytes.writeUInt16BE(atc);
  return bytes;
}

/**
 * CDOL1 data in the order UnionPay and EMV common-core cards ask for it (and the host rebuilds
 * it): 9F02 amount, 9F03 other amount, 9F1A country, 95 TVR, 5F2A currency, 9A date, 9C type,
 * 9F37 unpredictable number, 82 AIP, 9F36 ATC.
 */
export function cdol1Elements(input: { amountMinor: bigint; date: string; type: ChipTransactionType; unpredictableNumber: Buffer; atc: Buffer }): readonly { tag: number; value: Buffer }[] {
  return [
    { tag: 0x9f02, value: Buffer.from(input.amountMinor.toString().padStart(12, '0'), 'hex') },
    { tag: 0x9f03, value: Buffer.alloc(6) },
    { tag: 0x9f1a, value: CHINA_NUMERIC },
    { tag: 0x95, value: Buffer.alloc(5) },
    { tag: 0x5f2a, value: CNY_NUMERIC },
    { tag: 0x9a, value: Buffer.from(input.date, 'hex') },
    { tag: 0x9c, value: Buffer.from([transactionTypeByte[input.type]]) },
    { tag: 0x9f37, value: input.unpredictableNumber },
    { tag: 0x82, value: TEST_CARD_AIP },
    { tag: 0x9f36, value: input.atc },
  ];
}

/** GENERATE AC on the card, then field 55 as the terminal sends it. */
export function chipRequest(card: TestCardDefinition, input: ChipInput): ChipRequestData {
  const emv = card.emv;
  if (emv === undefined) throw new BastionError('SIM_ERR_CARD', `test card ${card.profile} has no chip`, { profile: card.profile });
  if (!/^\d{6}$/.test(input.date)) throw new BastionError('SIM_ERR_ARGUMENT', 'the terminal date must be YYMMDD', { argument: 'date' });
  const atc = atcBytes(input.atc);
  const unpredictableNumber = input.unpredictableNumber ?? randomBytes(4);
  const elements = cdol1Elements({ amountMinor: input.amountMinor, date: input.date, type: input.type, unpredictableNumber, atc });
  const cdolData = Buffer.concat(elements.map((element) => element.value));
  const arqc = testOnlyArqc(card, { atc, cdolData, unpredictableNumber });
  const field55 = buildTlv([
    { tag: 0x9f26, value: arqc },
    { tag: 0x9f27, value: Buffer.from([CID_ARQC]) },
    ...elements,
    { tag: 0x5f34, value: Buffer.from(emv.psn, 'hex') },
  ]);
  return { atc, unpredictableNumber, arqc, field55 };
}

/**
 * The card's check of the issuer's answer: tag 91 must be ARPC ‖ ARC, ARC the response code in
 * ASCII, and ARPC = TDES(session key)[ARQC XOR ARC ‖ 00…] (method 1) under the card's own key.
 * Returns false when the reply carries no tag 91 (nothing to check); throws SIM_ERR_ARPC on any
 * mismatch.
 */
export function verifyIssuerAuthentication(card: TestCardDefinition, request: ChipRequestData, replyField55: Uint8Array | undefined, responseCode: string): boolean {
  if (replyField55 === undefined) return false;
  let issuerAuthentication: Buffer | undefined;
  try {
    issuerAuthentication = findTlvValue(parseTlv(replyField55), 0x91);
  } catch {
    throw new BastionError('SIM_ERR_RESPONSE', 'field 55 of the reply is not valid TLV', { field: 55 });
  }
  if (issuerAuthentication === undefined) return false;
  const emv = card.emv;
  if (emv === undefined || issuerAuthentication.length !== 10) {
    throw new BastionError('SIM_ERR_ARPC', 'the issuer authentication data (tag 91) is not an 8-byte ARPC and a 2-byte ARC', { tag: '91' });
  }
  const arpc = issuerAuthentication.subarray(0, 8);
  const arc = issuerAuthentication.subarray(8, 10);
  const expectedArc = Buffer.from(responseCode, 'latin1');
  const masterKey = testOnlyIccMasterKey(card);
  let key: Buffer = masterKey;
  try {
    if (emv.sessionKey !== 'none') {
      const r = emvAtcDiversifier(request.atc);
      if (emv.sessionKey === 'common-un') r.set(request.unpredictableNumber, 4);
      key = emvCommonSessionKey(masterKey, r);
    }
    const expected = new EmvCryptogramKey(key, 'sessionKey').arpcMethod1(request.arqc, expectedArc);
    if (!equalBytes(arc, expectedArc) || !equalBytes(arpc, expected)) {
      throw new BastionError('SIM_ERR_ARPC', 'the issuer authentication (ARPC) does not verify for this card and response code: the card refuses the transaction', { tag: '91' });
    }
    return true;
  } finally {
    masterKey.fill(0);
    key.fill(0);
  }
}
