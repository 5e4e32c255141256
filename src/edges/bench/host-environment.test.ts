import { afterEach, describe, expect, it } from 'vitest';
import { benchHostEnvironment, hostEnvironment } from './host-child.js';

const touched = ['BASTION_PG_POOL_SIZE', 'BASTION_HSM_THREADS', 'BASTION_DB', 'DATABASE_URL'] as const;
const saved = Object.fromEntries(touched.map((name) => [name, process.env[name]]));

afterEach(() => {
  for (const name of touched) {
    const value = saved[name];
    if (value === undefined) Reflect.deleteProperty(process.env, name);
    else process.env[name] = value;
  }
});

describe('the environment of a host child', () => {
  it("passes the operator's tuning variables to a bench's hosts, and nothing else of theirs", () => {
    process.env['BASTION_PG_POOL_SIZE'] = '20';
    process.env['BASTION_HSM_THREADS'] = '1';
    process.env['BASTION_DB'] = '/somewhere/else.sqlite';
    process.env['DATABASE_URL'] = 'postgres://elsewhere/db';
    const environment = benchHostEnvironment({ BASTION_DATA_DIR: '/tmp/bench' });
    expect(environment['BASTION_PG_POOL_SIZE']).toBe('20');
    expect(environment['BASTION_HSM_THREADS']).toBe('1');
    expect(environment['BASTION_DATA_DIR']).toBe('/tmp/bench');
    expect(environment['BASTION_DB']).toBeUndefined();
    expect(environment['DATABASE_URL']).toBeUndefined();
    // What the bench sets itself wins over what it inherits.
    expect(benchHostEnvironment({ BASTION_PG_POOL_SIZE: '4' })['BASTION_PG_POOL_SIZE']).toBe('4');
  });

  it('keeps tuning variables out of the hosts that tests start', () => {
    process.env['BASTION_PG_POOL_SIZE'] = '20';
    expect(hostEnvironment({})['BASTION_PG_POOL_SIZE']).toBeUndefined();
  });
});
