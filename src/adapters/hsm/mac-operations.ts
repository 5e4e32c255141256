import { assertMacLengthToVerify, equalBytes, RetailMac, UnionPayEcbMac, unionPayEcbMacLengthBytes } from '../../lib/crypto/index.js';
import { BastionError } from '../../lib/errors/index.js';
import type { KeyUnderLmk, MacOptions } from '../../ports/hsm.js';
import type { Keyring } from './keyring.js';

const retailMacBlockBytes = 8;

/**
 * MACs under a MAK. The UnionPay "ECB" MAC takes a single-length MAK (single DES) or a
 * double-length one with the per-terminal-model `variant`; X9.19 (ISO 9797-1 algorithm 3) needs a
 * double- or triple-length MAK. SM4 MAKs are refused until the SM4 MAC is in the crypto library.
 */
export function generateMac(keyring: Keyring, mak: KeyUnderLmk, options: MacOptions, data: Buffer): Buffer {
  const key = keyring.open(mak, ['MAK'], 'mak');
  try {
    if (mak.algorithm === 'sm4') throw new BastionError('HSM_ERR_ALGORITHM', 'SM4 MACs are not supported yet', { argument: 'mak' });
    if (options.algorithm === 'unionpay-ecb') {
      return new UnionPayEcbMac(key, { variant: options.variant ?? 'des-left', keyName: 'mak' }).compute(data);
    }
    if ((options.algorithm as string) === 'x9.19') {
      if (mak.algorithm === 'des') {
        throw new BastionError('HSM_ERR_ALGORITHM', 'X9.19 needs a double- or triple-length MAK; this MAK is single-length', { argument: 'mak' });
      }
      return new RetailMac(key, { padding: options.padding ?? 1, keyName: 'mak' }).compute(data);
    }
    throw new BastionError('HSM_ERR_ALGORITHM', 'the MAC algorithm must be unionpay-ecb or x9.19', { argument: 'algorithm' });
  } finally {
    key.fill(0);
  }
}

/**
 * Whether `mac` is the MAC of `data`. The UnionPay MAC is compared whole (8 bytes); an X9.19 MAC
 * may arrive truncated to its leftmost 4 to 8 bytes. The comparison does not stop early.
 */
export function verifyMac(keyring: Keyring, mak: KeyUnderLmk, options: MacOptions, data: Buffer, mac: Buffer): boolean {
  if (options.algorithm === 'unionpay-ecb' && mac.length !== unionPayEcbMacLengthBytes) {
    throw new BastionError('CRYPTO_ERR_ARGUMENT', `mac must be ${unionPayEcbMacLengthBytes} bytes for the UnionPay ECB MAC, got ${mac.length}`, {
      argument: 'mac',
      length: mac.length,
    });
  }
  if (options.algorithm === 'x9.19') assertMacLengthToVerify(mac, retailMacBlockBytes);
  const computed = generateMac(keyring, mak, options, data);
  return equalBytes(computed.subarray(0, mac.length), mac);
}
