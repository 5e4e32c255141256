import { describe, expect, it } from 'vitest';
import { testCard } from '../../../adapters/network/issuer-simulator/index.js';
import { databases } from '../../../adapters/store/test-databases.js';
import { hostMoney, issuerBalance } from '../../../domain/host/test-adjustments.js';
import { TERMINAL_ID } from '../../../domain/host/test-host.js';
import { useTemporaryDataDir } from '../merchants/test-cli-env.js';
import { useSimulatedTerminalCli } from './test-terminal-cli.js';

const cli = useTemporaryDataDir();
const card = testCard('approve-magstripe');

describe.each(databases)('bastion terminal preauth, preauth-void, complete and complete-void against a real host on $name', (database) => {
  const host = useSimulatedTerminalCli(cli, database);

  const traceOf = (stdout: string): string => (JSON.parse(stdout) as { trace: string }).trace;

  it('holds, voids (exit 0, then 3), completes within 115% (exit 0; above: 3) and voids the completion', async () => {
    const held = await cli.run('terminal', 'preauth', '--tid', TERMINAL_ID, '--amount', '100.00', '--card', 'approve-magstripe', '--pin', '1234', '--json');
    expect(held).toMatchObject({ exitCode: 0, stderr: '' });
    const voided = await cli.run('terminal', 'preauth-void', '--tid', TERMINAL_ID, '--trace', traceOf(held.stdout));
    expect(voided.exitCode).toBe(0);
    expect(voided.stdout).toContain('PRE-AUTH VOID');
    expect((await cli.run('terminal', 'preauth-void', '--tid', TERMINAL_ID, '--trace', traceOf(held.stdout))).exitCode).toBe(3);

    const again = await cli.run('terminal', 'preauth', '--tid', TERMINAL_ID, '--amount', '100.00', '--card', 'approve-magstripe', '--pin', '1234', '--json');
    expect((await cli.run('terminal', 'complete', '--tid', TERMINAL_ID, '--trace', traceOf(again.stdout), '--amount', '115.01')).exitCode).toBe(3);
    const completed = await cli.run('terminal', 'complete', '--tid', TERMINAL_ID, '--trace', traceOf(again.stdout), '--amount', '115.00', '--advice', '--json');
    expect(completed.exitCode).toBe(0);
    expect(await issuerBalance(host(), card)).toBe(card.balanceMinor - 11_500n);
    const completionVoided = await cli.run('terminal', 'complete-void', '--tid', TERMINAL_ID, '--trace', traceOf(completed.stdout));
    expect(completionVoided.exitCode).toBe(0);
    expect(completionVoided.stdout).toContain('COMPLETION VOID');
    expect(await issuerBalance(host(), card)).toBe(card.balanceMinor);
    expect(await hostMoney(host())).toEqual({ payable: 0n, fees: 0n, receivable: 0n });
    expect((await cli.run('terminal', 'complete', '--tid', TERMINAL_ID, '--amount', '1')).exitCode).toBe(2);
  });
});
