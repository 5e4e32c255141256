import { BastionError } from '../../errors/index.js';
import { toHex } from '../bytes.js';
import type { Tr31Binding } from './binding.js';
import { assertTr31HeaderFields, formatTr31Header, parseTr31Header, type Tr31HeaderFields } from './header.js';
import { tr31KeyFieldLength, tr31Padding, writeTr31KeyField, type Tr31PaddingOptions } from './key-field.js';
import { layoutTr31OptionalBlocks, tr31FixedHeaderLengthChars } from './optional-blocks.js';
import { tr31VersionProfiles, type Tr31Version } from './versions.js';

/** How a key block gets its binding (the KBPK's derived keys) for a version. */
export interface Tr31BindingSource {
  bindingFor(version: Tr31Version): Tr31Binding;
}

/** A header as text (e.g. "B0000P0TE00N0000", length field recomputed) or as fields. */
export type Tr31HeaderInput = string | Tr31HeaderFields;

export type Tr31WrapOptions = Tr31PaddingOptions;

/** The key block length field has 4 digits. */
export const tr31MaxKeyBlockLengthChars = 9999;

function headerFields(input: Tr31HeaderInput): Tr31HeaderFields {
  if (typeof input !== 'string') {
    assertTr31HeaderFields(input);
    return input;
  }
  const { header, headerLengthChars } = parseTr31Header(input, 'header');
  if (headerLengthChars !== input.length) {
    throw new BastionError(
      'CRYPTO_ERR_TR31_HEADER',
      `the header text has ${input.length - headerLengthChars} characters after its ${header.numberOfOptionalBlocks} optional block(s); give the header only`,
      { argument: 'header', field: 'header' },
    );
  }
  return header;
}

/**
 * Builds a key block: header (with its length field and padding block worked out), the key
 * field encrypted under the KBEK, and the MAC, as uppercase hexadecimal after the header.
 */
export function wrapTr31KeyBlock(bindings: Tr31BindingSource, header: Tr31HeaderInput, key: Uint8Array, options: Tr31WrapOptions = {}): string {
  const fields = headerFields(header);
  const profile = tr31VersionProfiles[fields.versionId];
  const binding = bindings.bindingFor(fields.versionId);
  if (key.length === 0) throw new BastionError('CRYPTO_ERR_KEY_LENGTH', 'key must not be empty', { argument: 'key', length: 0 });
  const blocks = layoutTr31OptionalBlocks(fields.optionalBlocks ?? [], profile.blockSizeBytes);
  const headerLength = tr31FixedHeaderLengthChars + blocks.text.length;
  const padding = tr31Padding(key.length, fields.algorithm, profile.blockSizeBytes, options);
  const fieldLength = tr31KeyFieldLength(key.length, padding.length);
  const keyBlockLength = headerLength + 2 * (fieldLength + profile.macLengthBytes);
  if (keyBlockLength > tr31MaxKeyBlockLengthChars) {
    throw new BastionError('CRYPTO_ERR_TR31_LENGTH', `the key block would be ${keyBlockLength} characters; the length field allows at most ${tr31MaxKeyBlockLengthChars}`, {
      argument: 'key',
      length: keyBlockLength,
    });
  }
  const headerText = formatTr31Header(fields, keyBlockLength, blocks);
  const message = Buffer.allocUnsafe(headerLength + fieldLength);
  message.write(headerText, 0, 'latin1');
  writeTr31KeyField(message.subarray(headerLength), key, padding);
  try {
    const { ciphertext, mac } = binding.seal(message, headerLength);
    return headerText + toHex(ciphertext) + toHex(mac);
  } finally {
    message.fill(0, headerLength);
  }
}
