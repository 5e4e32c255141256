import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { LocalMasterKey } from './local-master-key.js';
import { WorkerHsm, type WorkerHsmOptions } from './worker-hsm.js';

/**
 * Test support (left out of the build): worker HSMs for tests. Vitest runs the TypeScript
 * sources, and a worker thread can't load a .ts entry, so the workers run the built entry in
 * dist/ — `npm run build` must have run first, as `npm test` does (the serve tests need it too).
 */
export const builtHsmWorkerUrl = new URL('../../../dist/adapters/hsm/hsm-worker.js', import.meta.url);

export function requireBuiltHsmWorker(): URL {
  if (!existsSync(fileURLToPath(builtHsmWorkerUrl))) throw new Error('dist/adapters/hsm/hsm-worker.js is missing: run `npm run build` before these tests');
  return builtHsmWorkerUrl;
}

/** A WorkerHsm over `lmk` (default: the development LMK) whose workers run the built entry. */
export function startTestWorkerHsm(lmk: LocalMasterKey = LocalMasterKey.development(), options: Omit<WorkerHsmOptions, 'workerUrl'> = {}): Promise<WorkerHsm> {
  return WorkerHsm.start(lmk, { ...options, workerUrl: requireBuiltHsmWorker() });
}

/** Fails when a bare Uint8Array (not a Buffer) is anywhere in `value`: the port's results carry Buffers. */
export function expectOnlyBuffers(value: unknown, path = 'result'): void {
  if (value instanceof Uint8Array) {
    expect(Buffer.isBuffer(value), `${path} is a Buffer`).toBe(true);
  } else if (Array.isArray(value)) {
    value.forEach((item: unknown, index) => {
      expectOnlyBuffers(item, `${path}[${index}]`);
    });
  } else if (value !== null && typeof value === 'object') {
    for (const [name, field] of Object.entries(value)) expectOnlyBuffers(field, `${path}.${name}`);
  }
}

/** Waits (polling, bounded) until a condition holds. */
export { eventually } from '../../lib/testing/test-eventually.js';
