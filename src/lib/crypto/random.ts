import { randomBytes } from 'node:crypto';

/**
 * Where random bytes come from. Functions that need randomness take one of these so that a
 * caller can supply fixed bytes and check results against published known answers; the
 * default is the operating system's CSPRNG.
 */
export type RandomSource = (lengthBytes: number) => Uint8Array;

export const secureRandom: RandomSource = (lengthBytes) => randomBytes(lengthBytes);
