import { describe, expect, it } from 'vitest';
import { databases } from '../../../adapters/store/test-databases.js';
import { TERMINAL_ID } from '../../../domain/host/test-host.js';
import { useTemporaryDataDir } from '../merchants/test-cli-env.js';
import { useSimulatedTerminalCli } from './test-terminal-cli.js';

const cli = useTemporaryDataDir();

describe.each(databases)('bastion terminal sign-out against a real host on $name', (database) => {
  useSimulatedTerminalCli(cli, database);

  it('signs out (exit 0), after which a sale is refused before it is sent; signing in again restores it', async () => {
    const signedOut = await cli.run('terminal', 'sign-out', '--tid', TERMINAL_ID, '--json');
    expect(signedOut).toMatchObject({ exitCode: 0, stderr: '' });
    expect(JSON.parse(signedOut.stdout)).toMatchObject({ terminalId: TERMINAL_ID, responseCode: '00', signedOut: true });
    const refused = await cli.run('terminal', 'sale', '--tid', TERMINAL_ID, '--amount', '1.00', '--card', 'approve-magstripe', '--pin', '1234');
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain('SIM_ERR_NOT_SIGNED_IN');
    expect((await cli.run('terminal', 'sign-in', '--tid', TERMINAL_ID)).exitCode).toBe(0);
    expect((await cli.run('terminal', 'sale', '--tid', TERMINAL_ID, '--amount', '1.00', '--card', 'approve-magstripe', '--pin', '1234')).exitCode).toBe(0);
  });

  it('refuses a missing --tid with exit 2', async () => {
    const missing = await cli.run('terminal', 'sign-out');
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('CLI_ERR_ARGUMENT_MISSING');
  });
});
