/** Electronic signatures (电子签名): uploaded after an approved sale, stored per transaction, compressed and checksummed. */
export { SignatureService, type SignatureKey, type SignaturePartInput, type SignaturePartOutcome, type StoredSignature } from './signature-service.js';
export { eSignatureMigrations } from './migrations.js';
export { decodeGrayPng, encodeGrayPng, PNG_SIGNATURE, type GrayImage } from './png.js';
export {
  buildSignatureField,
  parseSignatureField,
  signatureFeatureCode,
  splitSignature,
  SIGNATURE_IMAGE_BYTES_MAX,
  SIGNATURE_IMAGE_FORMAT,
  SIGNATURE_PART_BYTES_MAX,
  SIGNATURE_PARTS_MAX,
  SIGNATURE_TAGS,
  type SignaturePart,
} from './upload-field.js';
export type { ESignatureTables } from './tables.js';
