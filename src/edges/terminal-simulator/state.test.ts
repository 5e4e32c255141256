import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectBastionError } from '../../lib/errors/test-helpers.js';
import { loadSimulatorState, provisionSimulatedTerminal, saveSimulatorState } from './state.js';

describe('the simulator key file', () => {
  let dataDir: string;
  const provision = (tmk = randomBytes(16)) => provisionSimulatedTerminal({ dataDir, terminalId: '10000001', merchantId: '102581054110001', hostAddress: { host: '127.0.0.1', port: 5000 }, tmk });
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'bastion-state-'));
  });
  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is written with mode 0600 and read back; a missing one is SIM_ERR_NOT_PROVISIONED', () => {
    const path = provision();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(loadSimulatorState(dataDir, '10000001')).toMatchObject({ terminalId: '10000001', lastTrace: 0, encryptTracks: true, macVariant: 'des-left' });
    expectBastionError(() => loadSimulatorState(dataDir, '10000002'), 'SIM_ERR_NOT_PROVISIONED');
  });

  it('refuses a file with a malformed field, naming the field (SIM_ERR_STATE)', () => {
    const path = provision();
    const original = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    for (const [field, value] of [['tmk', 'XYZ'], ['lastTrace', -1], ['batchNumber', '12'], ['hostAddress', { host: '', port: 1 }], ['macVariant', 'cbc'], ['cardAtc', { a: 'x' }], ['workingKeys', { pik: '00' }]] as const) {
      writeFileSync(path, JSON.stringify({ ...original, [field]: value }));
      expectBastionError(() => loadSimulatorState(dataDir, '10000001'), 'SIM_ERR_STATE', { field });
    }
    writeFileSync(path, '{');
    expectBastionError(() => loadSimulatorState(dataDir, '10000001'), 'SIM_ERR_STATE');
  });

  it('keeps the trace, batch and card ATCs when the TMK is injected again', () => {
    provision();
    saveSimulatorState(dataDir, { ...loadSimulatorState(dataDir, '10000001'), lastTrace: 41, batchNumber: '000003', cardAtc: { 'approve-chip-pin': 9 } });
    const tmk = randomBytes(16);
    provision(tmk);
    expect(loadSimulatorState(dataDir, '10000001')).toMatchObject({ lastTrace: 41, batchNumber: '000003', cardAtc: { 'approve-chip-pin': 9 }, tmk: tmk.toString('hex').toUpperCase() });
    expect(loadSimulatorState(dataDir, '10000001').workingKeys).toBeUndefined();
  });
});
