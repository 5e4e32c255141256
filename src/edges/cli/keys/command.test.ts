import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadLmk, lmkFilePath } from '../../../adapters/hsm/lmk-file.js';
import { lmkCheckValue, LocalMasterKey } from '../../../adapters/hsm/local-master-key.js';
import { readAuditTail, verifyAuditLog } from '../../../domain/audit/index.js';
import { fromHex, toHex } from '../../../lib/crypto/index.js';
import { auditKeyFilePath, readAuditChainKey } from '../audit/chain-key-file.js';
import { main } from '../main.js';
import { openConfiguredStore } from '../store/configured-store.js';
import { memoryIo } from '../test-io.js';

const componentA = '00112233445566778899AABBCCDDEEFF0123456789ABCDEFFEDCBA9876543210';
const componentB = 'F0E1D2C3B4A5968778695A4B3C2D1E0F89ABCDEF0123456776543210FEDCBA98';
const passphrase = 'correct horse battery staple';
const lmkKcv = toHex(LocalMasterKey.fromComponents([fromHex(componentA), fromHex(componentB)]).kcv);

const variables = ['BASTION_DATA_DIR', 'BASTION_DB', 'DATABASE_URL', 'BASTION_LMK_PASSPHRASE', 'BASTION_AUDIT_KEY_FILE'] as const;

interface Run {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Every 8-hex-digit window of every component: none may appear in anything the command prints. */
function expectNoComponentIn(run: Run, components: readonly string[] = [componentA, componentB]): void {
  const shown = `${run.stdout}\n${run.stderr}`.toUpperCase();
  for (const component of components) {
    for (let start = 0; start + 8 <= component.length; start += 2) expect(shown).not.toContain(component.slice(start, start + 8));
  }
}

describe('bastion keys', () => {
  let dataDir: string;
  const saved = new Map<string, string | undefined>();
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'bastion-keys-'));
    for (const name of variables) {
      saved.set(name, process.env[name]);
      Reflect.deleteProperty(process.env, name);
    }
    process.env['BASTION_DATA_DIR'] = dataDir;
  });
  afterEach(() => {
    for (const name of variables) {
      const value = saved.get(name);
      if (value === undefined) Reflect.deleteProperty(process.env, name);
      else process.env[name] = value;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function run(stdin: string, ...argv: string[]): Promise<Run> {
    const io = memoryIo(stdin);
    const exitCode = await main(['keys', ...argv], io);
    return { exitCode, stdout: io.out(), stderr: io.err() };
  }

  async function auditRows(): Promise<{ action: string; outcome: string; details: string }[]> {
    const { store } = await openConfiguredStore();
    try {
      const report = await verifyAuditLog(store, { chainKey: readAuditChainKey(auditKeyFilePath(process.env, dataDir)) as Buffer });
      expect(report.intact).toBe(true);
      return await readAuditTail(store, 100);
    } finally {
      await store.close();
    }
  }

  it('ceremony: two custodians, KCVs shown, components never shown, LMK sealed 0600 and recorded in the audit log', async () => {
    process.env['BASTION_LMK_PASSPHRASE'] = passphrase;
    const result = await run(`alice\n${componentA}\nbob\n${componentB.match(/.{4}/g)?.join(' ') ?? ''}\n`, 'ceremony');
    expect(result.stderr).not.toMatch(/error/);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(`alice: component KCV ${toHex(lmkCheckValue(fromHex(componentA)))}`);
    expect(result.stdout).toContain(`bob: component KCV ${toHex(lmkCheckValue(fromHex(componentB)))}`);
    expect(result.stdout).toContain(`LMK (AES-256) KCV: ${lmkKcv}`);
    expectNoComponentIn(result);
    expect(`${result.stdout}${result.stderr}`).not.toContain(passphrase);
    expect(statSync(lmkFilePath(dataDir)).mode & 0o777).toBe(0o600);
    expect(toHex((await loadLmk({ dataDir, passphrase, allowDev: false })).kcv)).toBe(lmkKcv);

    const status = await run('', 'status');
    expect(status.exitCode).toBe(0);
    expect(status.stdout).toContain('LMK: present');
    expect(status.stdout).toContain(`KCV: ${lmkKcv}`);
    expect(status.stdout).toContain('custodians: alice, bob');
    const json = await run('', 'status', '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({ lmk: { development: false, algorithm: 'aes-256', kcv: lmkKcv, custodians: ['alice', 'bob'] } });

    const rows = await auditRows();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: 'key.ceremony', outcome: 'success', target: 'lmk', source: 'cli' });
    expect(JSON.parse(rows[0]?.details ?? '')).toEqual({ algorithm: 'aes-256', custodians: ['alice', 'bob'], development: false, lmkKcv });
  });

  it('one person entering both components is refused, nothing is sealed, and the refusal is audited', async () => {
    process.env['BASTION_LMK_PASSPHRASE'] = passphrase;
    const result = await run(`alice\n${componentA}\n  ALICE \n${componentB}\n`, 'ceremony');
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^error HSM_ERR_CEREMONY: ALICE has already entered a component/m);
    expectNoComponentIn(result);
    expect(existsSync(lmkFilePath(dataDir))).toBe(false);
    const rows = await auditRows();
    expect(rows.map((row) => [row.action, row.outcome])).toEqual([['key.ceremony', 'denied']]);
    expect(rows[0]?.details).not.toContain(componentA.slice(0, 8));
  });

  it('asks for the passphrase twice when BASTION_LMK_PASSPHRASE is not set', async () => {
    const result = await run(`alice\n${componentA}\nbob\n${componentB}\n${passphrase}\n${passphrase}\n`, 'ceremony');
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain('Passphrase to seal the LMK');
    expect(`${result.stdout}${result.stderr}`).not.toContain(passphrase);
    expect(toHex((await loadLmk({ dataDir, passphrase, allowDev: false })).kcv)).toBe(lmkKcv);
  });

  it.each([
    ['a passphrase that differs from its confirmation', `alice\n${componentA}\nbob\n${componentB}\n${passphrase}\n${passphrase}!\n`, 'HSM_ERR_PASSPHRASE'],
    ['a short passphrase', `alice\n${componentA}\nbob\n${componentB}\nshort\nshort\n`, 'HSM_ERR_PASSPHRASE'],
    ['a component of 31 hex digits', `alice\n${componentA.slice(0, 31)}\n`, 'HSM_ERR_CEREMONY'],
    ['a component that is not hex', `alice\n${componentA.slice(0, 63)}G\n`, 'HSM_ERR_CEREMONY'],
    ['components of different lengths', `alice\n${componentA}\nbob\n${componentB.slice(0, 32)}\n`, 'HSM_ERR_CEREMONY'],
    ['the same component twice', `alice\n${componentA}\nbob\n${componentA}\n`, 'HSM_ERR_CEREMONY'],
    ['an empty name', `\n`, 'HSM_ERR_CEREMONY'],
    ['input that ends early', `alice\n${componentA}\nbob\n`, 'HSM_ERR_CEREMONY'],
  ])('refuses %s, shows no component, saves nothing', async (_, stdin, code) => {
    const result = await run(stdin, 'ceremony');
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`error ${code}:`);
    expectNoComponentIn(result);
    expect(existsSync(lmkFilePath(dataDir))).toBe(false);
  });

  it('takes three custodians with --custodians 3 and refuses fewer than two', async () => {
    process.env['BASTION_LMK_PASSPHRASE'] = passphrase;
    const componentC = '0F1E2D3C4B5A69788796A5B4C3D2E1F0';
    const short = await run(`alice\n${componentA.slice(0, 32)}\nbob\n${componentB.slice(0, 32)}\ncarol\n${componentC}\n`, 'ceremony', '--custodians', '3');
    expect(short.exitCode).toBe(0);
    expect(short.stdout).toContain('LMK (AES-128) KCV:');
    expect(short.stdout).toContain('carol: component KCV');
    expectNoComponentIn(short, [componentA.slice(0, 32), componentB.slice(0, 32), componentC]);
    rmSync(join(dataDir, 'keys', 'lmk.sealed'));
    expect((await run('', 'ceremony', '--custodians', '1')).stderr).toContain('error HSM_ERR_CEREMONY:');
    expect((await run('', 'ceremony', '--custodians', 'two')).stderr).toContain('error CLI_ERR_ARGUMENT_INVALID:');
  });

  it('never replaces an existing LMK', async () => {
    process.env['BASTION_LMK_PASSPHRASE'] = passphrase;
    expect((await run(`alice\n${componentA}\nbob\n${componentB}\n`, 'ceremony')).exitCode).toBe(0);
    const again = await run(`carol\n${componentB}\ndave\n${componentA}\n`, 'ceremony');
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain('error HSM_ERR_LMK_EXISTS:');
    expect((await run('', 'ceremony', '--dev')).stderr).toContain('error HSM_ERR_LMK_EXISTS:');
  });

  it('--dev makes the published development LMK, loudly, and a host without --dev refuses it', async () => {
    const result = await run('', 'ceremony', '--dev');
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toMatch(/^WARNING: creating the DEVELOPMENT LMK/m);
    expect(result.stdout).toContain(`DEVELOPMENT LMK (AES-256) KCV: ${toHex(LocalMasterKey.development().kcv)}`);
    const status = await run('', 'status');
    expect(status.stdout).toMatch(/^LMK: DEVELOPMENT/m);
    await expect(loadLmk({ dataDir, passphrase: undefined, allowDev: false })).rejects.toMatchObject({ code: 'HSM_ERR_LMK_DEV_REFUSED' });
    expect((await auditRows()).map((row) => JSON.parse(row.details) as unknown)).toEqual([{ algorithm: 'aes-256', development: true, lmkKcv: toHex(LocalMasterKey.development().kcv) }]);
  });

  it('status without an LMK says so and exits 1', async () => {
    const result = await run('', 'status');
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('LMK: none');
    expect(JSON.parse((await run('', 'status', '--json')).stdout)).toEqual({ lmk: null });
  });
});
