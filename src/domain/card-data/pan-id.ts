import { randomBytes } from 'node:crypto';

/**
 * PAN ids: `pan_` and 32 letters carrying 128 random bits. The alphabet has no digits and no
 * hex letters on purpose: an id is never mistaken for card data, and the redaction that guards
 * errors and logs (long digit or hex runs) never swallows one.
 */
const alphabet = 'ghjkmnpqrstvwxyz';
const randomBytesPerId = 16;
export const panIdPattern = /^pan_[ghjkmnpqrstvwxyz]{32}$/;

export function newPanId(): string {
  let id = 'pan_';
  for (const byte of randomBytes(randomBytesPerId)) id += (alphabet[byte >> 4] as string) + (alphabet[byte & 0x0f] as string);
  return id;
}

export function isPanId(value: string): boolean {
  return panIdPattern.test(value);
}
