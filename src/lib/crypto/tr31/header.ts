import { BastionError } from '../../errors/index.js';
import { tr31AlgorithmName, tr31ExportabilityName, tr31KeyUsageName, tr31ModeOfUseName } from './header-values.js';
import { parseTr31OptionalBlocks, tr31FixedHeaderLengthChars, type Tr31OptionalBlock } from './optional-blocks.js';
import { isTr31Version, type Tr31Version } from './versions.js';

/**
 * The key block header (ASC X9 TR-31-2018; ANSI X9.143-2021 6.2, table 1): 16 fixed ASCII characters
 * followed by the optional blocks.
 *
 *   0      version ID (A, B, C, D)
 *   1–4    key block length, 4 decimal digits, the whole block including the MAC
 *   5–6    key usage          7  algorithm          8  mode of use
 *   9–10   key version number 11 exportability
 *   12–13  number of optional blocks, 2 decimal digits
 *   14–15  reserved, "00"
 */

/** What a caller chooses when writing a header; the length and block count are computed. */
export interface Tr31HeaderFields {
  readonly versionId: Tr31Version;
  readonly keyUsage: string;
  readonly algorithm: string;
  readonly modeOfUse: string;
  /** Two alphanumeric characters; "00" when key versioning is not used. */
  readonly keyVersionNumber: string;
  readonly exportability: string;
  readonly optionalBlocks?: readonly Tr31OptionalBlock[];
}

/** A header as read from a key block. */
export interface Tr31Header {
  readonly versionId: Tr31Version;
  readonly keyBlockLength: number;
  readonly keyUsage: string;
  readonly algorithm: string;
  readonly modeOfUse: string;
  readonly keyVersionNumber: string;
  readonly exportability: string;
  readonly numberOfOptionalBlocks: number;
  readonly reserved: string;
  readonly optionalBlocks: readonly Tr31OptionalBlock[];
}

type HeaderField = 'header' | 'versionId' | 'keyBlockLength' | 'keyUsage' | 'algorithm' | 'modeOfUse' | 'keyVersionNumber' | 'exportability' | 'numberOfOptionalBlocks' | 'reserved';

const reservedValue = '00';

function headerError(argument: string, field: HeaderField, message: string): BastionError {
  return new BastionError('CRYPTO_ERR_TR31_HEADER', message, { argument, field });
}

/** Header fields are not secret, so messages quote them; JSON quoting keeps odd characters visible. */
function quoted(value: string): string {
  return JSON.stringify(value);
}

function assertVersion(value: string, argument: string): asserts value is Tr31Version {
  if (!isTr31Version(value)) {
    throw new BastionError('CRYPTO_ERR_TR31_VERSION', `key block version ${quoted(value)} is not supported; expected A, B, C or D`, {
      argument,
      field: 'versionId',
    });
  }
}

/** Checks every caller-chosen field; throws CRYPTO_ERR_TR31_HEADER naming the field. */
export function assertTr31HeaderFields(fields: Tr31HeaderFields, argument = 'header'): void {
  assertVersion(fields.versionId, argument);
  if (tr31KeyUsageName(fields.keyUsage) === undefined) {
    throw headerError(argument, 'keyUsage', `key usage ${quoted(fields.keyUsage)} is not a TR-31 key usage (for example P0, K0, B0; 2 digits for proprietary usages)`);
  }
  if (tr31AlgorithmName(fields.algorithm) === undefined) {
    throw headerError(argument, 'algorithm', `algorithm ${quoted(fields.algorithm)} is not one of A, D, E, H, R, S, T (or a digit for a proprietary algorithm)`);
  }
  if (tr31ModeOfUseName(fields.modeOfUse) === undefined) {
    throw headerError(argument, 'modeOfUse', `mode of use ${quoted(fields.modeOfUse)} is not one of B, C, D, E, G, N, S, T, V, X, Y (or a digit)`);
  }
  if (!/^[0-9A-Za-z]{2}$/.test(fields.keyVersionNumber)) {
    throw headerError(argument, 'keyVersionNumber', `key version number ${quoted(fields.keyVersionNumber)} must be 2 alphanumeric characters`);
  }
  if (tr31ExportabilityName(fields.exportability) === undefined) {
    throw headerError(argument, 'exportability', `exportability ${quoted(fields.exportability)} is not one of E, N, S`);
  }
}

/**
 * Reads the header at the start of `text` (a key block, or a header on its own). The length field
 * is returned as written; the caller compares it with the block. `argument` names the input in
 * errors.
 */
export function parseTr31Header(text: string, argument = 'keyBlock'): { readonly header: Tr31Header; readonly headerLengthChars: number } {
  if (text.length === 0) throw headerError(argument, 'header', `${argument} is empty; a key block starts with a 16-character header`);
  const versionId = text.charAt(0);
  assertVersion(versionId, argument);
  if (text.length < tr31FixedHeaderLengthChars) {
    throw headerError(argument, 'header', `the header is ${text.length} characters; it needs at least ${tr31FixedHeaderLengthChars}`);
  }
  const lengthText = text.slice(1, 5);
  if (!/^[0-9]{4}$/.test(lengthText)) throw headerError(argument, 'keyBlockLength', 'the key block length must be 4 decimal digits');
  const fields: Tr31HeaderFields = {
    versionId,
    keyUsage: text.slice(5, 7),
    algorithm: text.charAt(7),
    modeOfUse: text.charAt(8),
    keyVersionNumber: text.slice(9, 11),
    exportability: text.charAt(11),
  };
  assertTr31HeaderFields(fields, argument);
  const countText = text.slice(12, 14);
  if (!/^[0-9]{2}$/.test(countText)) throw headerError(argument, 'numberOfOptionalBlocks', 'the number of optional blocks must be 2 decimal digits');
  const reserved = text.slice(14, 16);
  if (reserved !== reservedValue) throw headerError(argument, 'reserved', `the reserved field must be "${reservedValue}", got ${quoted(reserved)}`);
  const numberOfOptionalBlocks = Number(countText);
  const { blocks, endOffset } = parseBlocksEitherForm(text, numberOfOptionalBlocks, argument);
  return {
    header: { ...fields, keyBlockLength: Number(lengthText), numberOfOptionalBlocks, reserved, optionalBlocks: blocks },
    headerLengthChars: endOffset,
  };
}

/** Extended lengths counted in bytes, else (X9.143-2021 examples) in characters; see optional-blocks.ts. */
function parseBlocksEitherForm(text: string, count: number, argument: string): ReturnType<typeof parseTr31OptionalBlocks> {
  try {
    return parseTr31OptionalBlocks(text, tr31FixedHeaderLengthChars, count, argument, 'bytes');
  } catch (bytesError) {
    try {
      return parseTr31OptionalBlocks(text, tr31FixedHeaderLengthChars, count, argument, 'characters');
    } catch {
      throw bytesError;
    }
  }
}

/** Writes the 16 fixed characters followed by already laid-out optional blocks. */
export function formatTr31Header(fields: Tr31HeaderFields, keyBlockLength: number, optionalBlocks: { readonly text: string; readonly count: number }): string {
  return (
    fields.versionId +
    String(keyBlockLength).padStart(4, '0') +
    fields.keyUsage +
    fields.algorithm +
    fields.modeOfUse +
    fields.keyVersionNumber +
    fields.exportability +
    String(optionalBlocks.count).padStart(2, '0') +
    reservedValue +
    optionalBlocks.text
  );
}

/** The meanings of a header's coded fields, for people reading it. */
export interface Tr31HeaderDescription {
  readonly keyUsage: string;
  readonly algorithm: string;
  readonly modeOfUse: string;
  readonly exportability: string;
}

export function describeTr31Header(header: Pick<Tr31HeaderFields, 'keyUsage' | 'algorithm' | 'modeOfUse' | 'exportability'>): Tr31HeaderDescription {
  const unknown = 'Unknown';
  return {
    keyUsage: tr31KeyUsageName(header.keyUsage) ?? unknown,
    algorithm: tr31AlgorithmName(header.algorithm) ?? unknown,
    modeOfUse: tr31ModeOfUseName(header.modeOfUse) ?? unknown,
    exportability: tr31ExportabilityName(header.exportability) ?? unknown,
  };
}
