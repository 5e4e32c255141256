import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../lib/crypto/index.js';
import { loadLmk, lmkFilePath, readLmkStatus, sealLmk } from './lmk-file.js';
import { LocalMasterKey } from './local-master-key.js';
import { expectRejection } from './test-hsm.js';

const componentA = fromHex('00112233445566778899AABBCCDDEEFF0123456789ABCDEFFEDCBA9876543210');
const componentB = fromHex('F0E1D2C3B4A5968778695A4B3C2D1E0F89ABCDEF0123456776543210FEDCBA98');
const passphrase = 'correct horse battery staple';

describe('sealed LMK file', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'bastion-lmk-'));
  });
  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('seals under the passphrase (0600 in a 0700 folder) and loads back the same LMK; the file holds no component or LMK', async () => {
    const lmk = LocalMasterKey.fromComponents([componentA, componentB]);
    const path = await sealLmk({ dataDir, lmk, passphrase, custodians: ['alice', 'bob'], nowMs: 1_700_000_000_000 });
    expect(path).toBe(lmkFilePath(dataDir));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, 'keys')).mode & 0o777).toBe(0o700);
    const text = readFileSync(path, 'utf8').toUpperCase();
    const lmkHex = toHex(Buffer.from(componentA.map((byte, i) => byte ^ (componentB[i] as number))));
    for (const secret of [toHex(componentA), toHex(componentB), lmkHex]) {
      for (let start = 0; start + 8 <= secret.length; start += 8) expect(text).not.toContain(secret.slice(start, start + 8));
    }
    expect(text).not.toContain(passphrase.toUpperCase());
    const loaded = await loadLmk({ dataDir, passphrase, allowDev: false });
    expect(loaded.kcv).toEqual(lmk.kcv);
    expect(loaded.development).toBe(false);
    expect(readLmkStatus(dataDir)).toEqual({
      path,
      development: false,
      algorithm: 'aes-256',
      kcv: lmk.kcv,
      custodians: ['alice', 'bob'],
      createdAtMs: 1_700_000_000_000,
    });
  });

  it('refuses a missing, short or wrong passphrase', async () => {
    const lmk = LocalMasterKey.fromComponents([componentA, componentB]);
    await expectRejection(sealLmk({ dataDir, lmk, custodians: ['a', 'b'], nowMs: 0 }), 'HSM_ERR_PASSPHRASE');
    await expectRejection(sealLmk({ dataDir, lmk, passphrase: 'short', custodians: ['a', 'b'], nowMs: 0 }), 'HSM_ERR_PASSPHRASE', {}, ['short']);
    await sealLmk({ dataDir, lmk, passphrase, custodians: ['a', 'b'], nowMs: 0 });
    await expectRejection(loadLmk({ dataDir, passphrase: undefined, allowDev: false }), 'HSM_ERR_PASSPHRASE');
    await expectRejection(loadLmk({ dataDir, passphrase: 'correct horse battery stapler', allowDev: true }), 'HSM_ERR_PASSPHRASE', {}, ['correct horse']);
  });

  it('never replaces an existing LMK', async () => {
    await sealLmk({ dataDir, lmk: LocalMasterKey.development(), custodians: [], nowMs: 0 });
    await expectRejection(
      sealLmk({ dataDir, lmk: LocalMasterKey.fromComponents([componentA, componentB]), passphrase, custodians: ['a', 'b'], nowMs: 0 }),
      'HSM_ERR_LMK_EXISTS',
    );
  });

  it('the development LMK is marked, needs no passphrase, and is refused without --dev', async () => {
    await sealLmk({ dataDir, lmk: LocalMasterKey.development(), custodians: [], nowMs: 0 });
    expect(readLmkStatus(dataDir)?.development).toBe(true);
    await expectRejection(loadLmk({ dataDir, passphrase, allowDev: false }), 'HSM_ERR_LMK_DEV_REFUSED');
    const lmk = await loadLmk({ dataDir, passphrase: undefined, allowDev: true });
    expect(lmk.development).toBe(true);
    expect(lmk.kcv).toEqual(LocalMasterKey.development().kcv);
  });

  it('says HSM_ERR_LMK_MISSING when there is none', async () => {
    expect(readLmkStatus(dataDir)).toBeUndefined();
    await expectRejection(loadLmk({ dataDir, passphrase, allowDev: true }), 'HSM_ERR_LMK_MISSING');
  });

  it('detects any edit of the header (it is authenticated) and malformed files', async () => {
    const lmk = LocalMasterKey.fromComponents([componentA, componentB]);
    const path = await sealLmk({ dataDir, lmk, passphrase, custodians: ['alice', 'bob'], nowMs: 5 });
    const original = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    const rewrite = (changes: Record<string, unknown>): void => {
      writeFileSync(path, JSON.stringify({ ...original, ...changes }), { mode: 0o600 });
    };
    for (const changes of [{ custodians: ['alice', 'alice'] }, { createdAtMs: 6 }, { kcv: '000000' }]) {
      rewrite(changes);
      // The authenticated header no longer matches: to the passphrase check this is a wrong key.
      await expectRejection(loadLmk({ dataDir, passphrase, allowDev: false }), 'HSM_ERR_PASSPHRASE');
    }
    rewrite({ development: true });
    await expectRejection(loadLmk({ dataDir, passphrase, allowDev: false }), 'HSM_ERR_LMK_DEV_REFUSED');
    // Marked development, the published LMK is loaded and its KCV differs from the file's: refused.
    await expectRejection(loadLmk({ dataDir, passphrase, allowDev: true }), 'HSM_ERR_LMK_FILE');
    for (const changes of [{ version: 2 }, { algorithm: 'des' }, { kdf: { ...(original['kdf'] as object), N: 2 ** 30 } }, { sealed: null }, { kcv: 12 }]) {
      rewrite(changes);
      await expectRejection(loadLmk({ dataDir, passphrase, allowDev: false }), 'HSM_ERR_LMK_FILE');
    }
    writeFileSync(path, 'not json', { mode: 0o600 });
    await expectRejection(loadLmk({ dataDir, passphrase, allowDev: false }), 'HSM_ERR_LMK_FILE');
    writeFileSync(path, 'x'.repeat(20_000), { mode: 0o600 });
    expect(() => readLmkStatus(dataDir)).toThrow(/malformed/);
  });

  it('refuses a file that other users may read', async () => {
    const path = await sealLmk({ dataDir, lmk: LocalMasterKey.fromComponents([componentA, componentB]), passphrase, custodians: ['a', 'b'], nowMs: 0 });
    chmodSync(path, 0o644);
    await expectRejection(loadLmk({ dataDir, passphrase, allowDev: false }), 'HSM_ERR_LMK_FILE');
  });
});
