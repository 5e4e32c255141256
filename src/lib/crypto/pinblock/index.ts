/** PIN blocks of ISO 9564-1: formats 0–3 (DES / TDES) and format 4 (AES), clear and enciphered. */
export { pinBlockFormats, pinBlockBindsPan, assertPinBlockFormat, type PinBlockFormat } from './format.js';
export { pinBlockFillBytes, type PinBlockFillOptions } from './pin-field.js';
export {
  clearPinBlockFormats,
  encodePinBlock,
  decodePinBlock,
  encodeIso4PinField,
  encodeIso4PanField,
  decodeIso4PinField,
} from './clear.js';
export { PinBlockCipher, encryptPinBlock, decryptPinBlock, type PinBlockArgumentNames } from './cipher.js';
export { PinBlockTranslator, translatePinBlock, type PinBlockKeySpec } from './translate.js';
