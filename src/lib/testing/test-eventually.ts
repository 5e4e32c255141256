/**
 * Test support (left out of the build): polls `check` every 10 ms until it holds, for what
 * another process, connection or timer makes true a moment later. Fails naming `what` after
 * `timeoutMs` — a bound on waiting, never an assertion about speed.
 */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
