import { BastionError } from '../../errors/index.js';
import { fromHex } from '../bytes.js';
import { parseTr31Header, type Tr31Header } from './header.js';
import { readTr31KeyField } from './key-field.js';
import { tr31VersionProfiles } from './versions.js';
import type { Tr31BindingSource } from './wrap.js';

export interface Tr31Unwrapped {
  readonly key: Buffer;
  readonly header: Tr31Header;
}

const argument = 'keyBlock';
const upperHexPattern = /^[0-9A-F]*$/;

function lengthError(message: string, details: Record<string, string | number> = {}): BastionError {
  return new BastionError('CRYPTO_ERR_TR31_LENGTH', message, { argument, ...details });
}

/**
 * Opens a key block. Order matters: first everything that is public (header, lengths, hex),
 * then the MAC, and only after the MAC has verified is the key field read. So a block that was
 * altered in any way, or a wrong KBPK, gives CRYPTO_ERR_TR31_MAC (or a structural error) and
 * nothing from inside the block is interpreted or returned.
 */
export function unwrapTr31KeyBlock(bindings: Tr31BindingSource, keyBlock: string): Tr31Unwrapped {
  const { header, headerLengthChars } = parseTr31Header(keyBlock, argument);
  const profile = tr31VersionProfiles[header.versionId];
  const binding = bindings.bindingFor(header.versionId);
  if (header.keyBlockLength !== keyBlock.length) {
    throw lengthError(`the length field says ${header.keyBlockLength} characters but the key block has ${keyBlock.length}`, {
      field: 'keyBlockLength',
      declared: header.keyBlockLength,
      length: keyBlock.length,
    });
  }
  const blockSize = profile.blockSizeBytes;
  if (keyBlock.length % blockSize !== 0) {
    throw lengthError(`a version ${header.versionId} key block is a multiple of ${blockSize} characters long, this one is ${keyBlock.length}`, { length: keyBlock.length });
  }
  if (headerLengthChars % blockSize !== 0) {
    throw new BastionError(
      'CRYPTO_ERR_TR31_OPTIONAL_BLOCK',
      `the header with its optional blocks is ${headerLengthChars} characters, not a multiple of ${blockSize}: a padding block (PB) is missing or the wrong size`,
      { argument, field: 'optionalBlocks', length: headerLengthChars },
    );
  }
  const macChars = 2 * profile.macLengthBytes;
  const ciphertextChars = keyBlock.length - headerLengthChars - macChars;
  if (ciphertextChars < 2 * blockSize || ciphertextChars % (2 * blockSize) !== 0) {
    throw lengthError(`after the header there must be an encrypted key field of whole ${blockSize}-byte blocks and a ${profile.macLengthBytes}-byte MAC`, {
      field: 'keyField',
      length: keyBlock.length - headerLengthChars,
    });
  }
  const payload = keyBlock.slice(headerLengthChars);
  // Only uppercase hex: a lowercase digit would decode to the same bytes, letting two different
  // strings pass as one block.
  if (!upperHexPattern.test(payload)) {
    throw new BastionError('CRYPTO_ERR_HEX', 'the encrypted key field and MAC must be uppercase hexadecimal', { argument, field: 'keyField' });
  }
  const ciphertext = fromHex(payload.slice(0, ciphertextChars), argument);
  const mac = fromHex(payload.slice(ciphertextChars), argument);
  const message = Buffer.allocUnsafe(headerLengthChars + ciphertext.length);
  message.write(keyBlock, 0, headerLengthChars, 'latin1');
  if (!binding.open(message, headerLengthChars, ciphertext, mac)) {
    throw new BastionError('CRYPTO_ERR_TR31_MAC', 'the key block failed its MAC check: it was altered, or the KBPK is not the one it was made under', { argument });
  }
  try {
    return { key: readTr31KeyField(message.subarray(headerLengthChars), argument), header };
  } finally {
    message.fill(0, headerLengthChars);
  }
}
