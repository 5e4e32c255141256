import type { Logger } from '../../adapters/log/index.js';
import { IssuerSimulator } from '../../adapters/network/issuer-simulator/index.js';
import { AuditLog } from '../../domain/audit/index.js';
import { PanVault } from '../../domain/card-data/index.js';
import { HostPipeline, type HostLogger } from '../../domain/host/index.js';
import { EmvParamService } from '../../domain/emv-params/index.js';
import { LedgerService } from '../../domain/ledger/index.js';
import { MerchantService } from '../../domain/merchants/index.js';
import { SettlementService } from '../../domain/settlement/index.js';
import { TerminalService } from '../../domain/terminals/index.js';
import type { HsmPort } from '../../ports/hsm.js';
import type { Store } from '../../ports/store.js';
import { ChannelServer } from '../channel/channel-server.js';
import { hostChannelHandler, type HostExchangeObserver, type HostResponder } from '../channel/host-handler.js';
import type { ChannelLimits } from '../channel/limits.js';
import { channelSecurityAuditSinks } from '../channel/security-event.js';
import type { ChannelTlsOptions } from '../channel/tls-options.js';

/**
 * The composition root of the acquirer host: from a migrated store, an HSM, a logger and a few
 * settings, every module the transaction pipeline needs, the pipeline, and the terminal channel in
 * front of it (not yet listening). `bastion serve` and `bastion demo` use it; tests and benchmarks
 * can too. Nothing here decides anything: it only connects the parts.
 */
export interface HostSettings {
  /** The acquirer's business day, an IANA zone (default Asia/Shanghai). */
  readonly timeZone?: string;
  readonly saleAmountMaxMinor?: bigint;
  readonly macFailuresLockAfter?: number;
  /** TLS (and mutual TLS) on the terminal channel; plain TCP without. */
  readonly tls?: ChannelTlsOptions;
  readonly channelLimits?: Partial<ChannelLimits>;
}

export interface AssembleHostOptions {
  /** Migrated (openConfiguredStore migrates on open). */
  readonly store: Store;
  readonly hsm: HsmPort;
  readonly logger: Logger;
  /** The audit log's 32-byte chain key (BASTION_AUDIT_KEY_FILE). */
  readonly auditChainKey: Uint8Array;
  readonly settings?: HostSettings;
  /** Sees every request and reply (metrics). */
  readonly observer?: HostExchangeObserver;
  /** Answers the channel's requests instead of this host's own pipeline: the host threads (`host-threads.ts`). */
  readonly responder?: HostResponder;
  /** Epoch milliseconds; default the wall clock. */
  readonly clock?: () => bigint;
}

/** The transaction pipeline and the services behind it, without a channel (a host thread's share). */
export interface AssembledPipeline {
  readonly pipeline: HostPipeline;
  readonly audit: AuditLog;
  readonly merchants: MerchantService;
  readonly terminals: TerminalService;
  readonly ledger: LedgerService;
  readonly panVault: PanVault;
  readonly network: IssuerSimulator;
}

export interface AssembledHost extends AssembledPipeline {
  /** Not started: call `channel.start({ host, port })`. */
  readonly channel: ChannelServer;
}

export interface AssemblePipelineOptions {
  /** Migrated (openConfiguredStore migrates on open). */
  readonly store: Store;
  readonly hsm: HsmPort;
  /** Where the pipeline reports an unexpected failure (by its code only). */
  readonly hostLogger: HostLogger;
  /** The audit log's 32-byte chain key (BASTION_AUDIT_KEY_FILE). */
  readonly auditChainKey: Uint8Array;
  readonly settings?: Pick<HostSettings, 'timeZone' | 'saleAmountMaxMinor' | 'macFailuresLockAfter'>;
  /** Epoch milliseconds; default the wall clock. */
  readonly clock?: () => bigint;
}

/** Every module the transaction pipeline needs, and the pipeline. ISSUER_ERR_NOT_SEEDED as for `assembleHost`. */
export async function assemblePipeline(options: AssemblePipelineOptions): Promise<AssembledPipeline> {
  const { store, hsm } = options;
  const settings = options.settings ?? {};
  const clock = options.clock ?? ((): bigint => BigInt(Date.now()));
  const timeZone = settings.timeZone === undefined ? {} : { timeZone: settings.timeZone };
  const network = await IssuerSimulator.open({ store, hsm, clock, ...timeZone });
  const panVault = await PanVault.open({ store, hsm, clock });
  const merchants = new MerchantService(store, { clock });
  const terminals = new TerminalService(store, merchants, { clock, ...timeZone });
  const ledger = new LedgerService(store, clock);
  const audit = new AuditLog({ store, clock, chainKey: options.auditChainKey });
  const settlement = new SettlementService(store);
  const emvParams = new EmvParamService(store, { clock });
  const pipeline = new HostPipeline({
    store,
    hsm,
    network,
    zonePinKey: network.zonePinKey(),
    zoneDataKey: network.zoneDataKey(),
    terminals,
    merchants,
    ledger,
    panVault,
    audit,
    emvParams,
    settlement,
    clock,
    logger: options.hostLogger,
    ...(settings.saleAmountMaxMinor === undefined ? {} : { saleAmountMaxMinor: settings.saleAmountMaxMinor }),
    ...(settings.macFailuresLockAfter === undefined ? {} : { macFailuresLockAfter: settings.macFailuresLockAfter }),
  });
  return { pipeline, audit, merchants, terminals, ledger, panVault, network };
}

/** ISSUER_ERR_NOT_SEEDED (run `bastion cards seed`) when the issuer simulator has no keys yet. */
export async function assembleHost(options: AssembleHostOptions): Promise<AssembledHost> {
  const { logger } = options;
  const settings = options.settings ?? {};
  const hostLogger = logger.child({ area: 'host' });
  const assembled = await assemblePipeline({
    ...options,
    hostLogger: { error: (fields, message) => { hostLogger.error(fields, message); } },
  });
  const { pipeline, audit } = assembled;
  const auditLogger = logger.child({ area: 'audit' });
  const channel = new ChannelServer({
    handler: hostChannelHandler(options.responder ?? pipeline, options.observer),
    logger,
    ...(settings.tls === undefined ? {} : { tls: settings.tls }),
    ...(settings.channelLimits === undefined ? {} : { limits: settings.channelLimits }),
    // A malformed frame or a refused unknown terminal is a security event: it goes to the audit
    // log, coalesced per source address (the first at once, then one summary per 10 s) so that
    // garbage or invented terminal ids can't flood the log. A failure to record it is logged by
    // code and does not disturb the channel.
    ...channelSecurityAuditSinks((event) => audit.append(event), (error, action) => {
      auditLogger.error({ code: (error as { code?: unknown }).code ?? 'unknown', action }, 'a channel security event could not be written to the audit log');
    }),
  });
  return { ...assembled, channel };
}
