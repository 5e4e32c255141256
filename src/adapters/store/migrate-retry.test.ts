import { describe, expect, it } from 'vitest';
import { isOtherSchemaGone } from './migrate.js';

describe('isOtherSchemaGone: when preparing the migration table is tried again', () => {
  it('is another schema dropped during the listing (3F000 naming a schema not ours)', () => {
    expect(isOtherSchemaGone({ code: '3F000', message: 'schema "test_4f0e92cf97d1" does not exist' }, 'bench_abc')).toBe(true);
  });

  it('is not our own schema missing, another error, SQLite, or something without a code', () => {
    expect(isOtherSchemaGone({ code: '3F000', message: 'schema "bench_abc" does not exist' }, 'bench_abc')).toBe(false);
    expect(isOtherSchemaGone({ code: '42P01', message: 'relation "x" does not exist' }, 'bench_abc')).toBe(false);
    expect(isOtherSchemaGone({ code: '3F000', message: 'schema "other" does not exist' }, undefined)).toBe(false);
    expect(isOtherSchemaGone(new Error('schema "other" does not exist'), 'bench_abc')).toBe(false);
    expect(isOtherSchemaGone(undefined, 'bench_abc')).toBe(false);
  });
});
