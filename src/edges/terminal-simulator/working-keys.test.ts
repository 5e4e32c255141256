import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encryptEcb } from '../../lib/crypto/index.js';
import { expectBastionError } from '../../lib/errors/test-helpers.js';
import { openWorkingKeys } from './working-keys.js';

function kcv(key: Buffer): Buffer {
  return encryptEcb(key.length === 8 ? 'des' : 'tdes', key, Buffer.alloc(8)).subarray(0, 4);
}

/** Field 62 as the host builds it: PIK, MAK (single length, 8 zero bytes after it), TDK, each under the TMK with its KCV. */
function field62(tmk: Buffer, keys: { pik: Buffer; mak: Buffer; tdk: Buffer }): Buffer {
  const under = (key: Buffer): Buffer => encryptEcb('tdes', tmk, key);
  const makSlot = keys.mak.length === 8 ? Buffer.concat([under(keys.mak), Buffer.alloc(8)]) : under(keys.mak);
  return Buffer.concat([under(keys.pik), kcv(keys.pik), makSlot, kcv(keys.mak), under(keys.tdk), kcv(keys.tdk)]);
}

describe('working keys from sign-in field 62', () => {
  const tmk = randomBytes(16);
  const keys = { pik: randomBytes(16), mak: randomBytes(8), tdk: randomBytes(16) };

  it('opens PIK, a single-length MAK and TDK under the TMK when every KCV matches; a double-length MAK too', () => {
    expect(openWorkingKeys(tmk, field62(tmk, keys))).toEqual(keys);
    const doubleMak = { ...keys, mak: randomBytes(16) };
    expect(openWorkingKeys(tmk, field62(tmk, doubleMak)).mak).toEqual(doubleMak.mak);
  });

  it('refuses every key when one KCV does not match, naming the key but no key bytes', () => {
    for (const [offset, name] of [[16, 'PIK'], [36, 'MAK'], [56, 'TDK']] as const) {
      const field = field62(tmk, keys);
      field[offset] = (field[offset] as number) ^ 0x01;
      expectBastionError(() => openWorkingKeys(tmk, field), 'SIM_ERR_KCV_MISMATCH', { keys: name }, [tmk, keys.pik, keys.mak, keys.tdk]);
    }
    expectBastionError(() => openWorkingKeys(randomBytes(16), field62(tmk, keys)), 'SIM_ERR_KCV_MISMATCH', { keys: 'PIK,MAK,TDK' });
    expectBastionError(() => openWorkingKeys(tmk, field62(tmk, keys).subarray(0, 40)), 'SIM_ERR_RESPONSE', { field: 62 });
    expectBastionError(() => openWorkingKeys(tmk, undefined), 'SIM_ERR_RESPONSE');
  });
});
