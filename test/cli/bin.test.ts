import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** The installed `bastion` command as a user runs it: a real process, real stdin and exit status. */
const bin = fileURLToPath(new URL('../../bin/bastion.js', import.meta.url));

function bastion(args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, ...args], { input, encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('bastion binary', () => {
  it('prints readable text and exits 0', () => {
    const result = bastion(['crypto', 'kcv', '--algorithm', 'tdes', '--key', '0123456789ABCDEFFEDCBA9876543210']);
    expect(result).toEqual({ status: 0, stdout: 'kcv: 08D7B4\n', stderr: '' });
  });

  it('exits 2 with a coded one-line error on bad input', () => {
    const result = bastion(['crypto', 'kcv', '--algorithm', 'tdes', '--key', 'XYZ']);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('error CRYPTO_ERR_HEX: key must be hexadecimal with an even number of characters (argument: key)\n');
  });

  it('runs a batch from stdin line by line', () => {
    const input = ['{"op":"kcv","args":{"algorithm":"des","key":"0123456789ABCDEF","length":8}}', '{oops', ''].join('\n');
    const result = bastion(['crypto', 'batch'], input);
    expect(result.status).toBe(2);
    expect(result.stdout.split('\n')).toEqual([
      '{"ok":true,"result":{"kcv":"D5D44FF720683D0D"}}',
      '{"ok":false,"error":{"code":"CLI_ERR_JSON","message":"the request line is not valid JSON"}}',
      '',
    ]);
  });

  it('shows help and version without error', () => {
    expect(bastion(['--version']).stdout.trim()).toBe('0.1.0');
    const help = bastion(['crypto', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('batch');
  });
});
