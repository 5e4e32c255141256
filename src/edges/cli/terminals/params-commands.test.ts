import { describe, expect, it } from 'vitest';
import { databases } from '../../../adapters/store/test-databases.js';
import { parseEmvParameterFile } from '../../../domain/emv-params/index.js';
import { shippedParameters } from '../../../domain/emv-params/test-params.js';
import { TERMINAL_ID } from '../../../domain/host/test-host.js';
import { useTemporaryDataDir } from '../merchants/test-cli-env.js';
import { useSimulatedTerminalCli } from './test-terminal-cli.js';

const cli = useTemporaryDataDir();

describe.each(databases)('bastion terminal params against a real host on $name', (database) => {
  const host = useSimulatedTerminalCli(cli, database, { signIn: false });

  it('needs a sign-in, then downloads every key and AID (exit 0, text and JSON); declined is exit 3', async () => {
    const notSignedIn = await cli.run('terminal', 'params', '--tid', TERMINAL_ID);
    expect(notSignedIn).toMatchObject({ exitCode: 2, stdout: '' });
    expect(notSignedIn.stderr).toMatch(/^error SIM_ERR_NOT_SIGNED_IN: /);
    await host().emvParams.import(parseEmvParameterFile(JSON.stringify(shippedParameters())));
    const signIn = await cli.run('terminal', 'sign-in', '--tid', TERMINAL_ID);
    expect(signIn.exitCode).toBe(0);
    expect(signIn.stdout).toContain('parameters out of date: run bastion terminal params');
    const text = await cli.run('terminal', 'params', '--tid', TERMINAL_ID);
    expect(text).toMatchObject({ exitCode: 0, stderr: '' });
    expect(text.stdout).toContain(`terminal ${TERMINAL_ID}: parameters downloaded, 9 CAPKs (checksums verified) in 1 query page(s), 10 AIDs in 1`);
    expect(text.stdout).toContain('A000000333/04');
    expect(text.stdout).toContain(`params-${TERMINAL_ID}.json`);
    const json = JSON.parse((await cli.run('terminal', 'params', '--tid', TERMINAL_ID, '--json')).stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ completed: true, processingRequirementAtStart: 0, processingRequirement: 0 });
    expect((await cli.run('terminal', 'sign-in', '--tid', TERMINAL_ID)).stdout).not.toContain('parameters out of date');

    host().clock.advance(2n * 86_400_000n);
    const declined = await cli.run('terminal', 'params', '--tid', TERMINAL_ID);
    expect(declined.exitCode).toBe(3);
    expect(declined.stdout).toContain('parameter download DECLINED at capk-query, 77');
  });
});
