import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { expectBastionError } from '../../lib/errors/test-helpers.js';
import { assertChainKey, auditGenesisHash, auditKeyCheck, auditRowHash, type ChainedFields } from './chain-hash.js';
import { testChainKey } from './test-audit.js';

const fields: ChainedFields = {
  seq: 1n,
  atMs: 1_704_067_200_000n,
  actor: 'system',
  action: 'key.generate',
  target: 'key:tmk',
  source: 'cli',
  outcome: 'success',
  details: '{"kcv":"08D7B4"}',
  prevHash: auditGenesisHash,
};

describe('audit chain hash', () => {
  it('is HMAC-SHA-256 of the documented length-prefixed encoding (pinned: changing it orphans every stored log)', () => {
    const text = (value: string): Buffer => {
      const bytes = Buffer.from(value, 'utf8');
      const length = Buffer.alloc(4);
      length.writeUInt32BE(bytes.length);
      return Buffer.concat([length, bytes]);
    };
    const int64 = (value: bigint): Buffer => {
      const bytes = Buffer.alloc(8);
      bytes.writeBigInt64BE(value);
      return bytes;
    };
    const message = Buffer.concat([
      text('bastion.audit.v1'),
      int64(1n),
      int64(1_704_067_200_000n),
      ...['system', 'key.generate', 'key:tmk', 'cli', 'success', '{"kcv":"08D7B4"}'].map(text),
      Buffer.alloc(32),
    ]);
    const expected = createHmac('sha256', testChainKey).update(message).digest();
    expect(auditRowHash(testChainKey, fields)).toEqual(expected);
    expect(auditRowHash(testChainKey, fields).toString('hex')).toBe('aa42748f78499baacf60e6d0a3526e4526def08eb90aa3a35c0f0bcd0df245b1');
  });

  it('changes with every field, the key, and a character moved from one field to the next', () => {
    const base = auditRowHash(testChainKey, fields);
    const variants: ChainedFields[] = [
      { ...fields, seq: 2n },
      { ...fields, atMs: fields.atMs + 1n },
      { ...fields, actor: 'systen' },
      { ...fields, action: 'key.generatf' },
      { ...fields, target: '' },
      { ...fields, source: 'cl' },
      { ...fields, outcome: 'failure' },
      { ...fields, details: '{"kcv":"08D7B5"}' },
      { ...fields, prevHash: Buffer.alloc(32, 1) },
      { ...fields, actor: 'systemk', action: 'ey.generate' },
      { ...fields, target: 'key:tmkc', source: 'li' },
    ];
    const hashes = variants.map((variant) => auditRowHash(testChainKey, variant).toString('hex'));
    expect(hashes).not.toContain(base.toString('hex'));
    expect(new Set(hashes).size).toBe(variants.length);
    expect(auditRowHash(Buffer.alloc(32, 1), fields)).not.toEqual(base);
  });

  it('has a short key check value that tells keys apart, and refuses keys that are not 32 bytes', () => {
    expect(auditKeyCheck(testChainKey)).toHaveLength(8);
    expect(auditKeyCheck(testChainKey)).not.toEqual(auditKeyCheck(Buffer.alloc(32)));
    expectBastionError(() => { assertChainKey(Buffer.alloc(16)); }, 'AUDIT_ERR_KEY', { length: 16 });
  });
});
