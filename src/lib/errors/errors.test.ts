import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BastionError, errorCodes, redactSensitive } from './index.js';

const docs = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');

describe('error registry', () => {
  it('every registered code is documented in docs/errors.md', () => {
    const missing = Object.keys(errorCodes).filter((code) => !docs.includes(`\`${code}\``));
    expect(missing).toEqual([]);
  });

  it('docs/errors.md documents no code that the registry lacks', () => {
    const documented = [...docs.matchAll(/`([A-Z0-9]+_ERR_[A-Z0-9_]+)`/g)].map((match) => match[1] as string);
    expect(documented.filter((code) => !Object.hasOwn(errorCodes, code))).toEqual([]);
  });

  it('codes follow AREA_ERR_WHAT and every one has a meaning', () => {
    for (const [code, meaning] of Object.entries(errorCodes)) {
      expect(code).toMatch(/^[A-Z0-9]+_ERR_[A-Z0-9_]+$/);
      expect(meaning.length).toBeGreaterThan(10);
    }
  });
});

describe('BastionError', () => {
  it('carries code, message, details and serialises to the documented shape', () => {
    const error = new BastionError('CRYPTO_ERR_KEY_LENGTH', 'key must be 16 bytes', { argument: 'key', length: 8 });
    expect(error).toBeInstanceOf(Error);
    expect(error.summary).toBe(errorCodes.CRYPTO_ERR_KEY_LENGTH);
    expect(JSON.parse(JSON.stringify(error))).toEqual({ code: 'CRYPTO_ERR_KEY_LENGTH', message: 'key must be 16 bytes', details: { argument: 'key', length: 8 } });
    expect(new BastionError('CLI_ERR_JSON', 'bad').toJSON()).toEqual({ code: 'CLI_ERR_JSON', message: 'bad' });
  });

  it('redacts PANs and key-like hex that a careless caller puts in a message or detail', () => {
    const error = new BastionError('CRYPTO_ERR_PAN', 'bad card 4761739001010010 with key 0123456789ABCDEFFEDCBA9876543210', {
      argument: 'pan',
      value: '4761739001010010',
    });
    expect(error.message).not.toContain('4761739001010010');
    expect(error.message).toContain('476173******0010');
    expect(error.message).not.toContain('0123456789ABCDEF');
    expect(error.details['value']).toBe('476173******0010');
  });

  it('leaves ordinary text alone', () => {
    expect(redactSensitive('key must be 16 or 24 bytes for TDES, got 8')).toBe('key must be 16 or 24 bytes for TDES, got 8');
  });
});
