import { decryptEcb, encryptEcb, equalBytes } from '../../lib/crypto/index.js';
import { BastionError } from '../../lib/errors/index.js';

/**
 * Field 62 of the sign-in reply with 60.3 = 004 (docs/protocol.md): PIK(16) + KCV(4),
 * MAK(16 slot) + KCV(4), TDK(16) + KCV(4), each key under the TMK in ECB. A single-length MAK
 * fills its slot with 8 bytes and 8 zero bytes. A KCV is the first 4 bytes of the clear key's
 * encryption of eight zero bytes. Every key is checked before any is installed: one mismatch and
 * the terminal keeps the keys it had.
 */
export const SIGN_IN_FIELD62_BYTES = 60;
const KEY_SLOT_BYTES = 16;
const KCV_BYTES = 4;
const SLOT_BYTES = KEY_SLOT_BYTES + KCV_BYTES;

export interface ClearWorkingKeys {
  readonly pik: Buffer;
  readonly mak: Buffer;
  readonly tdk: Buffer;
}

export function openWorkingKeys(tmk: Uint8Array, field62: Uint8Array | undefined): ClearWorkingKeys {
  if (field62?.length !== SIGN_IN_FIELD62_BYTES) {
    throw new BastionError('SIM_ERR_RESPONSE', `the sign-in reply must carry ${SIGN_IN_FIELD62_BYTES} bytes of keys in field 62`, { field: 62, length: field62?.length ?? 0 });
  }
  const bytes = Buffer.from(field62);
  const slot = (index: number): { key: Buffer; kcv: Buffer } => ({
    key: bytes.subarray(index * SLOT_BYTES, index * SLOT_BYTES + KEY_SLOT_BYTES),
    kcv: bytes.subarray(index * SLOT_BYTES + KEY_SLOT_BYTES, (index + 1) * SLOT_BYTES),
  });
  const pikSlot = slot(0);
  const makSlot = slot(1);
  const tdkSlot = slot(2);
  const singleMak = equalBytes(makSlot.key.subarray(8), Buffer.alloc(8));
  const pik = decryptEcb('tdes', tmk, pikSlot.key);
  const mak = decryptEcb('tdes', tmk, singleMak ? makSlot.key.subarray(0, 8) : makSlot.key);
  const tdk = decryptEcb('tdes', tmk, tdkSlot.key);
  const checks = [
    { name: 'PIK', ok: equalBytes(kcvOf(pik), pikSlot.kcv) },
    { name: 'MAK', ok: equalBytes(kcvOf(mak), makSlot.kcv) },
    { name: 'TDK', ok: equalBytes(kcvOf(tdk), tdkSlot.kcv) },
  ];
  const failed = checks.filter((check) => !check.ok).map((check) => check.name);
  if (failed.length > 0) {
    pik.fill(0);
    mak.fill(0);
    tdk.fill(0);
    throw new BastionError('SIM_ERR_KCV_MISMATCH', `the ${failed.join(', ')} from sign-in does not match its check value: the keys were not installed (the terminal's TMK differs from the host's)`, { keys: failed.join(',') });
  }
  return { pik, mak, tdk };
}

function kcvOf(key: Buffer): Buffer {
  return encryptEcb(key.length === 8 ? 'des' : 'tdes', key, Buffer.alloc(8)).subarray(0, KCV_BYTES);
}
