import { describe, expect, it } from 'vitest';
import { BastionError } from '../../lib/errors/index.js';
import { testHsm } from '../hsm/test-hsm.js';
import { createLogger, type Logger } from './logger.js';
import { isSensitiveFieldName, logDepthMax, logEntriesMax, redactLogValue } from './redact-log-value.js';
import { arqc, keyHex, pan, pinBlock, secrets, track2 } from './test-log-secrets.js';


function capture(level: 'info' | 'trace' = 'trace'): { logger: Logger; lines: () => string[] } {
  const written: string[] = [];
  const logger = createLogger({ level, name: 'test', destination: { write: (line: string) => written.push(line) } });
  return { logger, lines: () => written };
}

function expectNoSecret(text: string): void {
  for (const secret of secrets) expect(text.toUpperCase(), `log shows ${secret.slice(0, 4)}…`).not.toContain(secret.toUpperCase());
}

describe('logger: redaction by construction', () => {
  it('a PAN, track, PIN block, key and cryptogram in nested objects print no clear value', () => {
    const { logger, lines } = capture();
    logger.info(
      {
        terminal: 'T0000001',
        request: {
          fields: { 2: pan, 35: track2, 52: pinBlock },
          emv: { tags: [{ tag: '9F26', value: arqc }] },
          note: `card ${pan} keyed with ${keyHex}`,
          deep: { a: { b: { c: { d: { pan } } } } },
        },
        keys: { mak: Buffer.from(keyHex, 'hex'), sourceKey: keyHex },
        amount: 12_345n,
        cardAsNumber: 4761739001010010,
      },
      `sale for ${pan}`,
    );
    const [line] = lines();
    expectNoSecret(line ?? '');
    const parsed = JSON.parse(line ?? '{}') as Record<string, unknown>;
    expect(parsed['msg']).toBe('sale for 476173******0010');
    expect(parsed['terminal']).toBe('T0000001');
    expect(parsed['amount']).toBe('12345');
    expect(parsed['cardAsNumber']).toBe('476173******0010');
    expect(JSON.stringify(parsed['request'])).toContain('476173******0010');
    expect(parsed['keys']).toBe('[redacted]');
  });

  it('errors: message, stack, details and cause are redacted; a BastionError keeps its code', () => {
    const { logger, lines } = capture();
    const cause = new Error(`upstream refused ${pan}`);
    const error = new Error(`could not translate PIN block ${pinBlock} for ${pan}`, { cause });
    logger.error(error);
    logger.warn({ err: new BastionError('HSM_ERR_KEY_USAGE', 'sourceKey must be a PIK or ZPK key, not a MAK', { argument: 'sourceKey', type: 'MAK' }) }, 'refused');
    const text = lines().join('');
    expectNoSecret(text);
    const [first, second] = lines().map((line) => JSON.parse(line) as { msg: string; err: Record<string, unknown> });
    expect(first?.msg).toBe('could not translate PIN block [redacted] for 476173******0010');
    expect(first?.err['type']).toBe('Error');
    expect(first?.err['stack']).toContain('could not translate');
    expect(second?.err).toMatchObject({ type: 'BastionError', code: 'HSM_ERR_KEY_USAGE', details: { argument: 'sourceKey', type: 'MAK' } });
  });

  it('child bindings are redacted like any field', () => {
    const { logger, lines } = capture();
    logger.child({ pan, session: { clearKey: keyHex, holder: `card ${pan}` } }).info('signed in');
    const line = lines()[0] ?? '';
    expectNoSecret(line);
    expect(JSON.parse(line)).toMatchObject({ pan: '[redacted]', session: { clearKey: '[redacted]', holder: 'card 476173******0010' }, msg: 'signed in' });
  });

  it('hex keys and PANs in plain message strings, at every level', () => {
    const { logger, lines } = capture();
    for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const) logger[level](`MAK ${keyHex} for ${pan}`);
    expect(lines()).toHaveLength(6);
    expectNoSecret(lines().join(''));
  });

  it('respects the level', () => {
    const { logger, lines } = capture('info');
    logger.debug('hidden');
    logger.info('shown');
    expect(lines()).toHaveLength(1);
    expect(logger.level).toBe('info');
  });

  it('objects that render themselves (toJSON) are walked too: an HSM prints only its KCV', () => {
    const { logger, lines } = capture();
    logger.info({ hsm: testHsm(), when: new Date(0) });
    expect(JSON.parse(lines()[0] ?? '{}')).toMatchObject({ hsm: { implementation: 'software', lmkKcv: 'C9F5C8' }, when: '1970-01-01T00:00:00.000Z' });
  });
});

describe('redactLogValue', () => {
  it('names that hold card data or keys are blanked at any depth; harmless names are kept', () => {
    for (const name of ['pan', 'PAN', 'pin_block', 'pinBlock', 'track2', 'cvv', 'arqc', 'component', 'mak', 'sourceKey', 'chainKey', 'keys', 'passphrase', 'field55']) {
      expect(isSensitiveFieldName(name), name).toBe(true);
    }
    for (const name of ['terminalId', 'kcv', 'keyType', 'idempotencyKey', 'maskedPan', 'amount']) {
      expect(isSensitiveFieldName(name), name).toBe(false);
    }
  });

  it('bounds depth and breadth, survives cycles, and never prints bytes', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic['self'] = cyclic;
    expect(redactLogValue(cyclic)).toEqual({ name: 'loop', self: '[circular]' });
    let deep: unknown = 'bottom';
    for (let i = 0; i < logDepthMax + 5; i++) deep = { next: deep };
    expect(JSON.stringify(redactLogValue(deep))).toContain('[depth limit]');
    const many = Array.from({ length: logEntriesMax + 7 }, (_, i) => i);
    expect((redactLogValue(many) as unknown[]).at(-1)).toBe('[7 more]');
    expect(redactLogValue({ data: Buffer.from(pan, 'latin1') })).toEqual({ data: '[bytes: 16]' });
    expect(redactLogValue(new Uint8Array(4))).toBe('[bytes: 4]');
    // A number with twelve digits before the point is masked, fraction or not.
    expect(redactLogValue(476173900101.5)).toBe('476173**0101.5');
    expect(redactLogValue(Infinity)).toBe(Infinity);
    const shared = { x: 1 };
    expect(redactLogValue({ a: shared, b: shared })).toEqual({ a: { x: 1 }, b: { x: 1 } });
  });
});
