import { randomBytes, randomInt } from 'node:crypto';

/**
 * Ids the simulator hands out: `card_` / `iss_` and 32 letters carrying 128 random bits. The
 * alphabet has no digits and no hex letters, so an id is never mistaken for card data and the
 * redaction that guards errors and logs (long digit or hex runs) never swallows one.
 */
const alphabet = 'ghjkmnpqrstvwxyz';
const randomBytesPerId = 16;
const authorizationCodeDigits = 6;

function randomLetters(): string {
  let letters = '';
  for (const byte of randomBytes(randomBytesPerId)) letters += (alphabet[byte >> 4] as string) + (alphabet[byte & 0x0f] as string);
  return letters;
}

export function newCardId(): string {
  return `card_${randomLetters()}`;
}

/** The issuer reference of one authorization. */
export function newIssuerReference(): string {
  return `iss_${randomLetters()}`;
}

/** Field 38: six digits from the CSPRNG, so approvals can't be guessed from one another. */
export function newAuthorizationCode(): string {
  return randomInt(0, 10 ** authorizationCodeDigits)
    .toString()
    .padStart(authorizationCodeDigits, '0');
}
