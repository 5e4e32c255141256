import { CompiledQuery, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type SqliteDialectConfig } from 'kysely';

const beginImmediate = CompiledQuery.raw('begin immediate');

/** Kysely's SQLite driver, except that its transactions begin with `BEGIN IMMEDIATE`. */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(beginImmediate);
  }
}

/**
 * SQLite for a store that shares its file with other connections writing in turns
 * (`SharedWriteTurn`): every transaction takes SQLite's write lock as it begins. A plain `BEGIN`
 * takes it only at the transaction's first write, and if another connection has committed since
 * the transaction's first read, that write fails at once (SQLITE_BUSY, a stale snapshot) instead
 * of waiting. With `BEGIN IMMEDIATE` a writer outside the turns (another process, a CLI command)
 * makes the transaction wait in SQLite's busy handler at its start, and never fail halfway.
 * Savepoints inside such a transaction work as inside any other.
 */
export class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}
