import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { demoCommands, shellQuote } from './demo-commands.js';

describe('demo commands', () => {
  it('quote paths so that a shell reads them back unchanged, spaces and quotes included', () => {
    for (const text of ['/plain/path', "/tmp/it's here/data", '/tmp/a b/$HOME/`x`', '']) {
      const echoed = spawnSync('sh', ['-c', `printf %s ${shellQuote(text)}`], { encoding: 'utf8', timeout: 10_000 });
      expect(echoed.stdout).toBe(text);
    }
  });

  it('name the data directory, Node.js and the launcher by absolute path on every bastion line', () => {
    const commands = demoCommands({ dataDir: '/srv/demo data', terminalId: '10000001', httpBase: 'http://127.0.0.1:8584', binPath: '/opt/bastion/bin/bastion.js', nodePath: '/usr/bin/node' });
    const bastionLines = commands.map((command) => command.line).filter((line) => !line.startsWith('curl '));
    expect(bastionLines).toHaveLength(7);
    for (const line of bastionLines) expect(line.startsWith("BASTION_DATA_DIR='/srv/demo data' /usr/bin/node /opt/bastion/bin/bastion.js ")).toBe(true);
  });
});
