import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTemporaryDataDir } from '../merchants/test-cli-env.js';

const cli = useTemporaryDataDir();

describe('bastion terminal', () => {
  beforeAll(async () => {
    cli.setUp();
    expect((await cli.run('merchant', 'add', '--mid', '102581054110001', '--name', 'Canton Grocers')).exitCode).toBe(0);
  });
  afterAll(cli.tearDown);

  it('adds a terminal bound to a merchant', async () => {
    const result = await cli.run('terminal', 'add', '--tid', '10000001', '--mid', '102581054110001', '--serial', 'N7NL0123456', '--model', 'PAX A920');
    expect(result).toEqual({ exitCode: 0, stdout: 'terminal 10000001 added for merchant 102581054110001: PAX A920, serial N7NL0123456, MAC des-left, new\n', stderr: '' });
    const json = await cli.run('terminal', 'add', '--tid', '10000002', '--mid', '102581054110001', '--serial', 'N7NL0123457', '--model', 'Newland ME31', '--mac-variant', 'tdes', '--json');
    expect(json.exitCode).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ terminalId: '10000002', macVariant: 'tdes', status: 'new', batchNumber: '000001', keyGeneration: '0', macFailureCount: '0' });
  });

  it('lists terminals, of one merchant or all', async () => {
    const table = await cli.run('terminal', 'list');
    expect(table.exitCode).toBe(0);
    expect(table.stdout.split('\n')).toEqual([
      'TID       MID              STATUS  MODEL         SERIAL       MAC       BATCH   SIGNED IN  TMK KCV  MAC FAILS',
      '10000001  102581054110001  new     PAX A920      N7NL0123456  des-left  000001  -          -        0',
      '10000002  102581054110001  new     Newland ME31  N7NL0123457  tdes      000001  -          -        0',
      '',
    ]);
    expect((await cli.run('terminal', 'list', '--mid', '999999999999999')).stdout).toBe('no terminals\n');
    const json = await cli.run('terminal', 'list', '--json', '--after', '10000001');
    expect(json.stdout.trim().split('\n').map((line) => (JSON.parse(line) as { terminalId: string }).terminalId)).toEqual(['10000002']);
  });

  it('exits 2 with one coded line for bad input, never a stack trace', async () => {
    const add = ['terminal', 'add', '--mid', '102581054110001', '--model', 'PAX A920'];
    const cases: readonly [readonly string[], string][] = [
      [[...add, '--tid', '10000001', '--serial', 'NEW-SERIAL'], 'TERMINAL_ERR_ID_TAKEN'],
      [[...add, '--tid', '10000003', '--serial', 'N7NL0123456'], 'TERMINAL_ERR_SERIAL_TAKEN'],
      [[...add, '--tid', '1000003', '--serial', 'S1'], 'TERMINAL_ERR_ID'],
      [[...add, '--tid', '10000003', '--serial', 'S 1'], 'TERMINAL_ERR_SERIAL'],
      [[...add, '--tid', '10000003', '--serial', 'S1', '--mac-variant', 'x9.19'], 'TERMINAL_ERR_MAC_VARIANT'],
      [[...add, '--tid', '10000003'], 'CLI_ERR_ARGUMENT_MISSING'],
      [['terminal', 'add', '--tid', '10000003', '--mid', '102581054119999', '--serial', 'S1', '--model', 'M'], 'MERCHANT_ERR_NOT_FOUND'],
      [['terminal', 'list', '--limit', '5000'], 'TERMINAL_ERR_ARGUMENT'],
    ];
    for (const [argv, code] of cases) {
      const result = await cli.run(...argv);
      expect({ argv, exitCode: result.exitCode, stdout: result.stdout }).toEqual({ argv, exitCode: 2, stdout: '' });
      expect(result.stderr).toMatch(new RegExp(`^error ${code}: [^\\n]+\\n$`));
    }
    expect((await cli.run('terminal', 'list', '--json')).stdout.trim().split('\n')).toHaveLength(2);
  });
});
