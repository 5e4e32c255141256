import type { Kysely, Selectable, Transaction } from 'kysely';
import { BastionError } from '../../lib/errors/index.js';
import type { Store } from '../../ports/store.js';
import type { SettlementBatchesTable, SettlementTables } from './tables.js';

/** Debit and credit totals of one side of field 48 (domestic or foreign cards). */
export interface SettlementTotals {
  readonly debitAmountMinor: bigint;
  readonly debitCount: bigint;
  readonly creditAmountMinor: bigint;
  readonly creditCount: bigint;
}

export const ZERO_TOTALS: SettlementTotals = { debitAmountMinor: 0n, debitCount: 0n, creditAmountMinor: 0n, creditCount: 0n };

export function totalsEqual(left: SettlementTotals, right: SettlementTotals): boolean {
  return left.debitAmountMinor === right.debitAmountMinor && left.debitCount === right.debitCount && left.creditAmountMinor === right.creditAmountMinor && left.creditCount === right.creditCount;
}

/**
 * A terminal's batch: `open` while it transacts in it (no row), `settling` after a settlement
 * that did not balance (waiting for the batch upload), `closed` after a balanced settlement or
 * the end of the upload. A closed batch takes no new transactions.
 */
export type BatchStatus = 'open' | 'settling' | 'closed';

/** The settlement codes of field 48: 1 balanced, 2 not balanced. */
export type SettlementResult = '1' | '2';

export interface SettledBatch {
  readonly id: bigint;
  readonly terminalId: string;
  readonly merchantId: string;
  readonly batchNumber: string;
  readonly status: Exclude<BatchStatus, 'open'>;
  readonly terminalTotals: { readonly domestic: SettlementTotals; readonly foreign: SettlementTotals };
  readonly hostTotals: SettlementTotals;
  readonly domesticResult: SettlementResult;
  readonly foreignResult: SettlementResult;
  readonly settlementResponse: Buffer;
  readonly uploadedCount: bigint;
  readonly declaredUploadCount: bigint | undefined;
  readonly settledAtMs: bigint;
  readonly closedAtMs: bigint | undefined;
}

export interface NewSettlement {
  readonly terminalId: string;
  readonly merchantId: string;
  readonly batchNumber: string;
  readonly terminalTotals: { readonly domestic: SettlementTotals; readonly foreign: SettlementTotals };
  readonly hostTotals: SettlementTotals;
  readonly domesticResult: SettlementResult;
  readonly foreignResult: SettlementResult;
  /** The 0510 as sent, for a repeated 0500. */
  readonly response: Buffer;
  readonly atMs: bigint;
}

export type DifferenceKind = 'missing-at-host' | 'missing-at-terminal' | 'amount-differs' | 'card-differs';

export interface BatchDifference {
  readonly trace: string;
  readonly kind: DifferenceKind;
  readonly terminalAmountMinor?: bigint;
  readonly hostAmountMinor?: bigint;
}

export interface UploadedRecord {
  readonly trace: string;
  readonly amountMinor: bigint;
  /** The card as the terminal claims it, masked 6 + 4: never the full PAN. */
  readonly maskedPan: string;
}

/** Most differences one batch can record: a batch holds at most 999 + 999 transactions a side. */
export const BATCH_DIFFERENCES_MAX = 10_000;

/**
 * The settlement module: each terminal's batches, what the terminal claimed and the host counted
 * at settlement, the records of a batch upload and the differences found. It never reads the
 * host's transaction records (the host computes its totals and passes them in) and never touches
 * the ledger: a terminal's claim is recorded for reconciliation, not booked.
 */
export class SettlementService {
  private readonly db: Kysely<SettlementTables>;

  constructor(store: Store) {
    this.db = store.db<SettlementTables>();
  }

  /** The batch's settlement, or undefined while it is open. */
  async find(terminalId: string, batchNumber: string): Promise<SettledBatch | undefined> {
    return this.findOn(this.db, terminalId, batchNumber);
  }

  async statusOf(terminalId: string, batchNumber: string): Promise<BatchStatus> {
    return (await this.find(terminalId, batchNumber))?.status ?? 'open';
  }

  /**
   * Whether the batch takes no more transactions: a settlement request for it has been answered
   * (it is settling or closed). A void of a transaction in such a batch must be refused.
   */
  async isBatchClosed(terminalId: string, batchNumber: string): Promise<boolean> {
    return (await this.statusOf(terminalId, batchNumber)) !== 'open';
  }

  /**
   * Records a settlement inside the caller's transaction: `closed` when both sides balanced,
   * else `settling`. Returns undefined when the batch already has one (a racing duplicate): the
   * caller replays that one.
   */
  async settleWithin<Tables>(trx: Transaction<Tables>, settlement: NewSettlement): Promise<SettledBatch | undefined> {
    const db = trx as unknown as Kysely<SettlementTables>;
    const balanced = settlement.domesticResult === '1' && settlement.foreignResult === '1';
    const { domestic, foreign } = settlement.terminalTotals;
    const row = await db
      .insertInto('settlement_batches')
      .values({
        terminal_id: settlement.terminalId,
        merchant_id: settlement.merchantId,
        batch_number: settlement.batchNumber,
        status: balanced ? 'closed' : 'settling',
        terminal_debit_amount_minor: domestic.debitAmountMinor,
        terminal_debit_count: domestic.debitCount,
        terminal_credit_amount_minor: domestic.creditAmountMinor,
        terminal_credit_count: domestic.creditCount,
        terminal_foreign_debit_amount_minor: foreign.debitAmountMinor,
        terminal_foreign_debit_count: foreign.debitCount,
        terminal_foreign_credit_amount_minor: foreign.creditAmountMinor,
        terminal_foreign_credit_count: foreign.creditCount,
        host_debit_amount_minor: settlement.hostTotals.debitAmountMinor,
        host_debit_count: settlement.hostTotals.debitCount,
        host_credit_amount_minor: settlement.hostTotals.creditAmountMinor,
        host_credit_count: settlement.hostTotals.creditCount,
        domestic_result: settlement.domesticResult,
        foreign_result: settlement.foreignResult,
        settlement_response: settlement.response,
        uploaded_count: 0n,
        declared_upload_count: null,
        settled_at_ms: settlement.atMs,
        closed_at_ms: balanced ? settlement.atMs : null,
      })
      .onConflict((conflict) => conflict.columns(['terminal_id', 'batch_number']).doNothing())
      .returningAll()
      .executeTakeFirst();
    return row === undefined ? undefined : batchFromRow(row);
  }

  /**
   * One record of a batch upload, with the difference the host found for it (if any). A record
   * uploaded again (a retransmitted 0320) changes nothing. Refused unless the batch is settling.
   */
  async recordUpload(batch: SettledBatch, record: UploadedRecord, difference: BatchDifference | undefined, atMs: bigint): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const current = await this.findOn(trx, batch.terminalId, batch.batchNumber);
      if (current?.status !== 'settling') throw notSettling(batch);
      const inserted = await trx
        .insertInto('settlement_uploads')
        .values({ batch_id: batch.id, trace: record.trace, amount_minor: record.amountMinor, masked_pan: record.maskedPan, uploaded_at_ms: atMs })
        .onConflict((conflict) => conflict.columns(['batch_id', 'trace']).doNothing())
        .returning('id')
        .executeTakeFirst();
      if (inserted === undefined) return;
      await trx.updateTable('settlement_batches').set((eb) => ({ uploaded_count: eb('uploaded_count', '+', 1n) })).where('id', '=', batch.id).execute();
      if (difference !== undefined) await insertDifferences(trx, batch, [difference], atMs);
    });
  }

  /** The traces the terminal has uploaded for a settling batch. */
  async uploadedTraces(batch: SettledBatch): Promise<Set<string>> {
    const rows = await this.db.selectFrom('settlement_uploads').select('trace').where('batch_id', '=', batch.id).execute();
    return new Set(rows.map((row) => row.trace));
  }

  /**
   * The end of the batch upload, inside the caller's transaction (with the terminal's batch
   * advance): records what the host has and the terminal left out, and closes the batch.
   * Returns false when the batch was not settling (closed meanwhile): nothing is changed.
   */
  async closeWithin<Tables>(trx: Transaction<Tables>, batch: SettledBatch, end: { readonly declaredCount: bigint; readonly missingAtTerminal: readonly BatchDifference[]; readonly atMs: bigint }): Promise<boolean> {
    const db = trx as unknown as Kysely<SettlementTables>;
    const closed = await db
      .updateTable('settlement_batches')
      .set({ status: 'closed', declared_upload_count: end.declaredCount, closed_at_ms: end.atMs })
      .where('id', '=', batch.id)
      .where('status', '=', 'settling')
      .returning('id')
      .executeTakeFirst();
    if (closed === undefined) return false;
    await insertDifferences(db, batch, end.missingAtTerminal, end.atMs);
    return true;
  }

  /** The differences recorded for a batch, in trace order. */
  async differences(terminalId: string, batchNumber: string): Promise<BatchDifference[]> {
    const rows = await this.db
      .selectFrom('settlement_differences')
      .selectAll()
      .where('terminal_id', '=', terminalId)
      .where('batch_number', '=', batchNumber)
      .orderBy('trace')
      .orderBy('kind')
      .limit(BATCH_DIFFERENCES_MAX)
      .execute();
    return rows.map((row) => ({
      trace: row.trace,
      kind: row.kind as DifferenceKind,
      ...(row.terminal_amount_minor === null ? {} : { terminalAmountMinor: row.terminal_amount_minor }),
      ...(row.host_amount_minor === null ? {} : { hostAmountMinor: row.host_amount_minor }),
    }));
  }

  private async findOn(db: Kysely<SettlementTables>, terminalId: string, batchNumber: string): Promise<SettledBatch | undefined> {
    const row = await db.selectFrom('settlement_batches').selectAll().where('terminal_id', '=', terminalId).where('batch_number', '=', batchNumber).executeTakeFirst();
    return row === undefined ? undefined : batchFromRow(row);
  }
}

async function insertDifferences(db: Kysely<SettlementTables>, batch: SettledBatch, differences: readonly BatchDifference[], atMs: bigint): Promise<void> {
  for (const difference of differences) {
    await db
      .insertInto('settlement_differences')
      .values({
        batch_id: batch.id,
        terminal_id: batch.terminalId,
        batch_number: batch.batchNumber,
        trace: difference.trace,
        kind: difference.kind,
        terminal_amount_minor: difference.terminalAmountMinor ?? null,
        host_amount_minor: difference.hostAmountMinor ?? null,
        recorded_at_ms: atMs,
      })
      .onConflict((conflict) => conflict.columns(['batch_id', 'trace', 'kind']).doNothing())
      .execute();
  }
}

function notSettling(batch: SettledBatch): BastionError {
  return new BastionError('SETTLEMENT_ERR_STATE', `batch ${batch.batchNumber} of terminal ${batch.terminalId} is not waiting for a batch upload`, { terminalId: batch.terminalId, batchNumber: batch.batchNumber });
}

function batchFromRow(row: Selectable<SettlementBatchesTable>): SettledBatch {
  const results = ['1', '2'];
  if ((row.status !== 'settling' && row.status !== 'closed') || !results.includes(row.domestic_result) || !results.includes(row.foreign_result)) {
    throw new BastionError('SETTLEMENT_ERR_CORRUPT', 'a stored settlement batch row is not valid', { settlementBatchId: Number(row.id) });
  }
  return {
    id: row.id,
    terminalId: row.terminal_id,
    merchantId: row.merchant_id,
    batchNumber: row.batch_number,
    status: row.status,
    terminalTotals: {
      domestic: { debitAmountMinor: row.terminal_debit_amount_minor, debitCount: row.terminal_debit_count, creditAmountMinor: row.terminal_credit_amount_minor, creditCount: row.terminal_credit_count },
      foreign: { debitAmountMinor: row.terminal_foreign_debit_amount_minor, debitCount: row.terminal_foreign_debit_count, creditAmountMinor: row.terminal_foreign_credit_amount_minor, creditCount: row.terminal_foreign_credit_count },
    },
    hostTotals: { debitAmountMinor: row.host_debit_amount_minor, debitCount: row.host_debit_count, creditAmountMinor: row.host_credit_amount_minor, creditCount: row.host_credit_count },
    domesticResult: row.domestic_result as SettlementResult,
    foreignResult: row.foreign_result as SettlementResult,
    settlementResponse: Buffer.from(row.settlement_response),
    uploadedCount: row.uploaded_count,
    declaredUploadCount: row.declared_upload_count ?? undefined,
    settledAtMs: row.settled_at_ms,
    closedAtMs: row.closed_at_ms ?? undefined,
  };
}
