import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectBastionError } from '../../../lib/errors/test-helpers.js';
import { auditKeyFilePath, readAuditChainKey, readOrCreateAuditChainKey } from './chain-key-file.js';

describe('audit chain key file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bastion-audit-key-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('lives in <data dir>/keys/audit-chain.key unless BASTION_AUDIT_KEY_FILE names another file', () => {
    expect(auditKeyFilePath({}, '/srv/bastion')).toBe('/srv/bastion/keys/audit-chain.key');
    expect(auditKeyFilePath({ BASTION_AUDIT_KEY_FILE: '/run/secrets/audit.key' }, '/srv/bastion')).toBe('/run/secrets/audit.key');
    expect(auditKeyFilePath({ BASTION_AUDIT_KEY_FILE: '' }, '/srv/bastion')).toBe('/srv/bastion/keys/audit-chain.key');
  });

  it('is created once, 32 random bytes as hex, readable by its owner only, and read back the same', () => {
    const path = join(dir, 'keys', 'audit-chain.key');
    expect(readAuditChainKey(path)).toBeUndefined();
    const key = readOrCreateAuditChainKey(path);
    expect(key).toHaveLength(32);
    expect(readOrCreateAuditChainKey(path)).toEqual(key);
    expect(readAuditChainKey(path)).toEqual(key);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'keys')).mode & 0o777).toBe(0o700);
    expect(readOrCreateAuditChainKey(join(dir, 'other.key'))).not.toEqual(key);
  });

  it('refuses a malformed or oversized file with AUDIT_ERR_KEY, never quoting it', () => {
    const path = join(dir, 'audit.key');
    for (const content of ['0011', 'zz'.repeat(32), `${'ab'.repeat(32)}00`, 'x'.repeat(10_000)]) {
      writeFileSync(path, content);
      expectBastionError(() => readAuditChainKey(path), 'AUDIT_ERR_KEY', { argument: 'BASTION_AUDIT_KEY_FILE' }, [content.slice(0, 8)]);
      expectBastionError(() => readOrCreateAuditChainKey(path), 'AUDIT_ERR_KEY');
    }
    writeFileSync(path, ` ${'AB'.repeat(32)}\r\n`);
    expect(readAuditChainKey(path)).toEqual(Buffer.alloc(32, 0xab));
  });
});
