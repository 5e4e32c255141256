import { describe, expect, it } from 'vitest';
import { main } from '../main.js';
import { memoryIo } from '../test-io.js';
import { boundedLines, batchLineBytesMax, oversizeLine } from './batch.js';

async function run(argv: string[], stdin = ''): Promise<{ status: number; out: string; err: string }> {
  const io = memoryIo(stdin);
  const status = await main(argv, io);
  return { status, out: io.out(), err: io.err() };
}

describe('calculator bad input', () => {
  it('odd-length hex: exit 2, coded error naming the argument, no stack trace', async () => {
    const result = await run(['crypto', 'kcv', '--algorithm', 'tdes', '--key', '0123456789ABCDEFFEDCBA987654321']);
    expect(result.status).toBe(2);
    expect(result.err).toBe('error CRYPTO_ERR_HEX: key must be hexadecimal with an even number of characters (argument: key)\n');
    expect(result.err).not.toMatch(/\bat .*\.js/);
  });

  it('wrong key length and an unknown enum value', async () => {
    const length = await run(['crypto', 'kcv', '--algorithm', 'aes', '--key', '0123456789ABCDEF']);
    expect(length.status).toBe(2);
    expect(length.err).toMatch(/^error CRYPTO_ERR_KEY_LENGTH: .*\(argument: key\)\n$/);
    expect(length.err).not.toContain('0123456789ABCDEF');
    const algorithm = await run(['crypto', 'kcv', '--algorithm', 'rot13', '--key', '00']);
    expect(algorithm.err).toMatch(/^error CLI_ERR_ARGUMENT_INVALID: algorithm: must be one of des, tdes, aes, sm4 \(argument: algorithm\)/);
  });

  it('a missing required argument names its flag', async () => {
    const result = await run(['crypto', 'kcv', '--algorithm', 'tdes']);
    expect(result.status).toBe(2);
    expect(result.err).toContain('CLI_ERR_ARGUMENT_MISSING');
    expect(result.err).toContain('--key');
  });

  it('unknown commands and options are coded errors, and their text is redacted', async () => {
    const command = await run(['crypto', 'frobnicate']);
    expect(command.status).toBe(2);
    expect(command.err).toMatch(/^error CLI_ERR_UNKNOWN_COMMAND/);
    const option = await run(['crypto', 'kcv', '--pan=4761739001010010']);
    expect(option.status).toBe(2);
    expect(option.err).toMatch(/^error CLI_ERR_ARGUMENT_INVALID/);
    expect(option.err).not.toContain('4761739001010010');
  });

  it('--json reports errors as one JSON line', async () => {
    const result = await run(['crypto', 'kcv', '--algorithm', 'tdes', '--key', 'zz', '--json']);
    expect(result.status).toBe(2);
    expect(JSON.parse(result.out)).toEqual({
      ok: false,
      error: { code: 'CRYPTO_ERR_HEX', message: 'key must be hexadecimal with an even number of characters', details: { argument: 'key', length: 2 } },
    });
  });
});

describe('batch mode', () => {
  it('keeps going after bad lines and answers each in order', async () => {
    const lines = [
      '{"op":"kcv","args":{"algorithm":"tdes","key":"0123456789ABCDEFFEDCBA9876543210"}}',
      'not json',
      '[1,2]',
      '{"args":{}}',
      '{"op":"nope","args":{}}',
      '{"op":"kcv","args":"x"}',
      '{"op":"kcv","args":{"algorithm":"tdes","key":"0123"}}',
      '{"op":"kcv","args":{"algorithm":"tdes","key":"0123456789ABCDEFFEDCBA9876543210","colour":"red"}}',
      '',
      '{"op":"kcv","args":{"algorithm":"tdes","key":"0123456789ABCDEFFEDCBA9876543210","length":8}}',
    ];
    const result = await run(['crypto', 'batch'], lines.join('\r\n'));
    expect(result.status).toBe(2);
    const outcomes = result.out.trimEnd().split('\n').map((line) => JSON.parse(line) as { ok: boolean; error?: { code: string } });
    expect(outcomes.map((outcome) => (outcome.ok ? 'ok' : outcome.error?.code))).toEqual([
      'ok',
      'CLI_ERR_JSON',
      'CLI_ERR_JSON',
      'CLI_ERR_JSON',
      'CLI_ERR_UNKNOWN_COMMAND',
      'CLI_ERR_JSON',
      'CRYPTO_ERR_KEY_LENGTH',
      'CLI_ERR_ARGUMENT_INVALID',
      'ok',
    ]);
    expect(outcomes[8]).toEqual({ ok: true, result: { kcv: '08D7B4FB629D0885' } });
  });

  it('an empty batch succeeds with no output', async () => {
    expect(await run(['crypto', 'batch'], '')).toEqual({ status: 0, out: '', err: '' });
  });

  it('refuses an over-long line without holding it, and goes on', async () => {
    async function* chunks(): AsyncGenerator<Buffer> {
      await Promise.resolve();
      const piece = Buffer.alloc(64 * 1024, 0x41);
      for (let sent = 0; sent <= batchLineBytesMax; sent += piece.length) yield piece;
      yield Buffer.from('\n{"op":"kcv"}\n');
    }
    const lines: (string | symbol)[] = [];
    for await (const line of boundedLines(chunks())) lines.push(line);
    expect(lines).toEqual([oversizeLine, '{"op":"kcv"}']);
    const big = `${'x'.repeat(batchLineBytesMax + 1)}\n{"op":"kcv","args":{"algorithm":"des","key":"0123456789ABCDEF"}}\n`;
    const result = await run(['crypto', 'batch'], big);
    const outcomes = result.out.trimEnd().split('\n').map((line) => JSON.parse(line) as { ok: boolean; error?: { code: string } });
    expect(outcomes.map((outcome) => (outcome.ok ? 'ok' : outcome.error?.code))).toEqual(['CLI_ERR_INPUT_TOO_LARGE', 'ok']);
  });
});

describe('block cipher operations', () => {
  it('refuse an IV in ECB mode and a key of the wrong length, naming the argument', async () => {
    const iv = await run(['crypto', 'encrypt', '--algorithm', 'aes', '--key', '2B7E151628AED2A6ABF7158809CF4F3C', '--data', '6BC1BEE22E409F96E93D7E117393172A', '--iv', '000102030405060708090A0B0C0D0E0F']);
    expect(iv.status).toBe(2);
    expect(iv.err).toBe('error CLI_ERR_ARGUMENT_INVALID: iv: only CBC mode takes an IV (argument: iv)\n');
    const data = await run(['crypto', 'decrypt', '--algorithm', 'sm4', '--key', '0123456789ABCDEFFEDCBA9876543210', '--data', '0011']);
    expect(data.status).toBe(2);
    expect(data.err).toMatch(/^error CRYPTO_ERR_DATA_LENGTH: data must be a non-empty multiple of 16 bytes, got 2 \(argument: data\)\n$/);
  });
});
