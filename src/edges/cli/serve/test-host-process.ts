import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Test support (left out of the build): `bastion serve` and `bastion demo` as a user runs them, a
 * real child process of bin/bastion.js (so `npm run build` must have run, as `npm test` does),
 * with its output collected and bounded waits for what it prints and for its exit.
 */
export const binPath = fileURLToPath(new URL('../../../../bin/bastion.js', import.meta.url));
/** Every wait in these tests is bounded by this (start-up includes scrypt-free LMK loads and migrations). */
export const startWaitMs = 60_000;

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A clean environment: only what the host needs, so a developer's DATABASE_URL cannot leak in (the benches' helper). */
export { hostEnvironment } from '../../bench/host-child.js';

export class HostProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<Exit>;
  readonly #child: ChildProcess;

  constructor(args: readonly string[], options: { env: NodeJS.ProcessEnv; cwd?: string }) {
    this.#child = spawn(process.execPath, [binPath, ...args], { env: options.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    this.#child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => {
      this.#child.once('exit', (code, signal) => { resolve({ code, signal }); });
    });
  }

  /** Resolves with the first match of `pattern` in stdout; rejects on exit or after `timeoutMs`. */
  async waitForOutput(pattern: RegExp, timeoutMs = startWaitMs): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    const child = { exited: false };
    void this.exited.then(() => (child.exited = true));
    for (;;) {
      const match = pattern.exec(this.stdout);
      if (match !== null) return match;
      if (child.exited) throw new Error(`the host exited before printing ${pattern}:\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs} ms:\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Sends `signal` and waits for the exit (SIGKILL after the bound, then reported as a failure). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = startWaitMs): Promise<Exit> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<Exit>((resolve) => {
      timer = setTimeout(() => {
        this.#child.kill('SIGKILL');
        resolve({ code: null, signal: 'SIGKILL' });
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, bound]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** For afterAll: whatever happened, the child does not outlive the test file. */
  kill(): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
  }
}

/** A one-shot `bastion …` run to its exit (bounded). */
export function runBastion(args: readonly string[], env: NodeJS.ProcessEnv, options: { cwd?: string; input?: string } = {}): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [binPath, ...args], { env, cwd: options.cwd, input: options.input ?? '', encoding: 'utf8', timeout: startWaitMs });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** GET with a bound; the body as text. */
export async function httpGet(url: string): Promise<{ status: number; contentType: string | null; body: string }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return { status: response.status, contentType: response.headers.get('content-type'), body: await response.text() };
}
