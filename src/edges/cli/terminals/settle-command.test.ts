import { describe, expect, it } from 'vitest';
import { testCard } from '../../../adapters/network/issuer-simulator/index.js';
import { databases } from '../../../adapters/store/test-databases.js';
import { TERMINAL_ID } from '../../../domain/host/test-host.js';
import { useTemporaryDataDir } from '../merchants/test-cli-env.js';
import { useSimulatedTerminalCli } from './test-terminal-cli.js';

const cli = useTemporaryDataDir();

describe.each(databases)('bastion terminal settle against a real host on $name', (database) => {
  const host = useSimulatedTerminalCli(cli, database);

  it('settles balanced, then with --skew uploads the batch; each closes and the next batch starts; no PAN printed', async () => {
    expect((await cli.run('terminal', 'sale', '--tid', TERMINAL_ID, '--amount', '12.34', '--card', 'approve-chip-pin', '--pin', '1234')).exitCode).toBe(0);
    expect((await cli.run('terminal', 'sale', '--tid', TERMINAL_ID, '--amount', '1', '--card', 'approve-magstripe', '--pin', '1234')).exitCode).toBe(0);
    const balanced = await cli.run('terminal', 'settle', '--tid', TERMINAL_ID);
    expect(balanced).toMatchObject({ exitCode: 0, stderr: '' });
    expect(balanced.stdout).toContain('batch 000001 settled');
    expect(balanced.stdout).toContain('debit 2 for ¥13.34, credit 0 for ¥0.00; balanced');
    expect(balanced.stdout).toContain('next batch 000002');

    expect((await cli.run('terminal', 'sale', '--tid', TERMINAL_ID, '--amount', '5', '--card', 'approve-magstripe', '--pin', '1234')).exitCode).toBe(0);
    const skewed = await cli.run('terminal', 'settle', '--tid', TERMINAL_ID, '--skew', '0.01', '--json');
    expect(skewed.exitCode).toBe(0);
    expect(JSON.parse(skewed.stdout)).toMatchObject({ batchNumber: '000002', domesticResult: '2', balanced: false, uploadedCount: 1, nextBatchNumber: '000003', claimed: { debitAmountMinor: '501', debitCount: 1 } });
    expect((await host().terminals.require({ terminalId: TERMINAL_ID })).batchNumber).toBe('000003');
    for (const output of [balanced.stdout, skewed.stdout, balanced.stderr, skewed.stderr]) {
      expect(output).not.toContain(testCard('approve-chip-pin').pan);
      expect(output).not.toContain(testCard('approve-magstripe').pan);
    }
  });

  it('exits 3 when the host declines the settlement, 2 for bad input', async () => {
    const badSkew = await cli.run('terminal', 'settle', '--tid', TERMINAL_ID, '--skew', '-1');
    expect(badSkew.exitCode).toBe(2);
    expect(badSkew.stderr).toContain('SIM_ERR_ARGUMENT');
    await host().terminals.signOut({ terminalId: TERMINAL_ID });
    const declined = await cli.run('terminal', 'settle', '--tid', TERMINAL_ID);
    expect(declined.exitCode).toBe(3);
    expect(declined.stdout).toContain('DECLINED, 77');
  });
});
