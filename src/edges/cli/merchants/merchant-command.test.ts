import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTemporaryDataDir } from './test-cli-env.js';

const cli = useTemporaryDataDir();

describe('bastion merchant', () => {
  beforeAll(cli.setUp);
  afterAll(cli.tearDown);

  it('adds a merchant with defaults and says what it stored', async () => {
    const result = await cli.run('merchant', 'add', '--mid', '102581054110001', '--name', 'Canton Grocers Ltd', '--display-name', 'Canton Grocers');
    expect(result).toEqual({ exitCode: 0, stdout: 'merchant 102581054110001 added: Canton Grocers (Canton Grocers Ltd), MCC 5411, currency 156, fee 60bp+0, active\n', stderr: '' });
  });

  it('takes every option, and prints JSON for scripts', async () => {
    const result = await cli.run('merchant', 'add', '--mid', '200000000000001', '--name', '上海便利店', '--mcc', '5499', '--fee-bp', '38', '--fee-fixed', '100', '--currency', '156', '--json');
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ merchantId: '200000000000001', legalName: '上海便利店', displayName: '上海便利店', mcc: '5499', status: 'active', fee: { rateBasisPoints: 38, fixedMinor: '100' } });
  });

  it('lists merchants as a table or JSON lines', async () => {
    const table = await cli.run('merchant', 'list');
    expect(table.exitCode).toBe(0);
    expect(table.stdout.split('\n')).toEqual([
      'MID              STATUS  MCC   CCY  FEE       NAME',
      '102581054110001  active  5411  156  60bp+0    Canton Grocers',
      '200000000000001  active  5499  156  38bp+100  上海便利店',
      '',
    ]);
    const json = await cli.run('merchant', 'list', '--json', '--limit', '1', '--after', '102581054110001');
    expect(json.stdout.trim().split('\n').map((line) => (JSON.parse(line) as { merchantId: string }).merchantId)).toEqual(['200000000000001']);
  });

  it('exits 2 with one coded line for bad input, never a stack trace', async () => {
    const cases: readonly [readonly string[], string][] = [
      [['merchant', 'add', '--mid', '102581054110001', '--name', 'Again'], 'MERCHANT_ERR_ID_TAKEN'],
      [['merchant', 'add', '--mid', '12345', '--name', 'Short'], 'MERCHANT_ERR_ID'],
      [['merchant', 'add', '--name', 'No id'], 'CLI_ERR_ARGUMENT_MISSING'],
      [['merchant', 'add', '--mid', '102581054110009'], 'CLI_ERR_ARGUMENT_MISSING'],
      [['merchant', 'add', '--mid', '102581054110009', '--name', 'X', '--fee-bp', '0.6'], 'MERCHANT_ERR_FEE'],
      [['merchant', 'add', '--mid', '102581054110009', '--name', 'X', '--fee-bp', '5000'], 'MERCHANT_ERR_FEE'],
      [['merchant', 'add', '--mid', '102581054110009', '--name', 'X', '--mcc', 'abcd'], 'MERCHANT_ERR_MCC'],
      [['merchant', 'add', '--mid', '102581054110009', '--name', 'X', '--currency', 'CNY'], 'MERCHANT_ERR_CURRENCY'],
      [['merchant', 'list', '--limit', '0'], 'MERCHANT_ERR_ARGUMENT'],
      [['merchant', 'list', '--limit', 'many'], 'MERCHANT_ERR_ARGUMENT'],
      [['merchant', 'add', '--bogus'], 'CLI_ERR_ARGUMENT_INVALID'],
    ];
    for (const [argv, code] of cases) {
      const result = await cli.run(...argv);
      expect({ argv, exitCode: result.exitCode, stdout: result.stdout }).toEqual({ argv, exitCode: 2, stdout: '' });
      expect(result.stderr).toMatch(new RegExp(`^error ${code}: [^\\n]+\\n$`));
      expect(result.stderr).not.toMatch(/\bat .+:\d+:\d+/);
    }
    expect((await cli.run('merchant', 'list', '--json')).stdout.trim().split('\n')).toHaveLength(2);
  });

  it('refuses a time zone that is not an IANA name before touching the store', async () => {
    process.env['BASTION_TIME_ZONE'] = 'Moon/Base';
    try {
      const result = await cli.run('merchant', 'list');
      expect(result).toMatchObject({ exitCode: 2, stdout: '' });
      expect(result.stderr).toMatch(/^error TERMINAL_ERR_TIME_ZONE: /);
    } finally {
      Reflect.deleteProperty(process.env, 'BASTION_TIME_ZONE');
    }
  });
});
