import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shippedParameterFile } from '../../../domain/emv-params/test-params.js';
import { useTemporaryDataDir } from '../merchants/test-cli-env.js';

const cli = useTemporaryDataDir();

describe('bastion params', () => {
  beforeAll(cli.setUp);
  afterAll(cli.tearDown);

  const edited = (name: string, edit: (file: { capks: Record<string, string>[]; aids: Record<string, unknown>[] }) => void): string => {
    const file = JSON.parse(readFileSync(shippedParameterFile, 'utf8')) as { capks: Record<string, string>[]; aids: Record<string, unknown>[] };
    edit(file);
    const path = join(cli.dataDir(), name);
    writeFileSync(path, JSON.stringify(file));
    return path;
  };

  it('imports the shipped file (version 1), says so again unchanged, and lists it', async () => {
    const first = await cli.run('params', 'import', shippedParameterFile);
    expect(first).toMatchObject({ exitCode: 0, stderr: '' });
    expect(first.stdout).toContain('parameter set imported: version 1 (9 CAPKs, 10 AIDs)');
    expect(first.stdout).toContain('A000000003/92');
    const again = await cli.run('params', 'import', shippedParameterFile, '--json');
    expect(JSON.parse(again.stdout)).toMatchObject({ changed: false, version: '1', capks: 9, aids: 10 });
    const listed = await cli.run('params', 'list');
    expect(listed.stdout).toContain('parameter set version 1');
    expect(listed.stdout).toMatch(/A000000004\/F1 +20301231 +1408 +03 +D8E68DA167AB5A85D8C3D55ECB9B0517A1A5B4BB/);
    expect(listed.stdout).toContain('A0000000031010');
    const json = JSON.parse((await cli.run('params', 'list', '--json')).stdout) as { version: string; capks: unknown[]; aids: unknown[] };
    expect(json).toMatchObject({ version: '1' });
    expect(json.capks).toHaveLength(9);
    const tail = await cli.run('audit', 'tail');
    expect(tail.stdout).toContain('config.change');
    expect(tail.stdout).toContain('emv-parameters');
  });

  it('a file with a bad checksum exits 2 naming the key and changes nothing; a bad value names its JSON path', async () => {
    const badChecksum = edited('bad-checksum.json', (file) => {
      const key = file.capks.find((capk) => capk['rid'] === 'A000000333' && capk['index'] === '03');
      if (key !== undefined) key['checksum'] = '11'.repeat(20);
      file.capks.splice(0, 2);
    });
    const refused = await cli.run('params', 'import', badChecksum);
    expect(refused).toMatchObject({ exitCode: 2, stdout: '' });
    expect(refused.stderr).toMatch(/^error PARAMS_ERR_CHECKSUM: key A000000333\/03/);
    const badPath = edited('bad-path.json', (file) => {
      (file.aids[2] as Record<string, unknown>)['tacOnline'] = 'D84004F8';
    });
    expect((await cli.run('params', 'import', badPath)).stderr).toMatch(/^error PARAMS_ERR_FILE: \$\.aids\[2\]\.tacOnline: must be 5 bytes/);
    expect((await cli.run('params', 'import', join(cli.dataDir(), 'missing.json'))).stderr).toMatch(/^error PARAMS_ERR_FILE: /);
    const json = JSON.parse((await cli.run('params', 'list', '--json')).stdout) as { version: string; capks: unknown[] };
    expect(json.capks).toHaveLength(9);
  });
});
