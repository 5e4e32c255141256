/**
 * Defence in depth for error text: even if a caller slips sensitive input into an error message
 * or detail, what leaves the process must not carry a PAN, a PIN block or key material.
 *
 * - runs of 12 or more decimal digits (a PAN or a track) keep at most the first 6 and last 4;
 * - runs of 16 or more hexadecimal characters (keys, PIN blocks, cryptograms) are removed.
 */
const digitRun = /\d{12,}/g;
const hexRun = /[0-9A-Fa-f]{16,}/g;

export function redactSensitive(text: string): string {
  return text
    .replace(digitRun, (run) => (run.length <= 19 ? `${run.slice(0, 6)}${'*'.repeat(run.length - 10)}${run.slice(-4)}` : '[redacted]'))
    .replace(hexRun, (run) => (/^[0-9*]+$/.test(run) ? run : '[redacted]'));
}
