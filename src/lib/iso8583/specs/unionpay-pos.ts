import { defineSpec, type FieldSpec } from '../spec.js';

/**
 * The China UnionPay POS terminal variant of ISO 8583, as Bastion implements it: BCD MTI, one
 * binary bitmap (fields 2–64, 64 = MAC), numeric and track fields in packed BCD, LL / LLL prefixes
 * in BCD (1 and 2 bytes), text in ASCII, binary fields as raw bytes. A prefix counts digits for
 * `n` / `z`, characters for `an` / `ans`, bytes for `b`.
 *
 * Alignment: variable numeric fields are left-aligned (an odd digit count gets a trailing 0
 * nibble); fixed ones are right-aligned (a leading 0 nibble), except field 22, which is
 * left-aligned. Track data pads with 0, not F.
 *
 * Every choice, its sources and where the public sources disagree are in docs/protocol.md. The
 * field table follows the terminal-side packagers that agree with each other: LiaoYang_POS
 * `Src/st8583.c` + `st8583.h` + `pack8583.c` (CaoEnXin/LiaoYang_POS) and
 * teddy-lee/AIAUnionPay `CUPPackager.java`; field 59 follows UnionPay's 2014-era terminal
 * specification as seen in a real frame (blog.csdn.net/MaxWoods/article/details/86490475).
 *
 * Field 48 changes meaning with the transaction (settlement totals in 0500 / 0510, a record count
 * or detail records in 0320 batch upload, a tip amount in 0220 adjustments), so in this spec it is
 * plain digits; `unionPayPosSettlementSpec` below is the same spec with 48 split into totals, for
 * MTI 0500 / 0510.
 */
export const unionPayPosSpec = defineSpec({
  name: 'unionpay-pos',
  description: 'China UnionPay POS terminal protocol (ISO 8583:1987 variant, BCD / binary)',
  mti: { encoding: 'bcd' },
  bitmap: { encoding: 'binary' },
  fields: {
    2: { description: 'Primary account number', type: 'n', length: 19, prefix: 'LL', prefixEncoding: 'bcd', encoding: 'bcd-left', sensitivity: 'pan' },
    3: { description: 'Processing code', type: 'n', length: 6, encoding: 'bcd' },
    4: { description: 'Amount, transaction (minor units)', type: 'n', length: 12, encoding: 'bcd' },
    11: { description: 'System trace audit number', type: 'n', length: 6, encoding: 'bcd' },
    12: { description: 'Time, local transaction (hhmmss)', type: 'n', length: 6, encoding: 'bcd' },
    13: { description: 'Date, local transaction (MMDD)', type: 'n', length: 4, encoding: 'bcd' },
    14: { description: 'Date, expiration (YYMM)', type: 'n', length: 4, encoding: 'bcd', sensitivity: 'card-data' },
    15: { description: 'Date, settlement (MMDD)', type: 'n', length: 4, encoding: 'bcd' },
    // n3 left-aligned: entry mode 05 + PIN capability 1 → 05 10 (LiaoYang declares it n4 "to
    // handle the left alignment"; AIAUnionPay writes the two bytes by hand; real frame 07 10).
    22: { description: 'Point of service entry mode', type: 'n', length: 3, encoding: 'bcd-left' },
    // n3 right-aligned: 001 → 00 01 (AIAUnionPay asciiToBCD with right alignment; LiaoYang fixed n).
    23: { description: 'Card sequence number', type: 'n', length: 3, encoding: 'bcd' },
    25: { description: 'Point of service condition code', type: 'n', length: 2, encoding: 'bcd' },
    26: { description: 'Point of service PIN capture code (maximum PIN length)', type: 'n', length: 2, encoding: 'bcd' },
    32: { description: 'Acquiring institution identification code', type: 'n', length: 11, prefix: 'LL', prefixEncoding: 'bcd', encoding: 'bcd-left' },
    35: { description: 'Track 2 data', type: 'z', length: 37, prefix: 'LL', prefixEncoding: 'bcd', encoding: 'bcd-left', sensitivity: 'track' },
    36: { description: 'Track 3 data', type: 'z', length: 104, prefix: 'LLL', prefixEncoding: 'bcd', encoding: 'bcd-left', sensitivity: 'track' },
    37: { description: 'Retrieval reference number', type: 'an', length: 12, encoding: 'ascii' },
    38: { description: 'Authorisation identification response', type: 'an', length: 6, encoding: 'ascii' },
    39: { description: 'Response code', type: 'an', length: 2, encoding: 'ascii' },
    41: { description: 'Card acceptor terminal identification', type: 'ans', length: 8, encoding: 'ascii' },
    42: { description: 'Card acceptor identification code (merchant)', type: 'ans', length: 15, encoding: 'ascii' },
    44: { description: 'Additional response data (issuer and acquirer codes)', type: 'ans', length: 25, prefix: 'LL', prefixEncoding: 'bcd', encoding: 'ascii' },
    // 322 = a 2-digit count + 8 batch-upload records of 40 digits (AIAUnionPay: 2 + 40 * count).
    48: { description: 'Additional data, private (meaning depends on the transaction)', type: 'n', length: 322, prefix: 'LLL', prefixEncoding: 'bcd', encoding: 'bcd-left' },
    49: { description: 'Currency code, transaction', type: 'an', length: 3, encoding: 'ascii' },
    52: { description: 'Personal identification number data (PIN block)', type: 'b', length: 8, encoding: 'binary', sensitivity: 'pin-block' },
    53: { description: 'Security related control information', type: 'n', length: 16, encoding: 'bcd' },
    54: { description: 'Additional amounts (balance)', type: 'an', length: 20, prefix: 'LLL', prefixEncoding: 'bcd', encoding: 'ascii' },
    55: { description: 'Integrated circuit card system related data (EMV TLV)', type: 'b', length: 255, prefix: 'LLL', prefixEncoding: 'bcd', encoding: 'binary', tlv: true, sensitivity: 'emv' },
    // Binary: LiaoYang reads a key index byte and a MAC2 out of it (Attr_b in st8583.c).
    58: { description: 'PBOC electronic purse / cash data', type: 'b', length: 100, prefix: 'LLL', prefixEncoding: 'bcd', encoding: 'binary' },
    // Terminal information (hardware serial number, location) that 2014-era terminals send.
    59: { description: 'Reserved national: terminal information', type: 'ans', length: 600, prefix: 'LLL', prefixEncoding: 'bcd', encoding: 'ascii' },
    60: {
      description: 'Reserved private: transaction type, batch, network management code',
      type: 'n',
      length: 17,
      prefix: 'LLL',
      prefixEncoding: 'bcd',
      encoding: 'bcd-left',
      subfields: [
        { key: 'typeCode', path: '60.1', description: 'transaction type code', length: 2 },
        { key: 'batchNumber', path: '60.2', description: 'batch number', length: 6 },
        { key: 'networkCode', path: '60.3', description: 'network management information code', length: 3, optional: true },
        { key: 'terminalCapability', path: '60.4', description: 'terminal read capability', length: 1, optional: true },
        { key: 'icCondition', path: '60.5', description: 'IC card condition code', length: 1, optional: true },
        { key: 'partialApproval', path: '60.6', description: 'partial approval support flag', length: 1, optional: true },
        { key: 'accountType', path: '60.7', description: 'account type', length: 3, optional: true },
      ],
    },
    61: {
      description: 'Original message data',
      type: 'n',
      length: 29,
      prefix: 'LLL',
      prefixEncoding: 'bcd',
      encoding: 'bcd-left',
      subfields: [
        { key: 'originalBatch', path: '61.1', description: 'original batch number', length: 6 },
        { key: 'originalTrace', path: '61.2', description: 'original trace number', length: 6 },
        { key: 'originalDate', path: '61.3', description: 'original transaction date MMDD', length: 4, optional: true },
        { key: 'originalAuthMethod', path: '61.4', description: 'original authorisation method', length: 2, optional: true },
        { key: 'originalAuthInstitution', path: '61.5', description: 'original authorisation institution', length: 11, optional: true },
      ],
    },
    // Hidden in dumps and logs: in a sign-in reply it carries the new working keys (under the TMK).
    62: { description: 'Reserved private: working keys, parameters, terminal data', type: 'b', length: 512, prefix: 'LLL', prefixEncoding: 'bcd', encoding: 'binary', sensitivity: 'key' },
    63: {
      description: 'Reserved private: operator / card organisation code and issuer data',
      type: 'ans',
      length: 163,
      prefix: 'LLL',
      prefixEncoding: 'bcd',
      encoding: 'ascii',
      subfields: [
        { key: 'code', path: '63.1', description: 'operator number (requests) or card organisation code (responses)', length: 3 },
        { key: 'data', path: '63.2', description: 'issuer and other reserved data', length: 160, optional: true, variable: true },
      ],
    },
    64: { description: 'Message authentication code', type: 'b', length: 8, encoding: 'binary', sensitivity: 'mac' },
  },
});

export type UnionPayPosSpec = typeof unionPayPosSpec;

/**
 * Field 48 of settlement (0500 / 0510): domestic totals, then the same for foreign cards. Terminals
 * send both halves, 62 digits (LiaoYang `tranproc.c` "%s%03d%s%03d0%s%03d%s%03d0"; AIAUnionPay
 * setF48_CUP); the host answers with the settlement codes at digits 31 and 62 (LiaoYang
 * `trancomm.c` reads szField48[30] and [61]). The foreign half is optional so that a terminal
 * that sends only the domestic 31 digits is still understood.
 */
const settlementTotalsField = {
  description: 'Additional data, private: settlement totals',
  type: 'n',
  length: 322,
  prefix: 'LLL',
  prefixEncoding: 'bcd',
  encoding: 'bcd-left',
  subfields: [
    { key: 'debitAmount', path: '48.1', description: 'domestic debit total amount', length: 12 },
    { key: 'debitCount', path: '48.2', description: 'domestic debit count', length: 3 },
    { key: 'creditAmount', path: '48.3', description: 'domestic credit total amount', length: 12 },
    { key: 'creditCount', path: '48.4', description: 'domestic credit count', length: 3 },
    { key: 'settlementCode', path: '48.5', description: 'domestic settlement code (0 terminal, 1 balanced, 2 not balanced, 3 error)', length: 1 },
    { key: 'foreignDebitAmount', path: '48.6', description: 'foreign card debit total amount', length: 12, optional: true },
    { key: 'foreignDebitCount', path: '48.7', description: 'foreign card debit count', length: 3, optional: true },
    { key: 'foreignCreditAmount', path: '48.8', description: 'foreign card credit total amount', length: 12, optional: true },
    { key: 'foreignCreditCount', path: '48.9', description: 'foreign card credit count', length: 3, optional: true },
    { key: 'foreignSettlementCode', path: '48.10', description: 'foreign card settlement code', length: 1, optional: true },
  ],
} as const satisfies FieldSpec;

/** The UnionPay POS spec for settlement requests and replies (MTI 0500 / 0510): 48 as totals. */
export const unionPayPosSettlementSpec = defineSpec({
  name: 'unionpay-pos-settlement',
  description: 'China UnionPay POS terminal protocol, settlement (0500 / 0510): field 48 as settlement totals',
  mti: unionPayPosSpec.mti,
  bitmap: unionPayPosSpec.bitmap,
  fields: { ...unionPayPosSpec.fields, 48: settlementTotalsField },
});

export type UnionPayPosSettlementSpec = typeof unionPayPosSettlementSpec;
