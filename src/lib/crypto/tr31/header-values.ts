/**
 * The values the standard defines for the coded header fields, with their meanings
 * (ASC X9 TR-31-2018 tables 6 to 10, with the additions of ANSI X9.143-2021). The standard
 * reserves purely numeric values of key usage, algorithm and mode of use for proprietary use,
 * so those are accepted too and described as proprietary.
 */

export const tr31KeyUsages: Readonly<Record<string, string>> = {
  B0: 'Base Derivation Key (BDK)',
  B1: 'Initial DUKPT key (IK / IPEK)',
  B2: 'Base key variant key',
  B3: 'Key derivation key (not ANSI X9.24)',
  C0: 'Card verification key (CVK)',
  D0: 'Symmetric key for data encryption',
  D1: 'Asymmetric key for data encryption',
  D2: 'Data encryption key for decimalisation tables',
  D3: 'Data encryption key for sensitive data',
  E0: 'EMV/chip issuer master key: application cryptograms',
  E1: 'EMV/chip issuer master key: secure messaging for confidentiality',
  E2: 'EMV/chip issuer master key: secure messaging for integrity',
  E3: 'EMV/chip issuer master key: data authentication code',
  E4: 'EMV/chip issuer master key: dynamic numbers',
  E5: 'EMV/chip issuer master key: card personalisation',
  E6: 'EMV/chip issuer master key: other',
  E7: 'EMV/chip asymmetric key pair for PIN encryption',
  I0: 'Initialisation vector (IV)',
  K0: 'Key encryption or wrapping key',
  K1: 'TR-31 / X9.143 key block protection key (KBPK)',
  K2: 'TR-34 asymmetric key',
  K3: 'Asymmetric key for key agreement or key wrapping',
  K4: 'ISO 20038 key block protection key',
  M0: 'ISO 16609 MAC algorithm 1 (TDES)',
  M1: 'ISO 9797-1 MAC algorithm 1',
  M2: 'ISO 9797-1 MAC algorithm 2',
  M3: 'ISO 9797-1 MAC algorithm 3',
  M4: 'ISO 9797-1 MAC algorithm 4',
  M5: 'ISO 9797-1:1999 MAC algorithm 5',
  M6: 'ISO 9797-1:2011 MAC algorithm 5 (CMAC)',
  M7: 'HMAC',
  M8: 'ISO 9797-1:2011 MAC algorithm 6',
  P0: 'PIN encryption',
  P1: 'PIN generation',
  S0: 'Asymmetric key pair for digital signature',
  S1: 'Asymmetric key pair, CA key',
  S2: 'Asymmetric key pair, non-X9.24 key',
  V0: 'PIN verification, KPV, other algorithm',
  V1: 'PIN verification, IBM 3624',
  V2: 'PIN verification, Visa PVV',
  V3: 'PIN verification, X9.132 algorithm 1',
  V4: 'PIN verification, X9.132 algorithm 2',
  V5: 'PIN verification, X9.132 algorithm 3',
};

export const tr31Algorithms: Readonly<Record<string, string>> = {
  A: 'AES',
  D: 'DEA (DES)',
  E: 'Elliptic curve',
  H: 'HMAC',
  R: 'RSA',
  S: 'DSA',
  T: 'Triple DEA (TDES)',
};

export const tr31ModesOfUse: Readonly<Record<string, string>> = {
  B: 'Both encrypt / wrap and decrypt / unwrap',
  C: 'Both generate and verify (MAC)',
  D: 'Decrypt / unwrap only',
  E: 'Encrypt / wrap only',
  G: 'Generate only (MAC)',
  N: 'No special restrictions',
  S: 'Signature only',
  T: 'Both sign and decrypt',
  V: 'Verify only',
  X: 'Key used to derive other keys',
  Y: 'Key used to create key variants',
};

export const tr31Exportabilities: Readonly<Record<string, string>> = {
  E: 'Exportable under a KEK in a form meeting ANSI X9.24',
  N: 'Not exportable',
  S: 'Sensitive: exportable in forms not meeting ANSI X9.24',
};

/** Known optional block IDs. Others (including numeric, proprietary ones) are carried as-is. */
export const tr31OptionalBlockIds: Readonly<Record<string, string>> = {
  AL: 'Asymmetric key life',
  BI: 'Base derivation key identifier (DUKPT)',
  CT: 'Public key certificate',
  DA: 'Derivations allowed',
  FL: 'Flags',
  HM: 'HMAC hash algorithm',
  IK: 'Initial key identifier (AES DUKPT)',
  KC: 'Key check value of the wrapped key',
  KP: 'Key check value of the KBPK',
  KS: 'Initial key serial number (TDES DUKPT)',
  KV: 'Key block values',
  LB: 'Label',
  PB: 'Padding block',
  PK: 'Protection key check value',
  TC: 'Time of creation',
  TS: 'Time stamp',
  WP: 'Wrapping pedigree',
};

const proprietary = 'Proprietary (numeric value)';

function lookUp(table: Readonly<Record<string, string>>, value: string, numericLength: number): string | undefined {
  if (Object.hasOwn(table, value)) return table[value];
  return value.length === numericLength && /^[0-9]+$/.test(value) ? proprietary : undefined;
}

/** The meaning of a key usage, or undefined when the value is not defined by the standard. */
export function tr31KeyUsageName(value: string): string | undefined {
  return lookUp(tr31KeyUsages, value, 2);
}

export function tr31AlgorithmName(value: string): string | undefined {
  return lookUp(tr31Algorithms, value, 1);
}

export function tr31ModeOfUseName(value: string): string | undefined {
  return lookUp(tr31ModesOfUse, value, 1);
}

export function tr31ExportabilityName(value: string): string | undefined {
  return Object.hasOwn(tr31Exportabilities, value) ? tr31Exportabilities[value] : undefined;
}
