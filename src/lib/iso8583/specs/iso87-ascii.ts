import { defineSpec } from '../spec.js';

/**
 * Generic ISO 8583:1987 in text form: ASCII MTI, the bitmap as 16 uppercase hex characters
 * (32 with the secondary bitmap), numeric and text fields as ASCII characters, LL / LLL prefixes
 * as ASCII digits, binary fields as uppercase hex (a prefix on a binary field counts bytes, not hex
 * characters — the convention of jPOS's IFA_LLLBINARY and of the codec's units).
 *
 * Field table: ISO 8583:1987 data elements 2–128 (type, length, fixed / LLVAR / LLLVAR) as listed
 * in the standard's data element directory and cross-checked against moov-io/iso8583
 * `specs/spec87ascii.go` (Apache-2.0; it defines 2–64, 70 and 90 only) and jPOS's
 * `iso87binary.xml` packager (read for the facts only). Where the three disagree the standard wins,
 * except where its type cannot carry what the field really holds:
 * - 34 is `ns` in the standard; the codec has no `ns`, so `ans`.
 * - 36 (track 3) is `n` in the standard, but track data carries `=` field separators: `z`, like 35.
 * - 45 (track 1) is `an` in the standard, but track 1 holds `^`, `/` and spaces: `ans`.
 * - 44, 46–48 are `an` in the standard; networks put punctuation there, so `ans` (as moov, jPOS).
 * - 49–51 are "a or n 3" (alphabetic or numeric currency codes): `an`.
 * - 55 is "reserved ISO" in 1987; every EMV-era network uses it for ICC data, so it is binary
 *   BER-TLV here (up to 999 bytes).
 * - 65 is "b 1": one byte, which in practice only ever flags a tertiary bitmap.
 * - 28–31 and 97 are x+n: `length` counts the digits, the C / D sign character comes on top.
 *
 * Where the npm package `iso_8583` (2.6.7, `lib/formats.js`, the benchmark's peer) differs:
 * - wire layout: it writes a binary bitmap and always sets bit 1, sending 16 bitmap bytes even
 *   without fields above 64; fixed binary fields go out as raw bytes and variable ones as text.
 *   Here the bitmap and every binary field are hex text and the secondary bitmap is sent only when
 *   needed, so the same message differs on the wire in the bitmap and fields 52, 64, 96, 128;
 * - 64, 96 and 128: its MaxLen counts hex characters (8), i.e. 4 bytes; here 8 bytes (b 64);
 * - 52: 16 hex characters = 8 bytes, the same;
 * - 53: b, 96 hex characters; here n 16 as in the standard;
 * - 55: ans text up to 999; here binary TLV;
 * - 58: n..11 LLVAR and 59: ans..255; here both ans...999 LLLVAR ("reserved national");
 * - 36: n; 40, 49, 51: n; 37, 38: anp; 34: ns — here z, an, an, an, ans (see above);
 * - 118–122: n, 123: an with a minimum of 15; here ans...999 like the other reserved fields;
 * - 127: a six-digit length prefix with its own sub-bitmap (Postilion's 127.x); here ans...999 LLL.
 */
export const iso87AsciiSpec = defineSpec({
  name: 'iso87-ascii',
  description: 'ISO 8583:1987, ASCII: ASCII MTI and numerics, hex bitmap, ASCII LL / LLL prefixes, binary fields as hex',
  mti: { encoding: 'ascii' },
  bitmap: { encoding: 'hex' },
  fields: {
    2: { description: 'Primary account number (PAN)', type: 'n', length: 19, prefix: 'LL', prefixEncoding: 'ascii', encoding: 'ascii', sensitivity: 'pan' },
    3: { description: 'Processing code', type: 'n', length: 6, encoding: 'ascii' },
    4: { description: 'Amount, transaction', type: 'n', length: 12, encoding: 'ascii' },
    5: { description: 'Amount, settlement', type: 'n', length: 12, encoding: 'ascii' },
    6: { description: 'Amount, cardholder billing', type: 'n', length: 12, encoding: 'ascii' },
    7: { description: 'Transmission date and time (MMDDhhmmss)', type: 'n', length: 10, encoding: 'ascii' },
    8: { description: 'Amount, cardholder billing fee', type: 'n', length: 8, encoding: 'ascii' },
    9: { description: 'Conversion rate, settlement', type: 'n', length: 8, encoding: 'ascii' },
    10: { description: 'Conversion rate, cardholder billing', type: 'n', length: 8, encoding: 'ascii' },
    11: { description: 'System trace audit number', type: 'n', length: 6, encoding: 'ascii' },
    12: { description: 'Time, local transaction (hhmmss)', type: 'n', length: 6, encoding: 'ascii' },
    13: { description: 'Date, local transaction (MMDD)', type: 'n', length: 4, encoding: 'ascii' },
    14: { description: 'Date, expiration (YYMM)', type: 'n', length: 4, encoding: 'ascii', sensitivity: 'card-data' },
    15: { description: 'Date, settlement (MMDD)', type: 'n', length: 4, encoding: 'ascii' },
    16: { description: 'Date, conversion (MMDD)', type: 'n', length: 4, encoding: 'ascii' },
    17: { description: 'Date, capture (MMDD)', type: 'n', length: 4, encoding: 'ascii' },
    18: { description: 'Merchant type', type: 'n', length: 4, encoding: 'ascii' },
    19: { description: 'Acquiring institution country code', type: 'n', length: 3, encoding: 'ascii' },
    20: { description: 'PAN extended, country code', type: 'n', length: 3, encoding: 'ascii' },
    21: { description: 'Forwarding institution country code', type: 'n', length: 3, encoding: 'ascii' },
    22: { description: 'Point of service entry mode', type: 'n', length: 3, encoding: 'ascii' },
    23: { description: 'Card sequence number', type: 'n', length: 3, encoding: 'ascii' },
    24: { description: 'Network international identifier', type: 'n', length: 3, encoding: 'ascii' },
    25: { description: 'Point of service condition code', type: 'n', length: 2, encoding: 'ascii' },
    26: { description: 'Point of service PIN capture code', type: 'n', length: 2, encoding: 'ascii' },
    27: { description: 'Authorisation identification response length', type: 'n', length: 1, encoding: 'ascii' },
    28: { description: 'Amount, transaction fee', type: 'xn', length: 8, encoding: 'ascii' },
    29: { description: 'Amount, settlement fee', type: 'xn', length: 8, encoding: 'ascii' },
    30: { description: 'Amount, transaction processing fee', type: 'xn', length: 8, encoding: 'ascii' },
    31: { description: 'Amount, settlement processing fee', type: 'xn', length: 8, encoding: 'ascii' },
    32: { description: 'Acquiring institution identification code', type: 'n', length: 11, prefix: 'LL', prefixEncoding: 'ascii', encoding: 'ascii' },
    33: { description: 'Forwarding institution identification code', type: 'n', length: 11, prefix: 'LL', prefixEncoding: 'ascii', encoding: 'ascii' },
    34: { description: 'Primary account number, extended', type: 'ans', length: 28, prefix: 'LL', prefixEncoding: 'ascii', encoding: 'ascii', sensitivity: 'pan' },
    35: { description: 'Track 2 data', type: 'z', length: 37, prefix: 'LL', prefixEncoding: 'ascii', encoding: 'ascii', sensitivity: 'track' },
    36: { description: 'Track 3 data', type: 'z', length: 104, prefix: 'LLL', prefixEncoding: 'ascii', encoding: 'ascii', sensitivity: 'track' },
    37: { description: 'Retrieval reference number', type: 'an', length: 12, encoding: 'ascii' },
    38: { description: 'Authorisation identification response', type: 'an', length: 6, encoding: 'ascii' },
    39: { description: 'Response code', type: 'an', length: 2, encoding: 'ascii' },
    40: { description: 'Service restriction code', type: 'an', length: 3, encoding: 'ascii' },
    41: { description: 'Card acceptor terminal identification', type: 'ans', length: 8, encoding: 'ascii' },
    42: { description: 'Card acceptor identification code', type: 'ans', length: 15, encoding: 'ascii' },
    43: { description: 'Card acceptor name/location', type: 'ans', length: 40, encoding: 'ascii' },
    44: { description: 'Additional response data', type: 'ans', length: 25, prefix: 'LL', prefixEncoding: 'ascii', encoding: 'ascii' },
    45: { description: 'Track 1 data', type: 'ans', length: 76, prefix: 'LL', prefixEncoding: 'ascii', encoding: 'ascii', sensitivity: 'track' },
    46: { description: 'Additional data, ISO', type: 'ans', length: 999, prefix: 'LLL', prefixEncoding: 'ascii', encoding: 'ascii' },
    47: { description: 'Additional data, national', type: 'ans', length: 999, prefix: 'LLL', prefixEncoding: 'ascii', encoding: 'ascii' },
    48: { description: 'Additional data, private', type: 'ans', length: 999, prefix: 'LLL', prefixEncoding: 'ascii', encoding: 'ascii' },
    49: { description: 'Currency code, transaction', type: 'an', length: 3, encoding: 'ascii' },
    50: { description: 'Currency code, settlement', type: 'an', length: 3, encoding: 'ascii' },
    51: { description: 'Currency code, cardholder billing', type: 'an', length: 3, encoding: 'ascii' },
    52: { description: 'Personal identification number data (PIN block)', type: 'b', length: 8, encoding: 'hex', sensitivity: 'pin-block' },
    53: { description: 'Security related control information', type: 'n', length: 16, encoding: 'ascii' },
    54: { description: 'Additional amounts', type: 'an', length: 120, prefix: 'LLL', prefixEncoding: 'ascii', encoding: 'ascii' },
    55: { description: 'Integrated circuit card system related data (EMV TLV)', type: 'b', length: 999, prefix: 'LLL', prefixEncoding: 'ascii', encoding: 'hex', tlv: true, sensitivity: 'emv' },
    56: { description: 'Reserved, ISO', type: 'ans', length: 999, prefix: 'LLL', prefixEncoding: 'ascii', encoding: 'ascii' },
    57: { description: 'Reserved, national', type: 'ans', length: 999, prefix: 'LLL', prefixEncoding: 'ascii', encoding: 'ascii' },
    58: { description: 'Reserved, national', type: 'ans', length: 999, prefix: 'LLL', prefixEncoding: 'ascii', encoding: 'ascii' },
    59: { description: 'Reserved, national', type: 'ans', length: 999, prefix: 'LLL', prefixEncoding: 'ascii', encoding: 'ascii' },
    60: { description: 'Reserved, national', type: 'ans', length: 999, prefix: 'LLL', prefixEncoding: 'ascii', encoding: 'ascii' },
    61: { description: 'Reserved, private', type: 'ans', length: 999, prefix: 'LLL', prefixEncoding: 'ascii', encoding: 'ascii' },
    62: { description: 'Reserved, private', type: 'ans', length: 999, prefix: 'LLL', prefixEncoding: 'ascii', encoding: 'ascii' },
    63: { description: 'Reserved, private', type: 'ans', length: 999, prefix: 'LLL', prefixEncoding: 'ascii', encoding: 'ascii' },
    64: { description: 'Message authentication code (primary)', type: 'b', length: 8, encoding: 'hex', sensitivity: 'mac' },
    65: { description: 'Bitmap, extended (tertiary)', type: 'b', length: 1, encoding: 'hex' },
    66: { description: 'Settlement code', type: 'n', length: 1, encoding: 'ascii' },
    67: { description: 'Extended payment code', type: 'n', length: 2, encoding: 'ascii' },
    68: { description: 'Receiving institution country code', type: 'n', length: 3, encoding: 'ascii' },
    69: { description: 'Settlement institution country code', type: 'n', length: 3, encoding: 'ascii' },
    70: { description: 'Network management information code', type: 'n', length: 3, encoding: 'ascii' },
    71: { description: 'Message number', type: 'n', length: 4, encoding: 'ascii' },
    72: { description: 'Message number, last', type: 'n', length: 4, encoding: 'ascii' },
    73: { description: 'Date, action (YYMMDD)', type: 'n', length: 6, encoding: 'ascii' },
    74: { description: 'Credits, number', type: 'n', length: 10, encoding: 'ascii' },
    75: { description: 'Credits, reversal number', type: 'n', length: 10, encoding: 'ascii' },
    76: { description: 'Debits, number', type: 'n', length: 10, encoding: 'ascii' },
    77: { description: 'Debits, reversal number', type: 'n', length: 10, encoding: 'ascii' },
    78: { description: 'Transfer, number', type: 'n', length: 10, encoding: 'ascii' },
    79: { description: 'Transfer, reversal number', type: 'n', length: 10, encoding: 'ascii' },
    80: { description: 'Inquiries, number', type: 'n', length: 10, encoding: 'ascii' },
    81: { description: 'Authorisations, number', type: 'n', length: 10, encoding: 'ascii' },
    82: { description: 'Credits, processing fee amount', type: 'n', length: 12, encoding: 'ascii' },
    83: { description: 'Credits, transaction fee amount', type: 'n', length: 12, encoding: 'ascii' },
    84: { description: 'Debits, processing fee amount', type: 'n', length: 12, encoding: 'ascii' },
    85: { description: 'Debits, transaction fee amount', type: 'n', length: 12, encoding: 'ascii' },
    86: { description: 'Credits, amount', type: 'n', length: 16, encoding: 'ascii' },
    87: { description: 'Credits, reversal amount', type: 'n', length: 16, encoding: 'ascii' },
    88: { description: 'Debits, amount', type: 'n', length: 16, encoding: 'ascii' },
    89: { description: 'Debits, reversal amount', type: 'n', length: 16, encoding: 'ascii' },
    90: { description: 'Original data elements', type: 'n', length: 42, encoding: 'ascii' },
    91: { description: 'File update code', type: 'an', length: 1, encoding: 'ascii' },
    92: { description: 'File security code', type: 'an', length: 2, encoding: 'ascii' },
    93: { description: 'Response indicator', type: 'an', length: 5, encoding: 'ascii' },
    94: { description: 'Service indicator', type: 'an', length: 7, encoding: 'ascii' },
    95: { description: 'Replacement amounts', type: 'an', length: 42, encoding: 'ascii' },
    96: { description: 'Message security code', type: 'b', length: 8, encoding: 'hex', sensitivity: 'mac' },
    97: { description: 'Amount, net settlement', type: 'xn', length: 16, encoding: 'ascii' },
    98: { description: 'Payee', type: 'ans', length: 25, encoding: 'ascii' },
    99: { description: 'Settlement institution identification code', type: 'n', length: 11, prefix: 'LL', prefixEncoding: 'ascii', encoding: 'ascii' },
    100: { description: 'Receiving institution identification code', type: 'n', length: 11, prefix: 'LL', prefixEncoding: 'ascii', encoding: 'ascii' },
    101: { description: 'File name', type: 'ans', length: 17, prefix: 'LL', prefixEncoding: 'ascii', encoding: 'ascii' },
    102: { description: 'Account identification 1', type: 'ans', length: 28, prefix: 'LL', prefixEncoding: 'ascii', encoding: 'ascii', sensitivity: 'pan' },
    103: { description: 'Account identification 2', type: 'ans', length: 28, prefix: 'LL', prefixEncoding: 'ascii', encoding: 'ascii', sensitivity: 'pan' },
    104: { description: 'Transaction description', type: 'ans', length: 100, prefix: 'LLL', prefixEncoding: 'ascii', encoding: 'ascii' },
    105: { description: 'Reserved for ISO use', type: 'ans', length: 999, prefix: 'LLL', prefixEncoding: 'ascii', encoding: 'ascii' },
    106: { description: 'Reserved for ISO use', type: 'ans', length: 999, prefix: 'LLL', prefixEncoding: 'ascii', encoding: 'ascii' },
    107: { description: 'Reserved for ISO use', type: 'ans', length: 999, prefix: 'LLL', prefixEncoding: 'ascii', encoding: 'ascii' },
    108: { description: 'Reserved for ISO use', type: 'ans', length: 999, prefix: 'LLL', prefixEncoding: 'ascii', encoding: 'ascii' },
    109: { description: 'Reserved for ISO use', type: 'ans', length: 999, prefix: 'LLL', prefixEncoding: 'ascii', encoding: 'ascii' },
    110: { description: 'Reserved for ISO use', type: 'ans', length: 999, prefix: 'LLL', prefixEncoding: 'ascii', encoding: 'ascii' },
    111: { description: 'Reserved for ISO use', type: 'ans', length: 999, prefix: 'LLL', prefixEncoding: 'ascii', encoding: 'ascii' },
    112: { description: 'Reserved for national use', type: 'ans', length: 999, prefix: 'LLL', prefixEncoding: 'ascii', encoding: 'ascii' },
    113: { description: 'Reserved for national use', type: 'ans', length: 999, prefix: 'LLL', prefixEncoding: 'ascii', encoding: 'ascii' },
    114: { description: 'Reserved for national use', type: 'ans', length: 999, prefix: 'LLL', prefixEncoding: 'ascii', encoding: 'ascii' },
    115: { description: 'Reserved for national use', type: 'ans', length: 999, prefix: 'LLL', prefixEncoding: 'ascii', encoding: 'ascii' },
    116: { description: 'Reserved for national use', type: 'ans', length: 999, prefix: 'LLL', prefixEncoding: 'ascii', encoding: 'ascii' },
    117: { description: 'Reserved for national use', type: 'ans', length: 999, prefix: 'LLL', prefixEncoding: 'ascii', encoding: 'ascii' },
    118: { description: 'Reserved for national use', type: 'ans', length: 999, prefix: 'LLL', prefixEncoding: 'ascii', encoding: 'ascii' },
    119: { description: 'Reserved for national use', type: 'ans', length: 999, prefix: 'LLL', prefixEncoding: 'ascii', encoding: 'ascii' },
    120: { description: 'Reserved for private use', type: 'ans', length: 999, prefix: 'LLL', prefixEncoding: 'ascii', encoding: 'ascii' },
    121: { description: 'Reserved for private use', type: 'ans', length: 999, prefix: 'LLL', prefixEncoding: 'ascii', encoding: 'ascii' },
    122: { description: 'Reserved for private use', type: 'ans', length: 999, prefix: 'LLL', prefixEncoding: 'ascii', encoding: 'ascii' },
    123: { description: 'Reserved for private use', type: 'ans', length: 999, prefix: 'LLL', prefixEncoding: 'ascii', encoding: 'ascii' },
    124: { description: 'Reserved for private use', type: 'ans', length: 999, prefix: 'LLL', prefixEncoding: 'ascii', encoding: 'ascii' },
    125: { description: 'Reserved for private use', type: 'ans', length: 999, prefix: 'LLL', prefixEncoding: 'ascii', encoding: 'ascii' },
    126: { description: 'Reserved for private use', type: 'ans', length: 999, prefix: 'LLL', prefixEncoding: 'ascii', encoding: 'ascii' },
    127: { description: 'Reserved for private use', type: 'ans', length: 999, prefix: 'LLL', prefixEncoding: 'ascii', encoding: 'ascii' },
    128: { description: 'Message authentication code (secondary)', type: 'b', length: 8, encoding: 'hex', sensitivity: 'mac' },
  },
});

export type Iso87AsciiSpec = typeof iso87AsciiSpec;
