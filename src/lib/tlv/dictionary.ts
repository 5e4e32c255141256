import { BastionError } from '../errors/index.js';
import type { EmvFormat } from './formats.js';
import { isConstructedTag } from './tag.js';

/**
 * The EMV data elements an acquiring host meets in field 55, in card records and in terminal
 * parameters: name, format, length range and how sensitive the value is.
 *
 * Source: EMV 4.4 Book 3 Annex A (Data Elements Dictionary) for the EMV tags; the contactless
 * books and scheme documents for 56, 9F5D, 9F66, 9F6B, 9F6C, 9F6E, 9F7C, 9F53; EMV Payment
 * Tokenisation for 9F19, 9F24, 9F25; PBOC / UnionPay (as used by ConardLKL/posp_server and
 * teddy-lee/AIAUnionPay) for 9F63, 9F74, 9F79, 9F7B, DF31. Lengths are in bytes. "var." elements
 * whose maximum depends on a key size use 248, the largest EMV CA modulus.
 *
 * Sensitivity drives what logs and message dumps may show:
 * - `pan`: the card number → shown masked (first 6, last 4) at most;
 * - `track`: track data, which holds the PAN, expiry and card verification values → hidden;
 * - `name`: the cardholder's name → hidden;
 * - `pin`: enciphered PIN data → hidden, always;
 * - `cryptogram`: cryptograms and their inputs (ATC, unpredictable number, issuer data, scripts)
 *   → hidden by default, shown only when someone debugging a cryptogram asks for it;
 * - `none`: terminal settings, amounts, dates, codes → shown.
 */
export type EmvTagSensitivity = 'none' | 'pan' | 'track' | 'name' | 'pin' | 'cryptogram';

export type EmvTagSource = 'card' | 'terminal' | 'issuer';

export interface EmvTagInfo {
  readonly tag: number;
  readonly name: string;
  /** The format of the value; templates are listed as `b` (their value is TLV). */
  readonly format: EmvFormat;
  readonly lengthMinBytes: number;
  readonly lengthMaxBytes: number;
  /** A template whose value is itself TLV (bit 6 of the first tag byte). */
  readonly constructed: boolean;
  readonly source: EmvTagSource;
  readonly sensitivity: EmvTagSensitivity;
}

type Row = readonly [tag: number, name: string, format: EmvFormat, lengthMin: number, lengthMax: number, source: EmvTagSource, sensitivity?: EmvTagSensitivity];

const rows: readonly Row[] = [
  [0x42, 'Issuer Identification Number (IIN)', 'n', 3, 3, 'card'],
  [0x4f, 'Application Identifier (AID) - card', 'b', 5, 16, 'card'],
  [0x50, 'Application Label', 'ans', 1, 16, 'card'],
  [0x56, 'Track 1 Data', 'ans', 1, 76, 'card', 'track'],
  [0x57, 'Track 2 Equivalent Data', 'b', 1, 19, 'card', 'track'],
  [0x5a, 'Application Primary Account Number (PAN)', 'cn', 1, 10, 'card', 'pan'],
  [0x5f20, 'Cardholder Name', 'ans', 2, 26, 'card', 'name'],
  [0x5f24, 'Application Expiration Date', 'n', 3, 3, 'card'],
  [0x5f25, 'Application Effective Date', 'n', 3, 3, 'card'],
  [0x5f28, 'Issuer Country Code', 'n', 2, 2, 'card'],
  [0x5f2a, 'Transaction Currency Code', 'n', 2, 2, 'terminal'],
  [0x5f2d, 'Language Preference', 'an', 2, 8, 'card'],
  [0x5f30, 'Service Code', 'n', 2, 2, 'card'],
  [0x5f34, 'Application PAN Sequence Number', 'n', 1, 1, 'card'],
  [0x5f36, 'Transaction Currency Exponent', 'n', 1, 1, 'terminal'],
  [0x5f50, 'Issuer URL', 'ans', 1, 255, 'card'],
  [0x5f53, 'International Bank Account Number (IBAN)', 'b', 1, 34, 'card'],
  [0x5f54, 'Bank Identifier Code (BIC)', 'b', 8, 11, 'card'],
  [0x5f55, 'Issuer Country Code (alpha2 format)', 'a', 2, 2, 'card'],
  [0x5f56, 'Issuer Country Code (alpha3 format)', 'a', 3, 3, 'card'],
  [0x5f57, 'Account Type', 'n', 1, 1, 'terminal'],
  [0x61, 'Application Template', 'b', 0, 252, 'card'],
  [0x6f, 'File Control Information (FCI) Template', 'b', 0, 252, 'card'],
  [0x70, 'READ RECORD Response Message Template', 'b', 0, 252, 'card'],
  [0x71, 'Issuer Script Template 1', 'b', 0, 255, 'issuer', 'cryptogram'],
  [0x72, 'Issuer Script Template 2', 'b', 0, 255, 'issuer', 'cryptogram'],
  [0x73, 'Directory Discretionary Template', 'b', 0, 252, 'card'],
  [0x77, 'Response Message Template Format 2', 'b', 0, 255, 'card'],
  [0x80, 'Response Message Template Format 1', 'b', 0, 255, 'card'],
  [0x81, 'Amount, Authorised (Binary)', 'b', 4, 4, 'terminal'],
  [0x82, 'Application Interchange Profile (AIP)', 'b', 2, 2, 'card'],
  [0x83, 'Command Template', 'b', 0, 255, 'terminal'],
  [0x84, 'Dedicated File (DF) Name', 'b', 5, 16, 'card'],
  [0x86, 'Issuer Script Command', 'b', 0, 261, 'issuer', 'cryptogram'],
  [0x87, 'Application Priority Indicator', 'b', 1, 1, 'card'],
  [0x88, 'Short File Identifier (SFI)', 'b', 1, 1, 'card'],
  [0x89, 'Authorisation Code', 'ans', 6, 6, 'issuer'],
  [0x8a, 'Authorisation Response Code', 'an', 2, 2, 'issuer'],
  [0x8c, 'Card Risk Management Data Object List 1 (CDOL1)', 'b', 0, 252, 'card'],
  [0x8d, 'Card Risk Management Data Object List 2 (CDOL2)', 'b', 0, 252, 'card'],
  [0x8e, 'Cardholder Verification Method (CVM) List', 'b', 10, 252, 'card'],
  [0x8f, 'Certification Authority Public Key Index', 'b', 1, 1, 'card'],
  [0x90, 'Issuer Public Key Certificate', 'b', 1, 248, 'card'],
  [0x91, 'Issuer Authentication Data', 'b', 8, 16, 'issuer', 'cryptogram'],
  [0x92, 'Issuer Public Key Remainder', 'b', 1, 248, 'card'],
  [0x93, 'Signed Static Application Data', 'b', 1, 248, 'card'],
  [0x94, 'Application File Locator (AFL)', 'b', 0, 252, 'card'],
  [0x95, 'Terminal Verification Results (TVR)', 'b', 5, 5, 'terminal'],
  [0x97, 'Transaction Certificate Data Object List (TDOL)', 'b', 0, 252, 'card'],
  [0x98, 'Transaction Certificate (TC) Hash Value', 'b', 20, 20, 'terminal'],
  [0x99, 'Transaction Personal Identification Number (PIN) Data', 'b', 0, 255, 'terminal', 'pin'],
  [0x9a, 'Transaction Date', 'n', 3, 3, 'terminal'],
  [0x9b, 'Transaction Status Information (TSI)', 'b', 2, 2, 'terminal'],
  [0x9c, 'Transaction Type', 'n', 1, 1, 'terminal'],
  [0x9d, 'Directory Definition File (DDF) Name', 'b', 5, 16, 'card'],
  [0x9f01, 'Acquirer Identifier', 'n', 6, 6, 'terminal'],
  [0x9f02, 'Amount, Authorised (Numeric)', 'n', 6, 6, 'terminal'],
  [0x9f03, 'Amount, Other (Numeric)', 'n', 6, 6, 'terminal'],
  [0x9f04, 'Amount, Other (Binary)', 'b', 4, 4, 'terminal'],
  [0x9f05, 'Application Discretionary Data', 'b', 1, 32, 'card'],
  [0x9f06, 'Application Identifier (AID) - terminal', 'b', 5, 16, 'terminal'],
  [0x9f07, 'Application Usage Control', 'b', 2, 2, 'card'],
  [0x9f08, 'Application Version Number (card)', 'b', 2, 2, 'card'],
  [0x9f09, 'Application Version Number (terminal)', 'b', 2, 2, 'terminal'],
  [0x9f0b, 'Cardholder Name Extended', 'ans', 27, 45, 'card', 'name'],
  [0x9f0d, 'Issuer Action Code - Default', 'b', 5, 5, 'card'],
  [0x9f0e, 'Issuer Action Code - Denial', 'b', 5, 5, 'card'],
  [0x9f0f, 'Issuer Action Code - Online', 'b', 5, 5, 'card'],
  [0x9f10, 'Issuer Application Data (IAD)', 'b', 0, 32, 'card', 'cryptogram'],
  [0x9f11, 'Issuer Code Table Index', 'n', 1, 1, 'card'],
  [0x9f12, 'Application Preferred Name', 'ans', 1, 16, 'card'],
  [0x9f13, 'Last Online Application Transaction Counter (ATC) Register', 'b', 2, 2, 'card'],
  [0x9f14, 'Lower Consecutive Offline Limit', 'b', 1, 1, 'card'],
  [0x9f15, 'Merchant Category Code', 'n', 2, 2, 'terminal'],
  [0x9f16, 'Merchant Identifier', 'ans', 15, 15, 'terminal'],
  [0x9f17, 'Personal Identification Number (PIN) Try Counter', 'b', 1, 1, 'card'],
  [0x9f18, 'Issuer Script Identifier', 'b', 4, 4, 'issuer'],
  [0x9f19, 'Token Requestor ID', 'n', 6, 6, 'card'],
  [0x9f1a, 'Terminal Country Code', 'n', 2, 2, 'terminal'],
  [0x9f1b, 'Terminal Floor Limit', 'b', 4, 4, 'terminal'],
  [0x9f1c, 'Terminal Identification', 'an', 8, 8, 'terminal'],
  [0x9f1d, 'Terminal Risk Management Data', 'b', 1, 8, 'terminal'],
  [0x9f1e, 'Interface Device (IFD) Serial Number', 'an', 8, 8, 'terminal'],
  [0x9f1f, 'Track 1 Discretionary Data', 'ans', 0, 255, 'card', 'track'],
  [0x9f20, 'Track 2 Discretionary Data', 'cn', 0, 255, 'card', 'track'],
  [0x9f21, 'Transaction Time', 'n', 3, 3, 'terminal'],
  [0x9f22, 'Certification Authority Public Key Index (terminal)', 'b', 1, 1, 'terminal'],
  [0x9f23, 'Upper Consecutive Offline Limit', 'b', 1, 1, 'card'],
  [0x9f24, 'Payment Account Reference (PAR)', 'an', 29, 29, 'card'],
  [0x9f25, 'Last 4 Digits of PAN', 'n', 2, 2, 'card'],
  [0x9f26, 'Application Cryptogram', 'b', 8, 8, 'card', 'cryptogram'],
  [0x9f27, 'Cryptogram Information Data', 'b', 1, 1, 'card'],
  [0x9f2d, 'ICC PIN Encipherment Public Key Certificate', 'b', 1, 248, 'card'],
  [0x9f2e, 'ICC PIN Encipherment Public Key Exponent', 'b', 1, 3, 'card'],
  [0x9f2f, 'ICC PIN Encipherment Public Key Remainder', 'b', 1, 248, 'card'],
  [0x9f32, 'Issuer Public Key Exponent', 'b', 1, 3, 'card'],
  [0x9f33, 'Terminal Capabilities', 'b', 3, 3, 'terminal'],
  [0x9f34, 'Cardholder Verification Method (CVM) Results', 'b', 3, 3, 'terminal'],
  [0x9f35, 'Terminal Type', 'n', 1, 1, 'terminal'],
  [0x9f36, 'Application Transaction Counter (ATC)', 'b', 2, 2, 'card', 'cryptogram'],
  [0x9f37, 'Unpredictable Number', 'b', 4, 4, 'terminal', 'cryptogram'],
  [0x9f38, 'Processing Options Data Object List (PDOL)', 'b', 0, 252, 'card'],
  [0x9f39, 'Point-of-Service (POS) Entry Mode', 'n', 1, 1, 'terminal'],
  [0x9f3a, 'Amount, Reference Currency', 'b', 4, 4, 'terminal'],
  [0x9f3b, 'Application Reference Currency', 'n', 2, 8, 'card'],
  [0x9f3c, 'Transaction Reference Currency Code', 'n', 2, 2, 'terminal'],
  [0x9f3d, 'Transaction Reference Currency Exponent', 'n', 1, 1, 'terminal'],
  [0x9f40, 'Additional Terminal Capabilities', 'b', 5, 5, 'terminal'],
  [0x9f41, 'Transaction Sequence Counter', 'n', 2, 4, 'terminal'],
  [0x9f42, 'Application Currency Code', 'n', 2, 2, 'card'],
  [0x9f43, 'Application Reference Currency Exponent', 'n', 1, 4, 'card'],
  [0x9f44, 'Application Currency Exponent', 'n', 1, 1, 'card'],
  [0x9f45, 'Data Authentication Code', 'b', 2, 2, 'card', 'cryptogram'],
  [0x9f46, 'ICC Public Key Certificate', 'b', 1, 248, 'card'],
  [0x9f47, 'ICC Public Key Exponent', 'b', 1, 3, 'card'],
  [0x9f48, 'ICC Public Key Remainder', 'b', 1, 248, 'card'],
  [0x9f49, 'Dynamic Data Authentication Data Object List (DDOL)', 'b', 0, 252, 'card'],
  [0x9f4a, 'Static Data Authentication Tag List', 'b', 0, 255, 'card'],
  [0x9f4b, 'Signed Dynamic Application Data', 'b', 1, 248, 'card', 'cryptogram'],
  [0x9f4c, 'ICC Dynamic Number', 'b', 2, 8, 'card', 'cryptogram'],
  [0x9f4d, 'Log Entry', 'b', 2, 2, 'card'],
  [0x9f4e, 'Merchant Name and Location', 'ans', 0, 255, 'terminal'],
  [0x9f4f, 'Log Format', 'b', 0, 255, 'card'],
  [0x9f53, 'Transaction Category Code', 'an', 1, 1, 'terminal'],
  [0x9f5d, 'Available Offline Spending Amount', 'n', 6, 6, 'card'],
  [0x9f63, 'Card Product Identification Information (UnionPay)', 'b', 16, 16, 'card'],
  [0x9f66, 'Terminal Transaction Qualifiers (TTQ)', 'b', 4, 4, 'terminal'],
  [0x9f6b, 'Track 2 Data (contactless)', 'b', 1, 19, 'card', 'track'],
  [0x9f6c, 'Card Transaction Qualifiers (CTQ)', 'b', 2, 2, 'card'],
  [0x9f6e, 'Form Factor Indicator / Third Party Data', 'b', 4, 32, 'card'],
  [0x9f74, 'Electronic Cash Issuer Authorisation Code (PBOC)', 'a', 6, 6, 'card'],
  [0x9f79, 'Electronic Cash Balance (PBOC)', 'n', 6, 6, 'card'],
  [0x9f7b, 'Electronic Cash Terminal Transaction Limit (PBOC)', 'n', 6, 6, 'terminal'],
  [0x9f7c, 'Customer Exclusive Data', 'b', 1, 32, 'card'],
  [0xa5, 'File Control Information (FCI) Proprietary Template', 'b', 0, 255, 'card'],
  [0xbf0c, 'File Control Information (FCI) Issuer Discretionary Data', 'b', 0, 222, 'card'],
  [0xdf31, 'Issuer Script Results (UnionPay)', 'b', 0, 255, 'terminal'],
];

const byTag: ReadonlyMap<number, EmvTagInfo> = new Map(
  rows.map(([tag, name, format, lengthMinBytes, lengthMaxBytes, source, sensitivity = 'none']) => [
    tag,
    Object.freeze({ tag, name, format, lengthMinBytes, lengthMaxBytes, constructed: isConstructedTag(tag), source, sensitivity }),
  ]),
);

// A repeated row would silently replace the first one: stop at load time instead.
if (byTag.size !== rows.length) throw new BastionError('ISO_ERR_SPEC', 'the EMV tag dictionary lists a tag twice', { count: rows.length - byTag.size });

/** Every entry of the dictionary, in the order listed above. */
export const emvTagDictionary: readonly EmvTagInfo[] = Object.freeze([...byTag.values()]);

/** What the dictionary knows about `tag`, or undefined for a tag it does not list. */
export function emvTagInfo(tag: number): EmvTagInfo | undefined {
  return byTag.get(tag);
}

export type TlvDisplay = 'show' | 'mask-pan' | 'hide';

export interface TlvDisplayOptions {
  /** Show cryptograms and their inputs (someone is debugging an ARQC). Card data stays hidden. */
  readonly revealCryptograms?: boolean;
}

/**
 * How a log or message dump may show the value of `tag`. Tags the dictionary does not know are
 * hidden: a proprietary tag may carry anything, and showing it is a decision for a person.
 */
export function tlvDisplayPolicy(tag: number, options: TlvDisplayOptions = {}): TlvDisplay {
  const sensitivity = byTag.get(tag)?.sensitivity;
  if (sensitivity === 'none') return 'show';
  if (sensitivity === 'pan') return 'mask-pan';
  if (sensitivity === 'cryptogram' && options.revealCryptograms === true) return 'show';
  return 'hide';
}
