import { describe, expect, it } from 'vitest';
import { expectBastionError } from '../../lib/errors/test-helpers.js';
import { hsmThreadsDefault, hsmThreadsFromEnvironment, openHsm } from './hsm-threads.js';
import { LocalMasterKey } from './local-master-key.js';
import { SoftwareHsm } from './software-hsm.js';
import { expectRejection } from './test-hsm.js';
import { requireBuiltHsmWorker } from './test-worker-hsm.js';
import { WorkerHsm } from './worker-hsm.js';

describe('BASTION_HSM_THREADS', () => {
  it('is a whole number from 0 to 64; unset or empty gives the default', () => {
    expect(hsmThreadsFromEnvironment({})).toBe(hsmThreadsDefault);
    expect(hsmThreadsFromEnvironment({ BASTION_HSM_THREADS: '' })).toBe(hsmThreadsDefault);
    expect(hsmThreadsFromEnvironment({ BASTION_HSM_THREADS: '0' })).toBe(0);
    expect(hsmThreadsFromEnvironment({ BASTION_HSM_THREADS: '2' })).toBe(2);
    expect(hsmThreadsFromEnvironment({ BASTION_HSM_THREADS: ' 3 ' })).toBe(3);
    expect(hsmThreadsFromEnvironment({ BASTION_HSM_THREADS: '064' })).toBe(64);
  });

  it('anything else is SERVE_ERR_CONFIG naming the variable', () => {
    for (const value of ['-1', '1.5', 'two', '65', '0x2', '1e1', '2 threads', '999']) {
      const error = expectBastionError(() => hsmThreadsFromEnvironment({ BASTION_HSM_THREADS: value }), 'SERVE_ERR_CONFIG', { argument: 'BASTION_HSM_THREADS' });
      expect(error.message).toContain('0 to 64');
    }
  });
});

describe('openHsm', () => {
  it('0 threads: the software HSM in this thread, whose close() forgets its cached keys', async () => {
    const hsm = await openHsm(LocalMasterKey.development(), 0);
    expect(hsm).toBeInstanceOf(SoftwareHsm);
    const mak = await hsm.generateKey('MAK', 'des');
    await hsm.close();
    // The cache is gone, not the LMK: the key still opens.
    expect(await hsm.generateMac(mak, { algorithm: 'unionpay-ecb' }, Buffer.alloc(8))).toHaveLength(8);
  });

  it('n threads: a started worker HSM with n workers; closed, it refuses calls', async () => {
    const hsm = await openHsm(LocalMasterKey.development(), 2, { workerUrl: requireBuiltHsmWorker() });
    expect(hsm).toBeInstanceOf(WorkerHsm);
    expect(hsm instanceof WorkerHsm ? hsm.threads.length : 0).toBe(2);
    expect((await hsm.status()).development).toBe(true);
    await hsm.close();
    await expectRejection(hsm.status(), 'HSM_ERR_UNAVAILABLE');
  });
});
