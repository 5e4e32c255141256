import {
  assertMacLengthToVerify,
  equalBytes,
  iso9797PaddingMethods,
  RetailMac,
  UnionPayEcbMac,
  unionPayEcbMacLengthBytes,
  unionPayEcbVariants,
  type Iso9797PaddingMethod,
  type UnionPayEcbVariant,
} from '../../lib/crypto/index.js';
import { BastionError } from '../../lib/errors/index.js';
import type { KeyUnderLmk, MacOptions } from '../../ports/hsm.js';
import type { KeyUse } from './cached-key.js';
import type { Keyring } from './keyring.js';

const retailMacBlockBytes = 8;

/**
 * The MAC objects a MAK is prepared for, one per algorithm and variant or padding, kept with the
 * cached MAK (cached-key.ts). A variant or padding that is not one of these gets a use made for
 * the call, whose object is never kept: its constructor refuses it, as before.
 */
const unionPayUses: ReadonlyMap<string, KeyUse<UnionPayEcbMac>> = new Map(
  unionPayEcbVariants.map((variant) => [variant, unionPayUse(variant)] as const),
);
const retailMacUses: ReadonlyMap<number, KeyUse<RetailMac>> = new Map(iso9797PaddingMethods.map((padding) => [padding, retailMacUse(padding)] as const));

function unionPayUse(variant: UnionPayEcbVariant): KeyUse<UnionPayEcbMac> {
  return { name: `unionpay-ecb ${variant} MAC`, prepare: (key, argument) => new UnionPayEcbMac(key, { variant, keyName: argument }) };
}

function retailMacUse(padding: Iso9797PaddingMethod): KeyUse<RetailMac> {
  return { name: `x9.19 MAC, padding ${padding}`, prepare: (key, argument) => new RetailMac(key, { padding, keyName: argument }) };
}

/**
 * MACs under a MAK. The UnionPay "ECB" MAC takes a single-length MAK (single DES) or a
 * double-length one with the per-terminal-model `variant`; X9.19 (ISO 9797-1 algorithm 3) needs a
 * double- or triple-length MAK. SM4 MAKs are refused until the SM4 MAC is in the crypto library.
 * The MAC object (and so its key schedule) is kept with the cached MAK for the next message.
 */
export function generateMac(keyring: Keyring, mak: KeyUnderLmk, options: MacOptions, data: Buffer): Buffer {
  const key = keyring.openKey(mak, ['MAK'], 'mak');
  try {
    if (mak.algorithm === 'sm4') throw new BastionError('HSM_ERR_ALGORITHM', 'SM4 MACs are not supported yet', { argument: 'mak' });
    if (options.algorithm === 'unionpay-ecb') {
      const variant = options.variant ?? 'des-left';
      return key.use(unionPayUses.get(variant) ?? unionPayUse(variant)).compute(data);
    }
    if ((options.algorithm as string) === 'x9.19') {
      if (mak.algorithm === 'des') {
        throw new BastionError('HSM_ERR_ALGORITHM', 'X9.19 needs a double- or triple-length MAK; this MAK is single-length', { argument: 'mak' });
      }
      const padding = options.padding ?? 1;
      return key.use(retailMacUses.get(padding) ?? retailMacUse(padding)).compute(data);
    }
    throw new BastionError('HSM_ERR_ALGORITHM', 'the MAC algorithm must be unionpay-ecb or x9.19', { argument: 'algorithm' });
  } finally {
    key.release();
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
