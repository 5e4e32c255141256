import { sql, type RawBuilder } from 'kysely';

/**
 * `sum(amount_minor)` as BIGINT on both dialects: PostgreSQL's sum of BIGINT is NUMERIC (which
 * pg returns as text), SQLite's is already an integer. Zero when there are no rows.
 */
export function sumMinor(column: string): RawBuilder<bigint> {
  return sql<bigint>`cast(coalesce(sum(${sql.ref(column)}), 0) as bigint)`;
}

/** A SQL aggregate back as bigint, whatever integer form the driver chose. */
export function asBigint(value: bigint | number | string): bigint {
  return typeof value === 'bigint' ? value : BigInt(value);
}
