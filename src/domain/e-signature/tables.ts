import type { Generated } from 'kysely';

/**
 * One signature per transaction (terminal, batch, trace), bound to its RRN. The image is kept
 * deflated with the SHA-256 of the image as uploaded, checked on every read. No card data: the
 * transaction is named by its keys, never by its card.
 */
export interface ESignatureSignaturesTable {
  id: Generated<bigint>;
  terminal_id: string;
  merchant_id: string;
  batch_number: string;
  trace: string;
  rrn: string;
  /** 特征码: 16 hex digits from the batch and the RRN (docs/protocol.md). */
  feature_code: string;
  image_format: string;
  image_bytes: bigint;
  width: bigint;
  height: bigint;
  compressed: Buffer;
  sha256: Buffer;
  created_at_ms: bigint;
}

/** Parts of an upload in progress; removed when the last part completes it. */
export interface ESignatureUploadPartsTable {
  terminal_id: string;
  batch_number: string;
  trace: string;
  part_number: bigint;
  part_count: bigint;
  total_bytes: bigint;
  sha256: Buffer;
  data: Buffer;
  received_at_ms: bigint;
}

export interface ESignatureTables {
  esignature_signatures: ESignatureSignaturesTable;
  esignature_upload_parts: ESignatureUploadPartsTable;
}
