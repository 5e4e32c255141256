import { createHash } from 'node:crypto';

/**
 * Field 37, the retrieval reference number: 12 decimal digits, unique across the host (a unique
 * column). It is derived from the request's identity (terminal, batch, trace) rather than drawn
 * or counted, so that two copies of one request racing through the pipeline send the network
 * the very same request (same idempotency key, same references) and get the very same answer,
 * and no shared sequence is needed between host processes. SHA-256 reduced to 10^12 values makes
 * a clash between two different transactions vanishingly rare; one that does happen fails the
 * insert on the unique column and is answered 96, never replayed as another's answer.
 */
export const RRN_DIGITS = 12;
const RRN_MODULUS = 10n ** BigInt(RRN_DIGITS);

export function rrnFor(terminalId: string, batch: string, trace: string, requestClass = '0200'): string {
  // A 0400 reversal has its original's batch and trace: the class (or the tombstone's kind) tells their RRNs apart.
  const identity = requestClass === '0200' ? `${terminalId}|${batch}|${trace}` : `${terminalId}|${batch}|${trace}|${requestClass}`;
  const digest = createHash('sha256').update(identity).digest();
  return (digest.readBigUInt64BE(0) % RRN_MODULUS).toString().padStart(RRN_DIGITS, '0');
}
