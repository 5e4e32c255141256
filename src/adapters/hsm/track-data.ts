import { EcbCipher } from '../../lib/crypto/index.js';
import { BastionError } from '../../lib/errors/index.js';
import type { DecryptTrackDataRequest, KeyUnderLmk, TranslateTrackDataRequest } from '../../ports/hsm.js';
import type { KeyUse } from './cached-key.js';
import type { Keyring } from './keyring.js';

/**
 * The UnionPay track-encryption layout (field 35 / 36 with 53 saying tracks are enciphered): the
 * track travels as packed BCD (separator `=` as nibble D, an odd digit count padded with one pad
 * nibble), and only one 8-byte block of it is enciphered, with the TDK under TDES-ECB, in place:
 * the 8 bytes that end just before the last byte, i.e. bytes [length − 9, length − 1). The last
 * byte is left alone because it may hold the pad nibble; the block covers the end of the PAN,
 * the expiry and the service code, the part worth hiding. Two public terminal sources (a PAX
 * Android terminal's `encryptTrack` and a Java gateway's `getEncCData`) agree on this layout.
 * Bastion assumes the network's ZEK uses the same layout.
 */
export const trackBlockBytes = 8;
/** The enciphered block ends this many bytes before the end of the track. */
export const trackBlockEndOffset = 1;
export const trackDataMinBytes = trackBlockBytes + trackBlockEndOffset;

/** The TDES cipher of a TDK or ZEK, kept with the cached key (both directions share it). */
const trackCipherUse: KeyUse<EcbCipher> = { name: 'TDES-ECB track cipher', prepare: (key, argument) => new EcbCipher('tdes', Buffer.from(key), argument) };

function tdesKey(keyring: Keyring, key: KeyUnderLmk, allowed: readonly ('TDK' | 'ZEK')[], argument: string): EcbCipher {
  const opened = keyring.openKey(key, allowed, argument);
  try {
    if (key.algorithm !== 'tdes-2key' && key.algorithm !== 'tdes-3key') {
      throw new BastionError('HSM_ERR_ALGORITHM', `${argument} must be a TDES key for the track-encryption layout, not ${key.algorithm}`, { argument });
    }
    return opened.use(trackCipherUse);
  } finally {
    opened.release();
  }
}

/** A copy of `data` and a view of its enciphered block (the caller rewrites the block in place). */
function copyWithBlock(data: Buffer): { out: Buffer; block: Buffer } {
  if (data.length < trackDataMinBytes) {
    throw new BastionError('HSM_ERR_TRACK_DATA', `track data must be at least ${trackDataMinBytes} bytes, got ${data.length}`, {
      argument: 'data',
      length: data.length,
    });
  }
  const out = Buffer.from(data);
  const start = out.length - trackDataMinBytes;
  return { out, block: out.subarray(start, start + trackBlockBytes) };
}

export function translateTrackData(keyring: Keyring, request: TranslateTrackDataRequest): Buffer {
  const source = tdesKey(keyring, request.sourceKey, ['TDK', 'ZEK'], 'sourceKey');
  const target = tdesKey(keyring, request.targetKey, ['ZEK'], 'targetKey');
  const { out, block } = copyWithBlock(request.data);
  const clear = source.decryptUnchecked(block);
  block.set(target.encryptUnchecked(clear));
  clear.fill(0);
  return out;
}

/** The issuer's side of the zone: the block deciphered under a ZEK (never a TDK, see the port). */
export function decryptTrackData(keyring: Keyring, request: DecryptTrackDataRequest): Buffer {
  const key = tdesKey(keyring, request.key, ['ZEK'], 'key');
  const { out, block } = copyWithBlock(request.data);
  const clear = key.decryptUnchecked(block);
  block.set(clear);
  clear.fill(0);
  return out;
}
