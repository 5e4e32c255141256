import { randomBytes } from 'node:crypto';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import { createLogger, type Logger } from '../../adapters/log/index.js';
import { BastionError } from '../../lib/errors/index.js';
import { MessageCodec, unionPayPosSpec, type UnionPayPosSpec } from '../../lib/iso8583/index.js';
import { ChannelConnection, type ConnectionContext } from './connection.js';
import { emptyChannelCounters, type ChannelCounters } from './counters.js';
import type { ChannelConnectionInfo, ChannelHandler } from './handler.js';
import { resolveChannelLimits, type ChannelLimits } from './limits.js';
import type { ChannelSecurityEventSink } from './security-event.js';
import { SecurityEventCoalescer, type SecurityEventCoalescing } from './security-event-coalescer.js';
import { channelTlsServerOptions, tlsClientSubjectOf, type ChannelTlsOptions } from './tls-options.js';

export interface ChannelServerOptions {
  /** The host pipeline: gets each well-formed request, gives the reply. */
  readonly handler: ChannelHandler;
  /** Bounds that differ from `channelLimitsDefault`. */
  readonly limits?: Partial<ChannelLimits>;
  /** TLS, and mutual TLS with a client CA; plain TCP without. */
  readonly tls?: ChannelTlsOptions;
  /**
   * Receives malformed-frame events, and the unknown terminals the handler reports
   * (`ChannelRequest.reportSecurityEvent`, offered only with this sink); the host writes them to
   * the audit log (`channelSecurityAuditEvent`).
   */
  readonly securityEvents?: ChannelSecurityEventSink;
  /**
   * Per source address and kind, only the first event goes to `securityEvents` at once; later
   * ones are counted and given to `summaries` once per interval (see
   * `security-event-coalescer.ts`). Without it every event is passed on.
   */
  readonly securityEventCoalescing?: SecurityEventCoalescing;
  /** Default: silent. Lines carry connection ids, addresses, codes and offsets, never frame bytes. */
  readonly logger?: Logger;
  /** Epoch milliseconds; default `Date.now`. */
  readonly nowMs?: () => number;
}

export interface ChannelListenOptions {
  /** The address to bind, e.g. `0.0.0.0`, or `127.0.0.1` in tests. */
  readonly host: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
}

export interface ChannelAddress {
  readonly host: string;
  readonly port: number;
  readonly family: string;
}

type ServerState = 'new' | 'starting' | 'listening' | 'stopping' | 'stopped';

/** Letters only, none of them hex digits: redaction (long digit or hex runs) never touches an id. */
const connectionIdAlphabet = 'ghjkmnpqrstvwxyz';
const connectionIdRandomBytes = 8;

/**
 * The terminal channel: a TCP server (TLS when a certificate is configured) speaking the UnionPay
 * POS framing. It accepts connections within the total and per-address bounds, hands every
 * well-formed request to the handler and writes back the reply frame; malformed frames, slow or
 * idle peers and peers that flood it are dealt with per connection (`connection.ts`), so that the
 * other terminals go on being served.
 *
 * TLS: the TCP listener applies the connection bounds first, and only then passes a socket to the
 * TLS layer, so a refused connection costs no handshake. Under mutual TLS the handshake fails
 * unless the client presents a certificate that chains to the configured CA.
 */
export class ChannelServer {
  readonly limits: ChannelLimits;
  /** Whether connections speak TLS, and whether client certificates are required. */
  readonly tls: boolean;
  readonly mutualTls: boolean;
  readonly #listener: Server;
  readonly #tlsServer: TlsServer | undefined;
  readonly #context: ConnectionContext;
  readonly #counters: ChannelCounters = emptyChannelCounters();
  readonly #logger: Logger;
  readonly #coalescer: SecurityEventCoalescer | undefined;
  /**
   * Every accepted TCP socket, with or without a finished TLS handshake, and its peer's address
   * and port (under TLS the connection holds the TLS socket, so they are what tie the two).
   */
  readonly #sockets = new Map<Socket, string>();
  readonly #connections = new Set<ChannelConnection>();
  readonly #connectionsByAddress = new Map<string, number>();
  #state: ServerState = 'new';
  #address: ChannelAddress | undefined;
  #stopped: Promise<void> | undefined;
  #starting: Promise<void> | undefined;
  /** Set while stopping: called when the last socket has closed. */
  #socketsClosed: (() => void) | undefined;

  constructor(options: ChannelServerOptions) {
    if (typeof (options.handler as Partial<ChannelHandler> | undefined)?.handle !== 'function') {
      throw new BastionError('CHANNEL_ERR_CONFIG', 'the channel needs a handler with a handle(request) method', { argument: 'handler' });
    }
    this.limits = resolveChannelLimits(options.limits);
    this.#logger = (options.logger ?? createLogger({ level: 'silent' })).child({ area: 'channel' });
    const { securityEvents, securityEventCoalescing } = options;
    this.#coalescer = securityEvents === undefined || securityEventCoalescing === undefined ? undefined : new SecurityEventCoalescer(securityEvents, securityEventCoalescing, this.#logger);
    this.#context = {
      limits: this.limits,
      handler: options.handler,
      codec: new MessageCodec<UnionPayPosSpec>(unionPayPosSpec),
      counters: this.#counters,
      logger: this.#logger,
      nowMs: options.nowMs ?? Date.now,
      securityEvents,
      coalescer: this.#coalescer,
    };
    this.tls = options.tls !== undefined;
    this.mutualTls = options.tls?.clientCa !== undefined;
    this.#tlsServer = options.tls === undefined ? undefined : this.#createTlsServer(options.tls);
    this.#listener = createNetServer();
    this.#listener.on('connection', (socket: Socket) => {
      this.#accept(socket);
    });
    this.#listener.on('error', (error: Error) => {
      // After listen succeeded, an accept error (EMFILE …) must not crash the host.
      this.#logger.error({ err: error }, 'the channel listener reported an error');
    });
  }

  /** A copy of the counters, for `/metrics` and tests. */
  get counters(): ChannelCounters {
    return { ...this.#counters };
  }

  /** The bound address once started. */
  get address(): ChannelAddress | undefined {
    return this.#address;
  }

  /** Binds and starts accepting; resolves to the bound address (the real port when 0 was asked). */
  async start(listen: ChannelListenOptions): Promise<ChannelAddress> {
    if (this.#state !== 'new') throw new BastionError('CHANNEL_ERR_STATE', 'the channel server was already started; create a new one');
    const { host, port } = listen;
    if (typeof host !== 'string' || host.length === 0) throw new BastionError('CHANNEL_ERR_CONFIG', 'the host to listen on is empty', { argument: 'host' });
    if (!Number.isInteger(port) || port < 0 || port > 0xffff) {
      throw new BastionError('CHANNEL_ERR_CONFIG', 'the port must be a whole number from 0 to 65535', { argument: 'port' });
    }
    this.#state = 'starting';
    this.#starting = new Promise<void>((resolve, reject) => {
      const failed = (error: Error): void => {
        this.#state = 'stopped';
        const reason = (error as { code?: unknown }).code;
        reject(new BastionError('CHANNEL_ERR_LISTEN', `the channel could not listen on ${host} port ${port}`, { host, port, reason: typeof reason === 'string' ? reason : 'unknown' }));
      };
      this.#listener.once('error', failed);
      this.#listener.listen({ host, port }, () => {
        this.#listener.off('error', failed);
        resolve();
      });
    });
    await this.#starting;
    if (this.#stopped !== undefined) throw new BastionError('CHANNEL_ERR_STATE', 'the channel server was stopped while it was starting');
    const bound = this.#listener.address() as AddressInfo;
    this.#address = { host: bound.address, port: bound.port, family: bound.family };
    this.#state = 'listening';
    this.#logger.info({ host: bound.address, port: bound.port, tls: this.tls, mutualTls: this.mutualTls }, 'channel listening');
    return this.#address;
  }

  /**
   * Graceful stop: accept nothing more, stop reading, let requests already read finish (their
   * replies are written), then close each connection; after `stopDrainTimeoutMs` whatever is left
   * is destroyed. Resolves once every socket is closed. Calling it again gives the same promise.
   */
  stop(): Promise<void> {
    this.#stopped ??= this.#stop();
    return this.#stopped;
  }

  async #stop(): Promise<void> {
    // A stop during start waits for the listener, so that it is closed too.
    await this.#starting?.catch(() => undefined);
    const wasListening = this.#state === 'listening' || this.#state === 'starting';
    this.#state = 'stopping';
    const closed = wasListening
      ? new Promise<void>((resolve) => {
          // Resolves once the listener is closed and every accepted socket is gone.
          this.#listener.close(() => {
            resolve();
          });
        })
      : Promise.resolve();
    for (const connection of this.#connections) connection.drain();
    // Sockets still in their TLS handshake have nothing in flight: close them now.
    const opened = new Set([...this.#connections].map((connection) => peerKey(connection.info.remoteAddress, connection.info.remotePort)));
    for (const [socket, key] of this.#sockets) if (!opened.has(key)) socket.destroy();
    const deadline = setTimeout(() => {
      if (this.#sockets.size === 0) return;
      this.#logger.warn({ connections: this.#sockets.size }, 'stop: the drain bound passed; closing what is left');
      for (const connection of this.#connections) connection.destroy();
      for (const socket of this.#sockets.keys()) socket.destroy();
    }, this.limits.stopDrainTimeoutMs);
    // The listener reports closed when its count of sockets drops, just before their 'close'
    // events run; wait for those too, so that the counters are final when stop resolves.
    const socketsClosed = new Promise<void>((resolve) => {
      this.#socketsClosed = resolve;
      if (this.#sockets.size === 0) resolve();
    });
    try {
      await Promise.all([closed, socketsClosed]);
    } finally {
      clearTimeout(deadline);
      this.#state = 'stopped';
    }
    // The last summaries, once no connection can add to them.
    await this.#coalescer?.stop();
    this.#logger.info(this.counters, 'channel stopped');
  }

  #createTlsServer(options: ChannelTlsOptions): TlsServer {
    const server = createTlsServer(channelTlsServerOptions(options, this.limits.tlsHandshakeTimeoutMs));
    server.on('secureConnection', (socket: TLSSocket) => {
      if (this.#state !== 'listening') {
        socket.destroy();
        return;
      }
      this.#open(socket, tlsClientSubjectOf(socket));
    });
    server.on('tlsClientError', (error: Error, socket: TLSSocket) => {
      this.#counters.tlsHandshakeFailures++;
      const reason = (error as { code?: unknown }).code;
      this.#logger.info({ remoteAddress: socket.remoteAddress, reason: typeof reason === 'string' ? reason : 'unknown' }, 'TLS handshake failed');
      // A handshake timeout leaves the socket open: close it here in every case.
      socket.destroy();
    });
    return server;
  }

  /** A new TCP connection: counted against the bounds, then opened (or handed to TLS). */
  #accept(socket: Socket): void {
    socket.on('error', (error: Error) => {
      this.#logger.debug({ reason: (error as { code?: unknown }).code ?? 'unknown' }, 'socket error');
    });
    const address = socket.remoteAddress;
    const fromAddress = address === undefined ? 0 : (this.#connectionsByAddress.get(address) ?? 0);
    if (this.#state !== 'listening' || address === undefined || this.#sockets.size >= this.limits.connectionsMax || fromAddress >= this.limits.connectionsPerAddressMax) {
      this.#counters.connectionsRefused++;
      this.#logger.debug({ remoteAddress: address, open: this.#sockets.size, fromAddress }, 'connection refused');
      socket.destroy();
      return;
    }
    this.#sockets.set(socket, peerKey(address, socket.remotePort ?? 0));
    this.#connectionsByAddress.set(address, fromAddress + 1);
    this.#counters.connectionsOpen++;
    this.#counters.connectionsTotal++;
    socket.once('close', () => {
      this.#sockets.delete(socket);
      const left = (this.#connectionsByAddress.get(address) ?? 1) - 1;
      if (left === 0) this.#connectionsByAddress.delete(address);
      else this.#connectionsByAddress.set(address, left);
      this.#counters.connectionsOpen--;
      if (this.#sockets.size === 0) this.#socketsClosed?.();
    });
    if (this.#tlsServer === undefined) this.#open(socket, undefined);
    else this.#tlsServer.emit('connection', socket);
  }

  #open(socket: Socket, tlsClientSubject: string | undefined): void {
    const info: ChannelConnectionInfo = {
      id: newConnectionId(),
      remoteAddress: socket.remoteAddress ?? 'unknown',
      remotePort: socket.remotePort ?? 0,
      ...(tlsClientSubject === undefined ? {} : { tlsClientSubject }),
    };
    const connection = new ChannelConnection(socket, info, this.#context);
    this.#connections.add(connection);
    socket.once('close', () => {
      this.#connections.delete(connection);
    });
  }
}

function peerKey(address: string, port: number): string {
  return `${address}|${port}`;
}

function newConnectionId(): string {
  let id = 'conn_';
  for (const byte of randomBytes(connectionIdRandomBytes)) id += (connectionIdAlphabet[byte >> 4] as string) + (connectionIdAlphabet[byte & 0x0f] as string);
  return id;
}
