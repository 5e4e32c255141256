import pg from 'pg';
import { STORE_CHANGES_CHANNEL } from '../../ports/store.js';
import { LocalChanges } from './store-changes.js';

/** After its listening connection failed, the store tries again at most this often (on demand). */
export const CHANGES_RECONNECT_INTERVAL_MS = 1000;

/**
 * PostgreSQL: commits to the watched tables by any node notify `STORE_CHANGES_CHANNEL` with their
 * schema (`watchTableChanges`); one connection of this store listens and moves the epoch on each
 * notification for its own schema. It connects on the first `epoch()` asked, not before: stores
 * that never cache (CLI commands) open no extra connection. Until it listens — and whenever that
 * connection is lost, since notifications may have been missed — the epoch is `undefined` and
 * nothing is cached; it reconnects on demand, at most every `CHANGES_RECONNECT_INTERVAL_MS`.
 */
export class PostgresChanges extends LocalChanges {
  #client: pg.Client | undefined;
  #schema: string | undefined;
  #listening = false;
  #connecting = false;
  #closed = false;
  #nextAttemptAtMs = 0;

  constructor(private readonly config: pg.ClientConfig) {
    super();
  }

  epoch(): number | undefined {
    if (this.#listening) return this.count;
    if (!this.#connecting && !this.#closed && Date.now() >= this.#nextAttemptAtMs) void this.#listen();
    return undefined;
  }

  /** Whether the listening connection is up (for tests and health). */
  get listening(): boolean {
    return this.#listening;
  }

  /** The server process of the listening connection, while it is up (for tests that cut it). */
  get backendPid(): number | undefined {
    return this.#listening ? (this.#client as { processID?: number } | undefined)?.processID : undefined;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#listening = false;
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }

  async #listen(): Promise<void> {
    this.#connecting = true;
    this.#nextAttemptAtMs = Date.now() + CHANGES_RECONNECT_INTERVAL_MS;
    const client = new pg.Client(this.config);
    client.on('error', () => { this.#lost(client); });
    client.on('end', () => { this.#lost(client); });
    client.on('notification', (message) => {
      if (message.channel === STORE_CHANGES_CHANNEL && message.payload === this.#schema) this.moved();
    });
    try {
      await client.connect();
      const result = await client.query<{ schema: string }>('select current_schema() as schema');
      this.#schema = result.rows[0]?.schema;
      await client.query(`listen ${STORE_CHANGES_CHANNEL}`);
      if (this.#closed) {
        await client.end();
        return;
      }
      this.#client = client;
      this.#listening = true;
      // Whatever was cached before a lost connection may have changed unseen.
      this.moved();
    } catch {
      await client.end().catch(() => undefined);
    } finally {
      this.#connecting = false;
    }
  }

  #lost(client: pg.Client): void {
    if (this.#client !== client) return;
    this.#client = undefined;
    this.#listening = false;
    this.moved();
    void client.end().catch(() => undefined);
  }
}
