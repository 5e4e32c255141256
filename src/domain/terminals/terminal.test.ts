import { describe, expect, it } from 'vitest';
import { expectBastionError } from '../../lib/errors/test-helpers.js';
import { formatBatchNumber, validateBatchNumber, validateKeyUnderLmk, validateLockReason, validateModel, validateSerialNumber, validateTerminalId, validateWorkingKeys } from './terminal.js';
import { testKey, testWorkingKeys } from './test-keys.js';

describe('terminal field checks', () => {
  it('accepts well-formed values', () => {
    expect(validateTerminalId('1234ABcd')).toBe('1234ABcd');
    expect(validateSerialNumber('00000302N7NL-01_2.3/4')).toBe('00000302N7NL-01_2.3/4');
    expect(validateModel('Newland ME31 (SP) v2+')).toBe('Newland ME31 (SP) v2+');
    expect(validateBatchNumber('000001')).toBe('000001');
    expect(validateBatchNumber('999999')).toBe('999999');
    expect(formatBatchNumber(42n)).toBe('000042');
    expect(validateLockReason('  suspicious  ')).toBe('suspicious');
    expect(validateWorkingKeys(testWorkingKeys(1, false)).tdk).toBeUndefined();
  });

  it('refuses malformed values with coded errors that never echo key bytes', () => {
    for (const terminalId of ['1234567', '123456789', '1234 567', '1234567-']) expectBastionError(() => validateTerminalId(terminalId), 'TERMINAL_ERR_ID', { argument: 'terminalId' });
    for (const serial of ['', '-leading', 'has space', 'x'.repeat(51), 'semi;colon']) expectBastionError(() => validateSerialNumber(serial), 'TERMINAL_ERR_SERIAL');
    for (const model of ['', ' leading', 'x'.repeat(41), 'tab\there']) expectBastionError(() => validateModel(model), 'TERMINAL_ERR_MODEL');
    for (const batch of ['000000', '12345', '1234567', '12345a']) expectBastionError(() => validateBatchNumber(batch), 'TERMINAL_ERR_BATCH');
    expectBastionError(() => validateLockReason('x'.repeat(201)), 'TERMINAL_ERR_ARGUMENT');
    const secret = testKey('TMK', 'tdes-2key', 0xab, 16);
    expectBastionError(() => validateKeyUnderLmk({ ...secret, kcv: Buffer.alloc(9) }, 'TMK', 'tmk'), 'TERMINAL_ERR_KEY', { argument: 'tmk' }, [secret.ciphertext]);
    expectBastionError(() => validateKeyUnderLmk({ ...secret, ciphertext: Buffer.alloc(7) }, 'TMK', 'tmk'), 'TERMINAL_ERR_KEY', { argument: 'tmk', length: 7 });
    expectBastionError(() => validateKeyUnderLmk({ ...secret, algorithm: 'tdes 2key' as never }, 'TMK', 'tmk'), 'TERMINAL_ERR_KEY');
    expectBastionError(() => validateKeyUnderLmk(secret, 'PIK', 'workingKeys.pik'), 'TERMINAL_ERR_KEY', { argument: 'workingKeys.pik', type: 'TMK' });
    expectBastionError(() => validateWorkingKeys({ ...testWorkingKeys(1), tdk: testKey('MAK', 'des', 1) }), 'TERMINAL_ERR_KEY', { argument: 'workingKeys.tdk' });
  });
});
