import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { loadLmk } from '../../../adapters/hsm/lmk-file.js';
import { hsmThreadsFromEnvironment, openHsm, type ClosableHsm } from '../../../adapters/hsm/hsm-threads.js';
import { createLogger, type Logger } from '../../../adapters/log/index.js';
import { toHex } from '../../../lib/crypto/index.js';
import type { CommitStats, Store } from '../../../ports/store.js';
import type { StoreLocation } from '../../../adapters/store/open-store.js';
import { SharedWriteTurn } from '../../../adapters/store/write-turn.js';
import { addStats, HostThreads, hostThreadsFromEnvironment } from '../../host-runtime/host-threads.js';
import type { ChannelAddress } from '../../channel/channel-server.js';
import { EXPIRE_HOLDS_BATCH_MAX } from '../../../adapters/network/issuer-simulator/index.js';
import { assembleHost } from '../../host-runtime/assemble-host.js';
import { startHoldExpirySweep } from '../../host-runtime/hold-expiry.js';
import { storeReachable } from '../../host-runtime/store-health.js';
import { channelFamilies, formatExposition, HostMetrics, processFamilies, storeFamilies } from '../../http/host-metrics.js';
import { OpsServer, type HealthReport } from '../../http/ops-server.js';
import { auditKeyFilePath, readOrCreateAuditChainKey } from '../audit/chain-key-file.js';
import type { CliIo } from '../io.js';
import { lmkPassphraseVariable } from '../keys/command.js';
import { timeZoneFromEnvironment } from '../merchants/services.js';
import { SQLITE_HOST_CACHE_MIB } from '../../../adapters/store/open-store.js';
import { configuredStoreLocation, dataDirFromEnvironment, describeLocation, openConfiguredStore, storeOptionsFromEnvironment } from '../store/configured-store.js';

/** The host's log is written in chunks of this many bytes, and at least every LOG_FLUSH_INTERVAL_MS. */
const LOG_BUFFER_BYTES = 8192;
const LOG_FLUSH_INTERVAL_MS = 1000;
import { replyLineObserver } from './reply-line.js';
import type { ListenAddress, ServeSettings } from './serve-settings.js';

export interface ListeningHost {
  readonly channel: ChannelAddress;
  readonly http: ListenAddress;
  readonly dataDir: string;
}

export interface RunHostOptions {
  readonly io: CliIo;
  readonly environment: NodeJS.ProcessEnv;
  readonly settings: ServeSettings;
  /** --dev: the development LMK may be used. */
  readonly allowDev: boolean;
  /** Settles when the host should stop (SIGINT / SIGTERM). */
  readonly stopRequested: Promise<void>;
  /** Runs once both listeners are up, before the host waits for `stopRequested` (the demo prints its commands here). */
  readonly onListening?: (host: ListeningHost) => Promise<void> | void;
}

export function logFilePath(dataDir: string): string {
  return join(dataDir, 'logs', 'bastion.log');
}

/** The address a client on this machine uses for a listener bound to `host`. */
export function reachableHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * The host process of `bastion serve` and `bastion demo`: opens the LMK, the store (migrated on
 * open), assembles the host, listens on the terminal channel and the operations HTTP port, prints
 * a short summary, and on `stopRequested` stops accepting, lets requests in flight finish, and
 * closes everything. JSON log lines go to BASTION_DATA_DIR/logs/bastion.log, redacted.
 * Coded errors propagate (the command prints them and exits 2).
 */
export async function runHost(options: RunHostOptions): Promise<void> {
  const { environment, settings } = options;
  const dataDir = dataDirFromEnvironment(environment);
  const location = configuredStoreLocation(environment);
  // Checked before anything is opened.
  const timeZone = timeZoneFromEnvironment(environment);
  const hsmThreads = hsmThreadsFromEnvironment(environment);
  const hostThreads = hostThreadsFromEnvironment(environment);

  mkdirSync(join(dataDir, 'logs'), { recursive: true, mode: 0o700 });
  const logPath = logFilePath(dataDir);
  // Buffered writes (a line per reply must not cost a system call each): flushed every few KiB,
  // every second, and at an orderly stop. A killed host may lose its last second of log lines;
  // the database and the audit chain, not the log, are the record of what happened.
  const destination = pino.destination({ dest: logPath, sync: false, minLength: LOG_BUFFER_BYTES, append: true, mkdir: true });
  const flushTimer = setInterval(() => {
    try {
      destination.flush();
    } catch {
      // Not open yet: the next tick flushes.
    }
  }, LOG_FLUSH_INTERVAL_MS);
  flushTimer.unref();
  const logger: Logger = createLogger({ level: settings.logLevel, name: 'bastion', destination });
  try {
    await serveWithLogger({ ...options, dataDir, location: describeLocation(location), storeLocation: location, logPath, logger, timeZone, hsmThreads, hostThreads });
  } catch (error) {
    logger.error({ code: (error as { code?: unknown }).code ?? 'internal' }, 'the host stopped on an error');
    throw error;
  } finally {
    clearInterval(flushTimer);
    // end() writes what is buffered, once the file is open, before it closes it.
    destination.end();
  }
}

interface ServeContext extends RunHostOptions {
  readonly dataDir: string;
  readonly location: string;
  readonly logPath: string;
  readonly logger: Logger;
  readonly timeZone: string;
  /** BASTION_HSM_THREADS: 0 runs the HSM in this event loop, n ≥ 1 in n worker threads. */
  readonly hsmThreads: number;
  readonly storeLocation: StoreLocation;
  /** BASTION_HOST_THREADS: 0 runs the pipeline in this event loop, n ≥ 1 in n host threads. */
  readonly hostThreads: number;
}

async function serveWithLogger(context: ServeContext): Promise<void> {
  const { io, environment, settings, logger, dataDir, hsmThreads, storeLocation } = context;
  const passphrase = environment[lmkPassphraseVariable];
  const lmk = await loadLmk({ dataDir, passphrase: passphrase === '' ? undefined : passphrase, allowDev: context.allowDev });
  let store: Store | undefined;
  let hsm: ClosableHsm | undefined;
  let hostThreads: HostThreads | undefined;
  try {
    const lmkKcv = toHex(lmk.kcv);
    if (lmk.development) {
      io.stderr(
        [
          'WARNING: this host runs with the DEVELOPMENT LMK (--dev). Its key is published in Bastion\'s source code:',
          'WARNING: every key stored under it can be rebuilt by anyone. Tests and demos only, never real cards.',
          '',
        ].join('\n'),
      );
    }
    logger.info({ development: lmk.development, lmkKcv, dataDir }, 'LMK loaded');
    const auditChainKey = readOrCreateAuditChainKey(auditKeyFilePath(environment, dataDir));
    // The host checkpoints SQLite's WAL from a worker thread, off its event loop, and keeps a larger page cache.
    // With host threads on SQLite, every connection of this process writes in turn (write-turn.ts).
    const turn = context.hostThreads > 0 && 'sqliteFile' in storeLocation ? SharedWriteTurn.create() : undefined;
    const writeTurn = turn === undefined ? {} : { sqliteWriteTurn: turn.buffer };
    const opened = await openConfiguredStore(environment, { sqliteBackgroundCheckpoints: true, sqliteCacheMiB: SQLITE_HOST_CACHE_MIB, ...writeTurn });
    store = opened.store;
    logger.info({ store: context.location, migrationsApplied: opened.applied.length }, 'store open');
    hsm = await openHsm(lmk, hsmThreads);
    logger.info({ hsmThreads }, 'HSM ready');
    const metrics = new HostMetrics();
    const replyLogger = logger.child({ area: 'host' });
    if (context.hostThreads > 0) {
      hostThreads = await HostThreads.start({
        threads: context.hostThreads,
        lmk,
        auditChainKey,
        location: storeLocation,
        // This thread's store checkpoints the WAL in the background: the threads' connections leave it to it.
        storeOptions: { ...storeOptionsFromEnvironment(environment), sqliteCacheMiB: SQLITE_HOST_CACHE_MIB, sqliteCheckpointsElsewhere: true, ...writeTurn },
        settings: { timeZone: context.timeZone },
        logger: replyLogger,
        // A thread that died inside its transaction may have held the write turn: it passes on.
        onThreadExit: (threadId) => { turn?.releaseIfHolder(threadId); },
      });
      logger.info({ hostThreads: context.hostThreads }, 'host threads ready');
    }
    const host = await assembleHost({
      store,
      hsm,
      logger,
      auditChainKey,
      // One line per request: message types, response code, terminal, trace and time; no card data.
      observer: replyLineObserver(replyLogger, metrics),
      ...(hostThreads === undefined ? {} : { responder: hostThreads }),
      settings: { timeZone: context.timeZone, ...(settings.tls === undefined ? {} : { tls: settings.tls }) },
    });
    const startedAtMs = Date.now();
    const threads = hostThreads;
    // This thread's group commits (audit rows, hold expiry) and the host threads' (the pipeline).
    const commitStats = (): CommitStats | undefined => {
      const own = openStore.commitStats?.();
      return threads === undefined || own === undefined ? own : addStats(own, threads.commitStats());
    };
    let channelListening = false;
    const openStore = store;
    const health = async (): Promise<HealthReport> => {
      const storeUp = await storeReachable(openStore);
      // With host threads, each must be running: one being replaced makes the host unhealthy for that moment.
      const threadsUp = threads === undefined ? undefined : threads.readiness;
      const threadsHealthy = threadsUp === undefined || threadsUp.ready === threadsUp.of;
      return {
        healthy: storeUp && channelListening && threadsHealthy,
        checks: {
          store: storeUp ? 'reachable' : 'unreachable',
          channel: channelListening ? 'listening' : 'stopped',
          ...(threadsUp === undefined ? {} : { hostThreads: `${threadsUp.ready} of ${threadsUp.of} running` }),
        },
      };
    };
    const ops = new OpsServer({
      health,
      metrics: () => formatExposition([...processFamilies(startedAtMs), ...channelFamilies(host.channel.counters, channelListening), ...storeFamilies(commitStats()), ...metrics.families()]),
      logger: logger.child({ area: 'http' }),
    });
    const channelAddress = await host.channel.start(settings.channel);
    channelListening = true;
    let httpAddress: ListenAddress;
    try {
      httpAddress = await ops.start(settings.http);
    } catch (error) {
      channelListening = false;
      await host.channel.stop();
      throw error;
    }
    // Stale pre-authorisation holds end on a timer (and at once for any that expired while down).
    const holdExpiry = startHoldExpirySweep({ network: host.network, batchMax: EXPIRE_HOLDS_BATCH_MAX, logger: logger.child({ area: 'holds' }) });
    void holdExpiry.runOnce();
    logger.info({ channel: channelAddress, http: httpAddress, tls: host.channel.tls, mutualTls: host.channel.mutualTls }, 'host listening');
    const channelKind = host.channel.mutualTls ? 'mutual TLS' : host.channel.tls ? 'TLS' : 'plain TCP';
    const httpBase = `http://${reachableHost(httpAddress.host)}:${httpAddress.port}`;
    io.stdout(
      [
        `Bastion host ${lmk.development ? '(DEVELOPMENT LMK) ' : ''}is running.`,
        `  terminal channel: ${channelAddress.host}:${channelAddress.port} (${channelKind})`,
        `  health:  ${httpBase}/healthz`,
        `  metrics: ${httpBase}/metrics`,
        `  store:   ${context.location}`,
        `  LMK:     ${lmk.development ? 'DEVELOPMENT, ' : ''}KCV ${lmkKcv}`,
        `  logs:    ${context.logPath}`,
        'Stop with Ctrl-C (SIGINT) or SIGTERM.',
        '',
      ].join('\n'),
    );
    try {
      await context.onListening?.({ channel: channelAddress, http: httpAddress, dataDir });
      await context.stopRequested;
    } finally {
      logger.info({}, 'stopping: no new connections; requests in flight finish');
      channelListening = false;
      await holdExpiry.stop();
      await ops.stop();
      await host.channel.stop();
    }
  } finally {
    // Once the channel has stopped and its requests are answered: the threads close their stores.
    await hostThreads?.close();
    // The HSM's workers wipe their keys and end before the LMK they were sent is destroyed here.
    await hsm?.close();
    lmk.destroy();
    if (store !== undefined) {
      await store.close();
      logger.info({}, 'store closed');
    }
  }
  io.stdout('Bastion host stopped.\n');
}
