import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { expectBastionError } from '../../lib/errors/test-helpers.js';
import { buildTlv } from '../../lib/tlv/index.js';
import { buildSignatureField, parseSignatureField, signatureFeatureCode, splitSignature, SIGNATURE_IMAGE_BYTES_MAX, SIGNATURE_PART_BYTES_MAX, type SignaturePart } from './upload-field.js';

describe('signature upload field 62', () => {
  const image = Buffer.alloc(1000, 7);
  const sha256 = createHash('sha256').update(image).digest();
  const parts: SignaturePart[] = splitSignature(image).map((data, index, all) => ({ featureCode: signatureFeatureCode('000001', '123456789012'), imageFormat: 'PNG', partNumber: index + 1, partCount: all.length, totalBytes: image.length, sha256, data }));

  it('splits into 400-byte parts, each fitting field 62, and reads back what it wrote', () => {
    expect(parts.map((part) => part.data.length)).toEqual([400, 400, 200]);
    for (const part of parts) {
      const field = buildSignatureField(part);
      expect(field.length).toBeLessThanOrEqual(512);
      expect(parseSignatureField(field)).toEqual(part);
    }
    expect(buildSignatureField({ ...parts[0], data: Buffer.alloc(SIGNATURE_PART_BYTES_MAX) } as SignaturePart).length).toBeLessThanOrEqual(512);
  });

  it('derives the feature code from the batch and RRN: XOR of the two 8-character halves', () => {
    // "0001123456789012": "00011234" XOR "56789012" in ASCII: 30^35 30^36 30^37 31^38 31^39 32^30 33^31 34^32
    expect(signatureFeatureCode('000001', '123456789012')).toBe('0506070908020206');
  });

  it('refuses what is missing, out of bounds or inconsistent', () => {
    const first = parts[0] as SignaturePart;
    const bad = (part: Partial<SignaturePart>) => () => parseSignatureField(buildSignatureField({ ...first, ...part }));
    expectBastionError(() => parseSignatureField(undefined), 'ESIG_ERR_FORMAT');
    expectBastionError(() => parseSignatureField(Buffer.from([0xdf, 0x01, 0x20])), 'ESIG_ERR_FORMAT');
    expectBastionError(() => parseSignatureField(buildTlv([{ tag: 0xdf01, value: Buffer.alloc(8) }])), 'ESIG_ERR_FORMAT');
    expectBastionError(bad({ imageFormat: 'JBG' }), 'ESIG_ERR_FORMAT');
    expectBastionError(bad({ totalBytes: SIGNATURE_IMAGE_BYTES_MAX + 1, partCount: Math.ceil((SIGNATURE_IMAGE_BYTES_MAX + 1) / 400) }), 'ESIG_ERR_FORMAT');
    expectBastionError(bad({ partCount: 2 }), 'ESIG_ERR_FORMAT');
    expectBastionError(bad({ partNumber: 0 }), 'ESIG_ERR_FORMAT');
    expectBastionError(bad({ partNumber: 4 }), 'ESIG_ERR_FORMAT');
    expectBastionError(bad({ data: Buffer.alloc(399) }), 'ESIG_ERR_FORMAT');
    expectBastionError(bad({ sha256: Buffer.alloc(31) }), 'ESIG_ERR_FORMAT');
    expectBastionError(() => splitSignature(Buffer.alloc(SIGNATURE_IMAGE_BYTES_MAX + 1)), 'ESIG_ERR_FORMAT');
    expectBastionError(() => splitSignature(Buffer.alloc(0)), 'ESIG_ERR_FORMAT');
  });
});
