import type { ColumnType, Generated } from 'kysely';

/**
 * One row per request the host answered with a financial or network-management outcome that a
 * duplicate must see again. Card data: only the PAN vault id and the masked PAN; the stored
 * response is the packed reply, which never carries field 2, 35, 36, 52 or the request's 55
 * (replies carry 55 only as tag 91, the issuer's ARPC and ARC).
 */
export interface HostTransactionsTable {
  id: Generated<bigint>;
  terminal_id: string;
  merchant_id: string;
  batch_number: string;
  trace: string;
  /** `0200` requests and `0800` / `0820` differ in class, so a sign-in never replays a sale. */
  request_class: string;
  mti: string;
  processing_code: string;
  kind: string;
  amount_minor: bigint;
  currency: string;
  pan_id: string | null;
  masked_pan: string | null;
  rrn: string;
  auth_code: string | null;
  response_code: string;
  issuer_reference: string | null;
  created_at_ms: bigint;
  response: Buffer;
  /**
   * SHA-256 over the request's transaction fields and the PAN vault id of its card (never over a
   * clear PAN), so that a request with the same key but another amount, processing code or card
   * is told apart from a retransmission. Null for rows recorded before it existed.
   */
  request_fingerprint: Buffer | null;
  /** Void, refund, reversal: the RRN of the row they refer to (the sale; for a reversal the original, when seen). */
  original_rrn: ColumnType<string | null, string | null | undefined, string | null>;
  /** A sale: what refunds have given back of it (a void or reversal gives back all of it; see cancelled_by). */
  refunded_minor: ColumnType<bigint, bigint | undefined, bigint>;
  /** A sale, void or refund undone as a whole: `void <rrn>` or `reversal <rrn>`; null while it stands. */
  cancelled_by: ColumnType<string | null, string | null | undefined, string | null>;
  /** The idempotency key of the ledger entry this row posted, if it posted one. */
  ledger_key: ColumnType<string | null, string | null | undefined, string | null>;
  /** The idempotency key the network was asked under, if it was asked. */
  network_key: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface HostTables {
  host_transactions: HostTransactionsTable;
}
