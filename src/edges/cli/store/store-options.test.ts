import { describe, expect, it } from 'vitest';
import { BastionError } from '../../../lib/errors/index.js';
import { storeOptionsFromEnvironment } from './configured-store.js';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return error instanceof BastionError ? `${error.code} ${String(error.details['argument'])}` : 'not coded';
  }
}

describe('storeOptionsFromEnvironment', () => {
  it('is empty by default (SQLite synchronous=FULL, the default pool) and reads the two variables', () => {
    expect(storeOptionsFromEnvironment({})).toEqual({});
    expect(storeOptionsFromEnvironment({ BASTION_SQLITE_SYNCHRONOUS: '', BASTION_PG_POOL_SIZE: '' })).toEqual({});
    expect(storeOptionsFromEnvironment({ BASTION_SQLITE_SYNCHRONOUS: 'normal', BASTION_PG_POOL_SIZE: '32' })).toEqual({ sqliteSynchronous: 'normal', poolSize: 32 });
    expect(storeOptionsFromEnvironment({ BASTION_SQLITE_SYNCHRONOUS: 'full' })).toEqual({ sqliteSynchronous: 'full' });
  });

  it('refuses anything else with STORE_ERR_CONFIG naming the variable', () => {
    expect(codeOf(() => storeOptionsFromEnvironment({ BASTION_SQLITE_SYNCHRONOUS: 'off' }))).toBe('STORE_ERR_CONFIG BASTION_SQLITE_SYNCHRONOUS');
    for (const pool of ['0', '201', '-1', '1.5', 'ten', '9999']) {
      expect(codeOf(() => storeOptionsFromEnvironment({ BASTION_PG_POOL_SIZE: pool }))).toBe('STORE_ERR_CONFIG BASTION_PG_POOL_SIZE');
    }
  });
});
