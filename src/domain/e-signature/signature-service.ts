import { createHash } from 'node:crypto';
import { deflateSync, inflateSync } from 'node:zlib';
import { BastionError } from '../../lib/errors/index.js';
import type { Store } from '../../ports/store.js';
import { decodeGrayPng } from './png.js';
import type { ESignatureTables } from './tables.js';
import { SIGNATURE_IMAGE_BYTES_MAX, type SignaturePart } from './upload-field.js';

/** The transaction a signature belongs to. */
export interface SignatureKey {
  readonly terminalId: string;
  readonly batchNumber: string;
  readonly trace: string;
}

export interface SignaturePartInput extends SignatureKey {
  readonly merchantId: string;
  readonly rrn: string;
  readonly part: SignaturePart;
}

/**
 * What became of one part: `part-stored` (more to come), `stored` (this part completed the image),
 * `same-as-stored` (the transaction already has exactly this image: idempotent), and the refusals
 * `differs-from-stored` (one signature per transaction) and `invalid` (checksum or image).
 */
export type SignaturePartOutcome =
  | { readonly kind: 'part-stored'; readonly partsReceived: number }
  | { readonly kind: 'stored' | 'same-as-stored'; readonly sha256: Buffer }
  | { readonly kind: 'differs-from-stored' }
  | { readonly kind: 'invalid'; readonly reason: string };

export interface StoredSignature extends SignatureKey {
  readonly merchantId: string;
  readonly rrn: string;
  readonly featureCode: string;
  readonly imageFormat: string;
  readonly width: number;
  readonly height: number;
  /** The image exactly as uploaded, its SHA-256 verified on this read. */
  readonly image: Buffer;
  readonly sha256: Buffer;
  readonly createdAtMs: bigint;
}

function sha256Of(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}

/**
 * Electronic signatures (电子签名), one per transaction: parts are staged until the last one
 * arrives, then the image is checked (length, SHA-256, a well-formed greyscale PNG), deflated and
 * stored with its SHA-256. Reading inflates and checks the SHA-256 again: a stored row that was
 * altered is ESIG_ERR_TAMPERED, never a wrong picture on a receipt.
 */
export class SignatureService {
  constructor(
    private readonly store: Store,
    private readonly clock: () => bigint,
  ) {}

  private get db() {
    return this.store.db<ESignatureTables>();
  }

  async receivePart(input: SignaturePartInput): Promise<SignaturePartOutcome> {
    const { part } = input;
    const stored = await this.storedHash(input);
    if (stored !== undefined) return stored.equals(part.sha256) ? { kind: 'same-as-stored', sha256: stored } : { kind: 'differs-from-stored' };
    const where = this.db
      .selectFrom('esignature_upload_parts')
      .selectAll()
      .where('terminal_id', '=', input.terminalId)
      .where('batch_number', '=', input.batchNumber)
      .where('trace', '=', input.trace);
    const staged = await where.execute();
    // A part of another upload (another image, size or count) means the terminal started over.
    if (staged.some((row) => !Buffer.from(row.sha256).equals(part.sha256) || row.total_bytes !== BigInt(part.totalBytes) || row.part_count !== BigInt(part.partCount))) {
      await this.deleteParts(input);
    }
    // A part sent again replaces the one held (an upsert, so two copies racing both succeed).
    const received = { part_count: BigInt(part.partCount), total_bytes: BigInt(part.totalBytes), sha256: part.sha256, data: part.data, received_at_ms: this.clock() };
    await this.db
      .insertInto('esignature_upload_parts')
      .values({ terminal_id: input.terminalId, batch_number: input.batchNumber, trace: input.trace, part_number: BigInt(part.partNumber), ...received })
      .onConflict((conflict) => conflict.columns(['terminal_id', 'batch_number', 'trace', 'part_number']).doUpdateSet(received))
      .execute();
    const parts = await where.orderBy('part_number').execute();
    if (parts.length < part.partCount) return { kind: 'part-stored', partsReceived: parts.length };
    await this.deleteParts(input);
    const image = Buffer.concat(parts.map((row) => Buffer.from(row.data)));
    if (image.length !== part.totalBytes || image.length > SIGNATURE_IMAGE_BYTES_MAX) return { kind: 'invalid', reason: 'the parts do not add up to the stated size' };
    if (!sha256Of(image).equals(part.sha256)) return { kind: 'invalid', reason: 'the SHA-256 of the image differs from the one stated' };
    let size: { width: number; height: number };
    try {
      size = decodeGrayPng(image);
    } catch (error) {
      return { kind: 'invalid', reason: error instanceof BastionError ? error.message : 'the image does not decode' };
    }
    const inserted = await this.db
      .insertInto('esignature_signatures')
      .values({
        terminal_id: input.terminalId,
        merchant_id: input.merchantId,
        batch_number: input.batchNumber,
        trace: input.trace,
        rrn: input.rrn,
        feature_code: part.featureCode,
        image_format: part.imageFormat,
        image_bytes: BigInt(image.length),
        width: BigInt(size.width),
        height: BigInt(size.height),
        compressed: deflateSync(image, { level: 9 }),
        sha256: part.sha256,
        created_at_ms: this.clock(),
      })
      .onConflict((conflict) => conflict.columns(['terminal_id', 'batch_number', 'trace']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (inserted !== undefined) return { kind: 'stored', sha256: part.sha256 };
    // Another copy of the upload won the race: the same image is fine, another is refused.
    const winner = await this.storedHash(input);
    return winner?.equals(part.sha256) === true ? { kind: 'same-as-stored', sha256: winner } : { kind: 'differs-from-stored' };
  }

  /** The signature of a transaction, its SHA-256 checked; undefined when it has none. */
  async find(key: SignatureKey): Promise<StoredSignature | undefined> {
    const row = await this.db
      .selectFrom('esignature_signatures')
      .selectAll()
      .where('terminal_id', '=', key.terminalId)
      .where('batch_number', '=', key.batchNumber)
      .where('trace', '=', key.trace)
      .executeTakeFirst();
    if (row === undefined) return undefined;
    const tampered = (): BastionError =>
      new BastionError('ESIG_ERR_TAMPERED', `the stored signature of terminal ${key.terminalId} batch ${key.batchNumber} trace ${key.trace} fails its checksum: it was altered`, { terminalId: key.terminalId, batch: key.batchNumber, trace: key.trace });
    let image: Buffer;
    try {
      image = inflateSync(Buffer.from(row.compressed), { maxOutputLength: SIGNATURE_IMAGE_BYTES_MAX });
    } catch {
      throw tampered();
    }
    const sha256 = Buffer.from(row.sha256);
    if (BigInt(image.length) !== row.image_bytes || !sha256Of(image).equals(sha256)) throw tampered();
    return {
      terminalId: row.terminal_id,
      merchantId: row.merchant_id,
      batchNumber: row.batch_number,
      trace: row.trace,
      rrn: row.rrn,
      featureCode: row.feature_code,
      imageFormat: row.image_format,
      width: Number(row.width),
      height: Number(row.height),
      image,
      sha256,
      createdAtMs: row.created_at_ms,
    };
  }

  private async storedHash(key: SignatureKey): Promise<Buffer | undefined> {
    const row = await this.db
      .selectFrom('esignature_signatures')
      .select('sha256')
      .where('terminal_id', '=', key.terminalId)
      .where('batch_number', '=', key.batchNumber)
      .where('trace', '=', key.trace)
      .executeTakeFirst();
    return row === undefined ? undefined : Buffer.from(row.sha256);
  }

  private async deleteParts(key: SignatureKey): Promise<void> {
    await this.db.deleteFrom('esignature_upload_parts').where('terminal_id', '=', key.terminalId).where('batch_number', '=', key.batchNumber).where('trace', '=', key.trace).execute();
  }
}
