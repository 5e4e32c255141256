import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../main.js';
import { memoryIo } from '../test-io.js';

/**
 * Test support (left out of the build): runs `bastion` in-process against a fresh SQLite store
 * in a temporary BASTION_DATA_DIR, with the database variables of the machine set aside.
 */
export interface CliRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

const variables = ['BASTION_DATA_DIR', 'BASTION_DB', 'DATABASE_URL', 'BASTION_TIME_ZONE', 'BASTION_LMK_PASSPHRASE', 'BASTION_AUDIT_KEY_FILE'] as const;

export interface TemporaryDataDir {
  readonly setUp: () => void;
  readonly tearDown: () => void;
  readonly run: (...argv: string[]) => Promise<CliRun>;
  readonly runWithStdin: (stdin: string, ...argv: string[]) => Promise<CliRun>;
  readonly dataDir: () => string;
}

export function useTemporaryDataDir(): TemporaryDataDir {
  let dataDir = '';
  const saved = new Map<string, string | undefined>();
  const runWithStdin = async (stdin: string, ...argv: string[]): Promise<CliRun> => {
    const io = memoryIo(stdin);
    const exitCode = await main(argv, io);
    return { exitCode, stdout: io.out(), stderr: io.err() };
  };
  return {
    setUp() {
      dataDir = mkdtempSync(join(tmpdir(), 'bastion-cli-'));
      for (const name of variables) {
        saved.set(name, process.env[name]);
        Reflect.deleteProperty(process.env, name);
      }
      process.env['BASTION_DATA_DIR'] = dataDir;
    },
    tearDown() {
      for (const name of variables) {
        const value = saved.get(name);
        if (value === undefined) Reflect.deleteProperty(process.env, name);
        else process.env[name] = value;
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
    run: (...argv) => runWithStdin('', ...argv),
    runWithStdin,
    dataDir: () => dataDir,
  };
}
