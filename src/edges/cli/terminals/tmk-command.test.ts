import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalMasterKey } from '../../../adapters/hsm/local-master-key.js';
import { SoftwareHsm } from '../../../adapters/hsm/software-hsm.js';
import { MerchantService } from '../../../domain/merchants/index.js';
import { terminalMayTransact, TerminalService } from '../../../domain/terminals/index.js';
import { combineKeyComponents, fromHex, toHex } from '../../../lib/crypto/index.js';
import { useTemporaryDataDir } from '../merchants/test-cli-env.js';
import { openConfiguredStore } from '../store/configured-store.js';

const cli = useTemporaryDataDir();
const mid = '102581054110001';

interface PrintedTmk {
  readonly kcv: string;
  readonly components: readonly { readonly hex: string; readonly kcv: string }[];
}

function parseTmkOutput(stdout: string): PrintedTmk {
  const kcv = /KCV ([0-9A-F]{6})\n/.exec(stdout)?.[1];
  const components = [...stdout.matchAll(/^component \d of \d: ([0-9A-F ]+?) {2}KCV ([0-9A-F]{6})$/gm)].map((match) => ({ hex: (match[1] as string).replace(/ /g, ''), kcv: match[2] as string }));
  if (kcv === undefined) throw new Error(`no KCV in ${stdout}`);
  return { kcv, components };
}

describe('bastion terminal keys', () => {
  beforeAll(async () => {
    cli.setUp();
    expect((await cli.run('merchant', 'add', '--mid', mid, '--name', 'Canton Grocers')).exitCode).toBe(0);
    expect((await cli.run('terminal', 'add', '--tid', '10000001', '--mid', mid, '--serial', 'N7NL0123456', '--model', 'PAX A920')).exitCode).toBe(0);
  });
  afterAll(cli.tearDown);

  it('needs an LMK', async () => {
    const result = await cli.run('terminal', 'keys', '--tid', '10000001');
    expect(result).toMatchObject({ exitCode: 2, stdout: '' });
    expect(result.stderr).toMatch(/^error HSM_ERR_LMK_MISSING: /);
  });

  it('refuses the development LMK unless --dev is given', async () => {
    expect((await cli.run('keys', 'ceremony', '--dev')).exitCode).toBe(0);
    const result = await cli.run('terminal', 'keys', '--tid', '10000001');
    expect(result).toMatchObject({ exitCode: 2, stdout: '' });
    expect(result.stderr).toMatch(/^error HSM_ERR_LMK_DEV_REFUSED: /);
  });

  it('generates a TMK, stores it under the LMK and prints components that rebuild it', async () => {
    const result = await cli.run('terminal', 'keys', '--tid', '10000001', '--components', '3', '--dev');
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain('DEVELOPMENT LMK');
    const printed = parseTmkOutput(result.stdout);
    expect(printed.components).toHaveLength(3);
    const rebuilt = combineKeyComponents('tdes', printed.components.map((component) => fromHex(component.hex)));
    expect(toHex(rebuilt.kcv).slice(0, 6)).toBe(printed.kcv);
    for (const component of printed.components) expect(toHex(combineKeyComponents('tdes', [fromHex(component.hex), Buffer.alloc(16)]).kcv).slice(0, 6)).toBe(component.kcv);

    const listed = JSON.parse((await cli.run('terminal', 'list', '--json')).stdout) as { tmk: { type: string; algorithm: string; kcv: string } };
    expect(listed.tmk).toEqual({ type: 'TMK', algorithm: 'tdes-2key', kcv: printed.kcv });
    // The clear components are nowhere but on stdout.
    expect(JSON.stringify(listed)).not.toContain(printed.components[0]?.hex.slice(0, 8));

    const tail = await cli.run('audit', 'tail');
    expect(tail.stdout).toMatch(/key\.generate/);
    expect(tail.stdout).toMatch(/key\.export/);
    expect(tail.stdout).not.toContain(printed.components[0]?.hex.slice(0, 8));
    expect((await cli.run('audit', 'verify')).exitCode).toBe(0);
  });

  it('gives a TMK the HSM can sign the terminal in with', async () => {
    const { store } = await openConfiguredStore();
    try {
      const clock = (): bigint => BigInt(Date.now());
      const merchants = new MerchantService(store, { clock });
      const terminals = new TerminalService(store, merchants, { clock });
      const terminal = await terminals.require({ terminalId: '10000001' });
      if (terminal.tmk === undefined) throw new Error('no TMK stored');
      const hsm = new SoftwareHsm(LocalMasterKey.development());
      const keys = await hsm.generateWorkingKeys(terminal.tmk);
      const signedIn = await terminals.recordSignIn(terminal, { pik: keys.pik.underLmk, mak: keys.mak.underLmk, tdk: keys.tdk.underLmk }, '000001', clock());
      expect(terminalMayTransact(signedIn, await merchants.find(mid), { today: terminals.today(), merchantIdInRequest: mid, batchNumberInRequest: '000001' })).toEqual({ ok: true });
    } finally {
      await store.close();
    }
  });

  it('replaces a TMK only when asked', async () => {
    const before = JSON.parse((await cli.run('terminal', 'list', '--json')).stdout) as { tmk: { kcv: string } };
    const refused = await cli.run('terminal', 'keys', '--tid', '10000001', '--dev');
    expect(refused).toMatchObject({ exitCode: 2, stdout: '' });
    expect(refused.stderr).toMatch(/^error TERMINAL_ERR_STATE: .*--replace/);
    const replaced = await cli.run('terminal', 'keys', '--tid', '10000001', '--dev', '--replace', '--algorithm', 'tdes-3key');
    expect(replaced.exitCode).toBe(0);
    const after = JSON.parse((await cli.run('terminal', 'list', '--json')).stdout) as { tmk: { kcv: string; algorithm: string }; workingKeys?: unknown };
    expect(after.tmk.algorithm).toBe('tdes-3key');
    expect(after.tmk.kcv).toBe(parseTmkOutput(replaced.stdout).kcv);
    expect(after.tmk.kcv).not.toBe(before.tmk.kcv);
    // Working keys of the old TMK are gone: the terminal signs in again.
    expect(after.workingKeys).toBeUndefined();
  });

  it('exits 2 with a coded line for bad input', async () => {
    const cases: readonly [readonly string[], string][] = [
      [['terminal', 'keys', '--dev'], 'CLI_ERR_ARGUMENT_MISSING'],
      [['terminal', 'keys', '--tid', '19999999', '--dev'], 'TERMINAL_ERR_NOT_FOUND'],
      [['terminal', 'keys', '--tid', '10000001', '--dev', '--replace', '--components', '1'], 'CLI_ERR_ARGUMENT_INVALID'],
      [['terminal', 'keys', '--tid', '10000001', '--dev', '--replace', '--algorithm', 'rot13'], 'CLI_ERR_ARGUMENT_INVALID'],
      [['terminal', 'keys', '--tid', '10000001', '--dev', '--replace', '--algorithm', 'des'], 'HSM_ERR_KEY_TYPE'],
    ];
    for (const [argv, code] of cases) {
      const result = await cli.run(...argv);
      expect({ argv, exitCode: result.exitCode, stdout: result.stdout }).toEqual({ argv, exitCode: 2, stdout: '' });
      expect(result.stderr).toMatch(new RegExp(`^error ${code}: [^\\n]+\\n$`));
    }
  });
});

describe('bastion terminal keys with a sealed LMK', () => {
  const sealed = useTemporaryDataDir();
  const passphrase = 'correct horse battery staple';
  beforeAll(async () => {
    sealed.setUp();
    process.env['BASTION_LMK_PASSPHRASE'] = passphrase;
    const components = ['00112233445566778899AABBCCDDEEFF0123456789ABCDEFFEDCBA9876543210', 'F0E1D2C3B4A5968778695A4B3C2D1E0F89ABCDEF0123456776543210FEDCBA98'];
    expect((await sealed.runWithStdin(`alice\n${components[0] ?? ''}\nbob\n${components[1] ?? ''}\n`, 'keys', 'ceremony')).exitCode).toBe(0);
    expect((await sealed.run('merchant', 'add', '--mid', mid, '--name', 'Canton Grocers')).exitCode).toBe(0);
    expect((await sealed.run('terminal', 'add', '--tid', '10000001', '--mid', mid, '--serial', 'N7NL0123456', '--model', 'PAX A920')).exitCode).toBe(0);
  });
  afterAll(sealed.tearDown);

  it('opens the LMK with BASTION_LMK_PASSPHRASE, and refuses a wrong one before generating anything', async () => {
    process.env['BASTION_LMK_PASSPHRASE'] = 'not the passphrase at all';
    const wrong = await sealed.run('terminal', 'keys', '--tid', '10000001');
    expect(wrong).toMatchObject({ exitCode: 2, stdout: '' });
    expect(wrong.stderr).toMatch(/^error HSM_ERR_PASSPHRASE: /);
    expect((JSON.parse((await sealed.run('terminal', 'list', '--json')).stdout) as { tmk?: unknown }).tmk).toBeUndefined();

    process.env['BASTION_LMK_PASSPHRASE'] = passphrase;
    const result = await sealed.run('terminal', 'keys', '--tid', '10000001');
    expect(result).toMatchObject({ exitCode: 0, stderr: '' });
    expect(parseTmkOutput(result.stdout).components).toHaveLength(2);
  });
});
