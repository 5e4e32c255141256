import { BastionError } from '../../lib/errors/index.js';
import { buildTlv, findTlvValue, parseTlv } from '../../lib/tlv/index.js';

/**
 * Field 62 of an electronic-signature upload (0820, 60.1 07, 60.3 800), as BER-TLV with private
 * tags (docs/protocol.md, "Electronic signature"). Each part carries the whole upload's
 * description (format, part n of m, total size, SHA-256) so that the host can check every part
 * on its own, and a slice of the image.
 */
export const SIGNATURE_TAGS = {
  featureCode: 0xdf01,
  imageFormat: 0xdf02,
  part: 0xdf03,
  totalBytes: 0xdf04,
  sha256: 0xdf05,
  data: 0xdf06,
} as const;

/** Image bytes per part: the part and its TLV (about 80 bytes) fit field 62's 512 bytes. */
export const SIGNATURE_PART_BYTES_MAX = 400;
/** The largest image accepted: 64 KiB, so at most 164 parts. */
export const SIGNATURE_IMAGE_BYTES_MAX = 65_536;
export const SIGNATURE_PARTS_MAX = Math.ceil(SIGNATURE_IMAGE_BYTES_MAX / SIGNATURE_PART_BYTES_MAX);
export const SIGNATURE_IMAGE_FORMAT = 'PNG';

export interface SignaturePart {
  /** 16 hex digits (8 bytes on the wire). */
  readonly featureCode: string;
  readonly imageFormat: string;
  readonly partNumber: number;
  readonly partCount: number;
  readonly totalBytes: number;
  readonly sha256: Buffer;
  readonly data: Buffer;
}

/**
 * 特征码 (feature code): the two 8-character halves of (the batch's last 4 digits ‖ the 12-digit
 * RRN), XORed and written as 16 hex digits. UnionPay's uses the settlement date (field 15) where
 * Bastion uses the batch: Bastion's replies carry no field 15.
 */
export function signatureFeatureCode(batchNumber: string, rrn: string): string {
  const text = Buffer.from(`${batchNumber.slice(-4).padStart(4, '0')}${rrn}`.padEnd(16, '0').slice(0, 16), 'latin1');
  const code = Buffer.alloc(8);
  for (let i = 0; i < 8; i += 1) code[i] = (text[i] as number) ^ (text[i + 8] as number);
  return code.toString('hex').toUpperCase();
}

export function buildSignatureField(part: SignaturePart): Buffer {
  const numbers = Buffer.alloc(4);
  numbers.writeUInt16BE(part.partNumber, 0);
  numbers.writeUInt16BE(part.partCount, 2);
  const total = Buffer.alloc(4);
  total.writeUInt32BE(part.totalBytes, 0);
  return buildTlv([
    { tag: SIGNATURE_TAGS.featureCode, value: Buffer.from(part.featureCode, 'hex') },
    { tag: SIGNATURE_TAGS.imageFormat, value: Buffer.from(part.imageFormat, 'latin1') },
    { tag: SIGNATURE_TAGS.part, value: numbers },
    { tag: SIGNATURE_TAGS.totalBytes, value: total },
    { tag: SIGNATURE_TAGS.sha256, value: part.sha256 },
    { tag: SIGNATURE_TAGS.data, value: part.data },
  ]);
}

function malformed(message: string): BastionError {
  return new BastionError('ESIG_ERR_FORMAT', `the signature upload is malformed: ${message}`, { field: 62 });
}

/** Reads field 62 of an upload; anything out of shape or bounds is ESIG_ERR_FORMAT. */
export function parseSignatureField(field62: Uint8Array | undefined): SignaturePart {
  if (field62 === undefined) throw malformed('field 62 is missing');
  let nodes;
  try {
    nodes = parseTlv(field62, { depthMax: 1, nodeCountMax: 16 });
  } catch {
    throw malformed('field 62 is not BER-TLV');
  }
  const value = (tag: number, name: string, length?: number): Buffer => {
    let found: Buffer | undefined;
    try {
      found = findTlvValue(nodes, tag);
    } catch {
      found = undefined;
    }
    if (found === undefined) throw malformed(`${name} is missing`);
    if (length !== undefined && found.length !== length) throw malformed(`${name} must be ${length} bytes`);
    return Buffer.from(found);
  };
  const featureCode = value(SIGNATURE_TAGS.featureCode, 'the feature code (DF01)', 8).toString('hex').toUpperCase();
  const imageFormat = value(SIGNATURE_TAGS.imageFormat, 'the image format (DF02)').toString('latin1');
  if (imageFormat !== SIGNATURE_IMAGE_FORMAT) throw malformed(`the image format must be ${SIGNATURE_IMAGE_FORMAT}`);
  const numbers = value(SIGNATURE_TAGS.part, 'the part number (DF03)', 4);
  const partNumber = numbers.readUInt16BE(0);
  const partCount = numbers.readUInt16BE(2);
  const totalBytes = value(SIGNATURE_TAGS.totalBytes, 'the total size (DF04)', 4).readUInt32BE(0);
  const sha256 = value(SIGNATURE_TAGS.sha256, 'the SHA-256 (DF05)', 32);
  const data = value(SIGNATURE_TAGS.data, 'the image data (DF06)');
  if (totalBytes < 1 || totalBytes > SIGNATURE_IMAGE_BYTES_MAX) throw malformed(`the image must be 1 to ${SIGNATURE_IMAGE_BYTES_MAX} bytes`);
  if (partCount < 1 || partCount !== Math.ceil(totalBytes / SIGNATURE_PART_BYTES_MAX)) throw malformed(`the part count must be the total size over ${SIGNATURE_PART_BYTES_MAX}, rounded up`);
  if (partNumber < 1 || partNumber > partCount) throw malformed('the part number is outside 1 to the part count');
  const expectedLength = partNumber < partCount ? SIGNATURE_PART_BYTES_MAX : totalBytes - SIGNATURE_PART_BYTES_MAX * (partCount - 1);
  if (data.length !== expectedLength) throw malformed(`part ${partNumber} must carry ${expectedLength} bytes`);
  return { featureCode, imageFormat, partNumber, partCount, totalBytes, sha256, data };
}

/** The parts of `image`, in order, each of SIGNATURE_PART_BYTES_MAX bytes but the last. */
export function splitSignature(image: Buffer): Buffer[] {
  if (image.length < 1 || image.length > SIGNATURE_IMAGE_BYTES_MAX) {
    throw new BastionError('ESIG_ERR_FORMAT', `a signature image is 1 to ${SIGNATURE_IMAGE_BYTES_MAX} bytes`, { bytes: String(image.length) });
  }
  const parts: Buffer[] = [];
  for (let offset = 0; offset < image.length; offset += SIGNATURE_PART_BYTES_MAX) parts.push(image.subarray(offset, offset + SIGNATURE_PART_BYTES_MAX));
  return parts;
}
