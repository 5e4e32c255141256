import { Migrator, sql, type Migration, type MigrationProvider } from 'kysely';
import { BastionError } from '../../lib/errors/index.js';
import type { ModuleMigrations, Store } from '../../ports/store.js';

/**
 * Runs every module's migrations, each module's in its own order, recorded in Kysely's migration
 * table under `<module>/<name>`. Modules are independent, so their migrations interleave by name
 * only within a module; a module's list must be append-only once released.
 */
export async function migrateStore(store: Store, modules: readonly ModuleMigrations[]): Promise<{ applied: string[] }> {
  const provider: MigrationProvider = {
    getMigrations() {
      const all: Record<string, Migration> = {};
      for (const module of modules) {
        for (const migration of module.migrations) {
          all[`${module.module}/${migration.name}`] = { up: (db) => migration.up(db, store.dialect) };
        }
      }
      return Promise.resolve(all);
    },
  };
  // Kysely looks for its migration table in every schema unless told which one; on a PostgreSQL
  // server shared by several schemas (parallel test runs, tenants) it would find another schema's
  // table and skip creating its own. Name the store's own schema.
  const migrationTableSchema = store.dialect === 'postgres' ? await currentSchema(store) : undefined;
  // Module names sort apart, so allow a new module's first migration after others have run.
  const migrator = new Migrator({
    db: store.db(),
    provider,
    allowUnorderedMigrations: true,
    ...(migrationTableSchema === undefined ? {} : { migrationTableSchema }),
  });
  let outcome = await migrator.migrateToLatest();
  // Kysely's check for its table lists the tables of every schema on the server; another
  // process dropping its own schema in the meantime makes that listing fail (3F000, "schema …
  // does not exist") before anything of ours was touched. That is someone else's schema: try again.
  for (let attempt = 1; attempt < PREPARE_ATTEMPTS_MAX && outcome.error !== undefined && outcome.results === undefined && isOtherSchemaGone(outcome.error, migrationTableSchema); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, PREPARE_RETRY_DELAY_MS * attempt));
    outcome = await migrator.migrateToLatest();
  }
  const { error, results } = outcome;
  if (error !== undefined) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName;
    // The database's own words (schema DDL, never card data) say what to fix; bounded in length.
    const reason = (error instanceof Error ? error.message : 'unknown error').slice(0, 300);
    throw new BastionError(
      'STORE_ERR_MIGRATION',
      failed === undefined ? `the migration tables could not be prepared: ${reason}` : `migration ${failed} failed: ${reason}; the store was left at the last good migration`,
      { migration: failed ?? 'none' },
    );
  }
  return { applied: (results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName) };
}

const PREPARE_ATTEMPTS_MAX = 5;
const PREPARE_RETRY_DELAY_MS = 50;

/** Whether a failed preparation is the listing tripping over another schema that was just dropped. */
export function isOtherSchemaGone(error: unknown, ownSchema: string | undefined): boolean {
  if (ownSchema === undefined || typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === '3F000' && typeof message === 'string' && !message.includes(`"${ownSchema}"`);
}

async function currentSchema(store: Store): Promise<string> {
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(store.db());
  const schema = rows[0]?.schema;
  if (schema === undefined || schema === null) {
    throw new BastionError('STORE_ERR_CONFIG', 'the PostgreSQL search_path names no existing schema', { argument: 'schema' });
  }
  return schema;
}
