import { describe, expect, it } from 'vitest';
import { testCard } from '../../../adapters/network/issuer-simulator/index.js';
import { databases } from '../../../adapters/store/test-databases.js';
import { hostMoney, issuerBalance } from '../../../domain/host/test-adjustments.js';
import { TERMINAL_ID } from '../../../domain/host/test-host.js';
import { useTemporaryDataDir } from '../merchants/test-cli-env.js';
import { useSimulatedTerminalCli } from './test-terminal-cli.js';

const cli = useTemporaryDataDir();
const card = testCard('approve-magstripe');

describe.each(databases)('bastion terminal sale --drop-response and bastion terminal reverse against a real host on $name', (database) => {
  const host = useSimulatedTerminalCli(cli, database);

  it('a dropped sale exits 4 with a pending reversal; reverse sends it (money back), then has nothing to send', async () => {
    const dropped = await cli.run('terminal', 'sale', '--tid', TERMINAL_ID, '--amount', '30', '--card', 'approve-magstripe', '--pin', '1234', '--drop-response');
    expect(dropped.exitCode).toBe(4);
    expect(dropped.stdout).toContain('reversal pending');
    expect(await issuerBalance(host(), card)).toBe(card.balanceMinor - 3_000n);
    const reversed = await cli.run('terminal', 'reverse', '--tid', TERMINAL_ID);
    expect(reversed).toMatchObject({ exitCode: 0, stderr: '' });
    expect(reversed.stdout).toMatch(/reversal of trace 000002 answered 00/);
    expect(await issuerBalance(host(), card)).toBe(card.balanceMinor);
    expect(await hostMoney(host())).toEqual({ payable: 0n, fees: 0n, receivable: 0n });
    expect((await cli.run('terminal', 'reverse', '--tid', TERMINAL_ID)).stdout).toContain('no pending reversal');
  });

  it('bastion terminal void --trace voids the sale from the journal (exit 0); again it is 12 (exit 3)', async () => {
    const sale = await cli.run('terminal', 'sale', '--tid', TERMINAL_ID, '--amount', '12.00', '--card', 'approve-magstripe', '--pin', '1234', '--json');
    expect(sale.exitCode).toBe(0);
    const trace = (JSON.parse(sale.stdout) as { trace: string }).trace;
    const voided = await cli.run('terminal', 'void', '--tid', TERMINAL_ID, '--trace', trace);
    expect(voided).toMatchObject({ exitCode: 0, stderr: '' });
    expect(voided.stdout).toContain('VOID');
    expect(await issuerBalance(host(), card)).toBe(card.balanceMinor);
    expect((await cli.run('terminal', 'void', '--tid', TERMINAL_ID, '--trace', trace)).exitCode).toBe(3);
  });
});
