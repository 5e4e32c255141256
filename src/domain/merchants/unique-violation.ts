/**
 * Whether a database error is a unique-constraint violation, on either dialect: better-sqlite3
 * reports `SQLITE_CONSTRAINT_UNIQUE` (or `…_PRIMARYKEY`), PostgreSQL SQLSTATE 23505. Services insert
 * first and look up which value was taken afterwards, so that two hosts racing for the same id
 * get a coded error instead of a check-then-insert race.
 */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || !('code' in error)) return false;
  const { code } = error;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
