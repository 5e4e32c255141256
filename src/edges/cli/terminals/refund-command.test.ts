import { describe, expect, it } from 'vitest';
import { testCard } from '../../../adapters/network/issuer-simulator/index.js';
import { databases } from '../../../adapters/store/test-databases.js';
import { issuerBalance } from '../../../domain/host/test-adjustments.js';
import { TERMINAL_ID } from '../../../domain/host/test-host.js';
import { useTemporaryDataDir } from '../merchants/test-cli-env.js';
import { useSimulatedTerminalCli } from './test-terminal-cli.js';

const cli = useTemporaryDataDir();
const card = testCard('approve-magstripe');

describe.each(databases)('bastion terminal refund against a real host on $name', (database) => {
  const host = useSimulatedTerminalCli(cli, database);

  it('refunds part of a sale by its RRN (exit 0, receipt REFUND), the rest as JSON, then one fen more is 13 (exit 3)', async () => {
    const sale = await cli.run('terminal', 'sale', '--tid', TERMINAL_ID, '--amount', '20.00', '--card', 'approve-magstripe', '--pin', '1234', '--json');
    expect(sale.exitCode).toBe(0);
    const rrn = (JSON.parse(sale.stdout) as { rrn: string }).rrn;
    const first = await cli.run('terminal', 'refund', '--tid', TERMINAL_ID, '--rrn', rrn, '--amount', '5', '--card', 'approve-magstripe');
    expect(first).toMatchObject({ exitCode: 0, stderr: '' });
    expect(first.stdout).toContain('REFUND');
    expect(first.stdout).toContain('APPROVED');
    expect(first.stdout).not.toContain(card.pan);
    const rest = await cli.run('terminal', 'refund', '--tid', TERMINAL_ID, '--rrn', rrn, '--amount', '15.00', '--card', 'approve-magstripe', '--pin', '1234', '--json');
    expect(rest.exitCode).toBe(0);
    expect(JSON.parse(rest.stdout)).toMatchObject({ transaction: 'refund', amountMinor: '1500', responseCode: '00', approved: true });
    expect(await issuerBalance(host(), card)).toBe(card.balanceMinor);
    const beyond = await cli.run('terminal', 'refund', '--tid', TERMINAL_ID, '--rrn', rrn, '--amount', '0.01', '--card', 'approve-magstripe', '--json');
    expect(beyond.exitCode).toBe(3);
    expect(JSON.parse(beyond.stdout)).toMatchObject({ responseCode: '13', approved: false });
  });

  it('an unknown RRN with --batch and --trace is 25 (exit 3); bad or missing input exits 2 with a coded error', async () => {
    const unknown = await cli.run('terminal', 'refund', '--tid', TERMINAL_ID, '--rrn', '000000000001', '--amount', '1', '--card', 'approve-magstripe', '--batch', '1', '--trace', '1');
    expect(unknown.exitCode).toBe(3);
    expect(unknown.stdout).toMatch(/25/);
    const cases: [string[], string][] = [
      [['--rrn', '000000000001', '--amount', '1', '--card', 'approve-magstripe'], 'SIM_ERR_ARGUMENT'],
      [['--amount', '1', '--card', 'approve-magstripe'], 'CLI_ERR_ARGUMENT_MISSING'],
      [['--rrn', '000000000001', '--card', 'approve-magstripe'], 'CLI_ERR_ARGUMENT_MISSING'],
      [['--rrn', '000000000001', '--amount', '1'], 'CLI_ERR_ARGUMENT_MISSING'],
      [['--rrn', 'abc', '--amount', '1', '--card', 'approve-magstripe'], 'SIM_ERR_ARGUMENT'],
      [['--rrn', '000000000001', '--amount', '-1', '--card', 'approve-magstripe'], 'SIM_ERR_ARGUMENT'],
      [['--rrn', '000000000001', '--amount', '1', '--card', 'no-such-card'], 'SIM_ERR_CARD'],
      [['--rrn', '000000000001', '--amount', '1', '--card', 'approve-magstripe', '--batch', '1', '--trace', '1', '--date', '1399'], 'SIM_ERR_ARGUMENT'],
    ];
    for (const [args, code] of cases) {
      const run = await cli.run('terminal', 'refund', '--tid', TERMINAL_ID, ...args);
      expect(run.exitCode, args.join(' ')).toBe(2);
      expect(run.stderr, args.join(' ')).toContain(`error ${code}`);
    }
  });
});
