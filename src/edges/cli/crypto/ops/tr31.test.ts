import { describe, expect, it } from 'vitest';
import { main } from '../../main.js';
import { memoryIo } from '../../test-io.js';
import { runOp } from '../run-op.js';

// ASC X9 TR-31-2018 A.7.4 (version D).
const kbpk = '88E1AB2A2E3DD38C1FA039A536500CC8A87AB9D62DC92C01058FA79F44657DE6';
const key = '3F419E1CB7079442AA37474C2EFBF8B8';
const keyBlock = 'D0112P0AE00E0000B82679114F470F540165EDFBF7E250FCEA43F810D215F8D207E2E417C07156A27E8E31DA05F7425509593D03A457DC34';

describe('tr31 operations', () => {
  it('random padding round-trips through unwrap and hides a 16-byte AES key as a 32-byte one', () => {
    const wrapped = runOp('tr31.wrap', { kbpk, header: 'D0000P0AE00E0000', key }).keyBlock as string;
    expect(wrapped).toHaveLength(144);
    expect(wrapped).not.toBe(runOp('tr31.wrap', { kbpk, header: 'D0000P0AE00E0000', key }).keyBlock);
    expect(runOp('tr31.unwrap', { kbpk, keyBlock: wrapped }).key).toBe(key);
  });

  it('an altered key block is refused with a coded error that carries no key material', async () => {
    const altered = `${keyBlock.slice(0, 40)}${keyBlock.charAt(40) === '0' ? '1' : '0'}${keyBlock.slice(41)}`;
    const io = memoryIo();
    const status = await main(['crypto', 'tr31', 'unwrap', '--kbpk', kbpk, '--key-block', altered, '--json'], io);
    expect(status).toBe(2);
    expect(JSON.parse(io.out())).toEqual({
      ok: false,
      error: {
        code: 'CRYPTO_ERR_TR31_MAC',
        message: 'the key block failed its MAC check: it was altered, or the KBPK is not the one it was made under',
        details: { argument: 'keyBlock' },
      },
    });
    expect(io.out()).not.toContain(key);
  });

  it('batch mode reports a padding of the wrong length against its argument', async () => {
    const io = memoryIo(JSON.stringify({ op: 'tr31.wrap', args: { kbpk, header: 'D0000P0AE00E0000', key, padding: '00' } }));
    expect(await main(['crypto', 'batch'], io)).toBe(2);
    const outcome = JSON.parse(io.out()) as { ok: boolean; error: { code: string; details: Record<string, unknown> } };
    expect(outcome.error.code).toBe('CRYPTO_ERR_FILL');
    expect(outcome.error.details).toEqual({ argument: 'padding', length: 1 });
  });
});
