import { CompiledQuery, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type QueryResult, type SqliteDatabase, type SqliteDialectConfig } from 'kysely';
import type { WriteTurn } from './group-commit.js';

const beginImmediate = CompiledQuery.raw('begin immediate');
const pragmaStatement = /^\s*pragma\b/i;

/**
 * Kysely's SQLite driver, writing in turns: a transaction waits for the turn before its `BEGIN
 * IMMEDIATE` and gives it up once it has committed or rolled back; a write outside any transaction
 * (an autocommit statement) takes the turn for itself. The turn is the connection's share of the
 * shared one (`ConnectionWriteTurn`): when the group committer holds it already, the group's
 * transaction goes ahead at once.
 */
class TurnTakingSqliteDriver extends SqliteDriver {
  #inTransaction = false;
  #holding = false;

  constructor(
    private readonly database: SqliteDatabase,
    config: SqliteDialectConfig,
    private readonly turn: WriteTurn,
  ) {
    super(config);
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await super.acquireConnection();
    return {
      executeQuery: <R>(query: CompiledQuery): Promise<QueryResult<R>> => this.#execute<R>(connection, query),
      streamQuery: <R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> => connection.streamQuery<R>(query, chunkSize),
    };
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await this.turn.acquire();
    this.#holding = true;
    // From here on the connection's statements (BEGIN, savepoints, COMMIT) run in this turn.
    this.#inTransaction = true;
    try {
      await connection.executeQuery(beginImmediate);
    } catch (error) {
      this.#end();
      throw error;
    }
  }

  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    // A failed COMMIT leaves the transaction open: the rollback that follows gives the turn up.
    await super.commitTransaction(connection);
    this.#end();
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await super.rollbackTransaction(connection);
    } finally {
      this.#end();
    }
  }

  #end(): void {
    this.#inTransaction = false;
    this.#release();
  }

  #release(): void {
    if (!this.#holding) return;
    this.#holding = false;
    this.turn.release();
  }

  /** An autocommit write takes the turn for its one statement; reads, pragmas and statements inside a transaction do not. */
  async #execute<R>(connection: DatabaseConnection, query: CompiledQuery): Promise<QueryResult<R>> {
    if (this.#inTransaction || pragmaStatement.test(query.sql) || this.database.prepare(query.sql).reader) return connection.executeQuery<R>(query);
    await this.turn.acquire();
    try {
      return await connection.executeQuery<R>(query);
    } finally {
      this.turn.release();
    }
  }
}

/**
 * SQLite for a store that shares its file with other connections of this process writing in turns
 * (`SharedWriteTurn`): every transaction and every write outside one waits for the turn, so the
 * connections never meet SQLite's lock held by each other (whose busy handler would put the
 * waiting thread's event loop to sleep), and transactions begin `IMMEDIATE`: a plain `BEGIN` takes
 * SQLite's lock only at the first write, and if another connection has committed since the
 * transaction's first read, that write fails at once (SQLITE_BUSY, a stale snapshot). A writer
 * outside the turns (another process, a CLI command) still makes a transaction wait in SQLite's
 * busy handler as it begins, never fail halfway. Savepoints work as inside any other transaction.
 */
export class ImmediateSqliteDialect extends SqliteDialect {
  constructor(
    private readonly config: SqliteDialectConfig & { readonly database: SqliteDatabase },
    private readonly turn: WriteTurn,
  ) {
    super(config);
  }

  override createDriver(): Driver {
    return new TurnTakingSqliteDriver(this.config.database, this.config, this.turn);
  }
}
