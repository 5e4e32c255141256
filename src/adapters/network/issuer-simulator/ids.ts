import { randomInt } from 'node:crypto';
import { RandomBytePool } from '../../../lib/crypto/random.js';

/**
 * Ids the simulator hands out: `card_` / `iss_` and 32 letters, each letter 4 bits. The alphabet
 * has no digits and no hex letters, so an id is never mistaken for card data and the redaction
 * that guards errors and logs (long digit or hex runs) never swallows one; its letters are in
 * ASCII order, so ids compare as the bits they carry.
 */
const alphabet = 'ghjkmnpqrstvwxyz';
const idLetters = 32;
/** An issuer reference starts with the time: 12 letters of epoch milliseconds (48 bits, until the year 10889). */
const timeLetters = 12;
const authorizationCodeDigits = 6;

const randomPool = new RandomBytePool();

function randomLetters(count: number): string {
  let letters = '';
  for (const byte of randomPool.take(count / 2)) letters += (alphabet[byte >> 4] as string) + (alphabet[byte & 0x0f] as string);
  return letters;
}

function timeOrderedLetters(nowMs: number): string {
  let letters = '';
  let rest = Math.max(0, Math.floor(nowMs));
  for (let index = 0; index < timeLetters; index++) {
    letters = (alphabet[rest % 16] as string) + letters;
    rest = Math.floor(rest / 16);
  }
  return letters;
}

export function newCardId(): string {
  return `card_${randomLetters(idLetters)}`;
}

/**
 * The issuer reference of one authorization: the time, then 80 random bits. References made
 * later sort after earlier ones, so each new authorization row lands at the end of the primary
 * key's index — one page a group commit writes — instead of at a random leaf of it.
 */
export function newIssuerReference(nowMs: number = Date.now()): string {
  return `iss_${timeOrderedLetters(nowMs)}${randomLetters(idLetters - timeLetters)}`;
}

/** Field 38: six digits from the CSPRNG, so approvals can't be guessed from one another. */
export function newAuthorizationCode(): string {
  return randomInt(0, 10 ** authorizationCodeDigits)
    .toString()
    .padStart(authorizationCodeDigits, '0');
}
