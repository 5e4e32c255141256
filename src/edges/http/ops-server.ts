import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../adapters/log/index.js';
import { BastionError } from '../../lib/errors/index.js';
import { prometheusContentType } from './prometheus-text.js';

/**
 * The host's operations endpoint: `GET /healthz` and `GET /metrics`, nothing else. It is built on
 * node:http rather than Fastify: two read-only routes with no body, no parameters, no sessions
 * and no content negotiation need none of Fastify's routing, validation or plugins, and a security-first host
 * keeps its dependency tree small. The back-office API (Fastify, per the design map) will be a
 * separate server; keeping health and metrics on their own listener lets operators bind them to
 * a private address while the API faces users.
 */
export interface HealthReport {
  readonly healthy: boolean;
  /** Shown as the JSON body, with `status` first. */
  readonly checks: Readonly<Record<string, string>>;
}

export interface OpsServerOptions {
  /** Called per `/healthz` request; must settle within its own bound (see `healthCheckTimeoutMs`). */
  readonly health: () => Promise<HealthReport>;
  /** The exposition text for `/metrics`. */
  readonly metrics: () => string;
  readonly logger?: Logger;
}

export interface OpsListenOptions {
  readonly host: string;
  readonly port: number;
}

/** Bounds of the operations listener: slow or idle clients cannot hold it. */
export const opsServerLimits = {
  requestTimeoutMs: 10_000,
  headersTimeoutMs: 5_000,
  keepAliveTimeoutMs: 5_000,
  /** Open connections at most; a scraper and a probe or two need a handful. */
  connectionsMax: 64,
  /** After stop, connections still open after this are destroyed. */
  stopDrainTimeoutMs: 5_000,
} as const;

const allowedMethods = 'GET, HEAD';

export class OpsServer {
  readonly #server: Server;
  readonly #options: OpsServerOptions;
  #stopped: Promise<void> | undefined;

  constructor(options: OpsServerOptions) {
    this.#options = options;
    this.#server = createServer({ requestTimeout: opsServerLimits.requestTimeoutMs, headersTimeout: opsServerLimits.headersTimeoutMs, keepAliveTimeout: opsServerLimits.keepAliveTimeoutMs }, (request, response) => {
      this.#route(request, response).catch(() => {
        if (!response.headersSent) sendJson(response, 500, errorBody('HTTP_ERR_INTERNAL', 'internal error'), request.method === 'HEAD');
        else response.destroy();
      });
    });
    this.#server.maxConnections = opsServerLimits.connectionsMax;
    this.#server.on('clientError', (_error, socket) => {
      socket.destroy();
    });
  }

  /** Binds; SERVE_ERR_LISTEN when the address is taken or not ours. */
  async start(listen: OpsListenOptions): Promise<{ host: string; port: number }> {
    await new Promise<void>((resolve, reject) => {
      const failed = (error: Error): void => {
        const reason = (error as { code?: unknown }).code;
        reject(new BastionError('SERVE_ERR_LISTEN', `the HTTP server could not listen on ${listen.host} port ${listen.port}`, { host: listen.host, port: listen.port, reason: typeof reason === 'string' ? reason : 'unknown' }));
      };
      this.#server.once('error', failed);
      this.#server.listen({ host: listen.host, port: listen.port }, () => {
        this.#server.off('error', failed);
        resolve();
      });
    });
    this.#server.on('error', (error: Error) => {
      this.#options.logger?.error({ err: error }, 'the HTTP listener reported an error');
    });
    const bound = this.#server.address() as AddressInfo;
    return { host: bound.address, port: bound.port };
  }

  /** Stops accepting, lets requests in progress finish, closes idle keep-alive connections; bounded. */
  stop(): Promise<void> {
    this.#stopped ??= new Promise<void>((resolve) => {
      if (!this.#server.listening) {
        resolve();
        return;
      }
      const deadline = setTimeout(() => {
        this.#server.closeAllConnections();
      }, opsServerLimits.stopDrainTimeoutMs);
      this.#server.close(() => {
        clearTimeout(deadline);
        resolve();
      });
      this.#server.closeIdleConnections();
    });
    return this.#stopped;
  }

  async #route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const head = request.method === 'HEAD';
    // Only the path counts: a query string or fragment does not change the answer.
    const path = (request.url ?? '/').split('?')[0];
    if (path !== '/healthz' && path !== '/metrics') {
      sendJson(response, 404, errorBody('HTTP_ERR_NOT_FOUND', 'no such path: this server has /healthz and /metrics'), head);
      return;
    }
    if (request.method !== 'GET' && !head) {
      response.setHeader('Allow', allowedMethods);
      sendJson(response, 405, errorBody('HTTP_ERR_METHOD_NOT_ALLOWED', `only ${allowedMethods} are allowed`), false);
      return;
    }
    if (path === '/metrics') {
      send(response, 200, prometheusContentType, this.#options.metrics(), head);
      return;
    }
    const report = await this.#options.health();
    sendJson(response, report.healthy ? 200 : 503, { status: report.healthy ? 'ok' : 'unavailable', ...report.checks }, head);
  }
}

function errorBody(code: string, message: string): unknown {
  return { error: { code, message } };
}

function sendJson(response: ServerResponse, status: number, body: unknown, head: boolean): void {
  send(response, status, 'application/json; charset=utf-8', `${JSON.stringify(body)}\n`, head);
}

function send(response: ServerResponse, status: number, contentType: string, body: string, head: boolean): void {
  const bytes = Buffer.from(body, 'utf8');
  response.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': bytes.length,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  response.end(head ? undefined : bytes);
}
