import type { HsmPort, KeyUnderLmk } from '../../ports/hsm.js';
import type { NetworkPort } from '../../ports/network.js';
import type { Store } from '../../ports/store.js';
import type { AuditLog } from '../audit/index.js';
import type { PanVault } from '../card-data/index.js';
import type { EmvParamService } from '../emv-params/index.js';
import type { LedgerService } from '../ledger/index.js';
import type { MerchantService } from '../merchants/index.js';
import type { SettlementService } from '../settlement/index.js';
import type { TerminalService } from '../terminals/index.js';
import type { UnknownTerminalRefusalSink } from './refusal-event.js';

/** The most a single sale may be, unless configured: 1,000,000.00 in a 2-decimal currency. */
export const SALE_AMOUNT_MAX_MINOR_DEFAULT = 100_000_000n;

/** The ledger accounts the host posts to besides each merchant's own payable account. */
export const SCHEME_RECEIVABLE_ACCOUNT = 'scheme:receivable';
export const FEE_REVENUE_ACCOUNT = 'acquirer:fee-revenue';

export interface HostLogger {
  error(fields: Record<string, string>, message: string): void;
}

/** What the pipeline needs: other modules' services and the ports. */
export interface HostDependencies {
  readonly store: Store;
  readonly hsm: HsmPort;
  readonly network: NetworkPort;
  /** The network zone's PIN key (under the LMK): PIN blocks are translated PIK → this ZPK. */
  readonly zonePinKey: KeyUnderLmk;
  /**
   * The network zone's data key (a ZEK, under the LMK): tracks a terminal enciphered under its
   * TDK (field 53, third digit 1) are re-enciphered to it and handed on without being read.
   */
  readonly zoneDataKey: KeyUnderLmk;
  readonly terminals: TerminalService;
  readonly merchants: MerchantService;
  readonly ledger: LedgerService;
  readonly panVault: PanVault;
  readonly audit: AuditLog;
  /** Terminal batches: settlement (0500) and batch upload (0320). */
  readonly settlement: SettlementService;
  readonly clock: () => bigint;
  readonly saleAmountMaxMinor?: bigint;
  /** MAC failures in a row that lock the terminal (TerminalService's default when absent). */
  readonly macFailuresLockAfter?: number;
  /** Unexpected failures go here, as an error code and no card data. */
  readonly logger?: HostLogger;
  /** CAPKs and AIDs for the parameter download (60.3 370–372, 380–382); without it those requests are answered 12. */
  readonly emvParams?: EmvParamService;
  /** Per request, from `HostRequest.unknownTerminalRefusals`: the pipeline sets it. */
  readonly unknownTerminalRefusals?: UnknownTerminalRefusalSink;
}

/** What the host needs of a request: the bytes as received and their decoding. */
export interface HostRequest {
  readonly message: Buffer;
  readonly unpacked: import('../../lib/iso8583/index.js').IsoMessage<import('../../lib/iso8583/index.js').UnionPayPosSpec>;
  /** Where a refusal of an unknown terminal goes instead of an audit row of its own (the channel coalesces them). */
  readonly unknownTerminalRefusals?: UnknownTerminalRefusalSink;
}

/** The ISO 8583 reply (MTI onward), or undefined for no reply. */
export type HostReply = Buffer | undefined;
