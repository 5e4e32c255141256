import { BastionError } from '../../lib/errors/index.js';

/** Field 4 is n12: at most 12 digits of minor units (fen). */
export const AMOUNT_DIGITS_MAX = 12;
/** CNY has two minor digits. */
export const AMOUNT_DECIMALS = 2;

const amountPattern = /^(\d+)(?:\.(\d{1,2}))?$/;

/**
 * `12.34` → 1234n minor units. Refuses a sign, more than two decimals, anything but digits and
 * one point, and amounts that need more than 12 digits in field 4. Zero parses (the host answers
 * it 13, as it would a real terminal's).
 */
export function parseAmountMinor(text: string): bigint {
  const match = amountPattern.exec(text);
  if (match === null) {
    throw new BastionError('SIM_ERR_ARGUMENT', '--amount must be a positive amount in yuan with at most 2 decimals, e.g. 12.34', { argument: '--amount' });
  }
  const whole = match[1] ?? '0';
  const fraction = (match[2] ?? '').padEnd(AMOUNT_DECIMALS, '0');
  const minor = BigInt(whole) * 100n + BigInt(fraction);
  if (minor.toString().length > AMOUNT_DIGITS_MAX) {
    throw new BastionError('SIM_ERR_ARGUMENT', `--amount is too large: field 4 holds at most ${AMOUNT_DIGITS_MAX} digits of fen`, { argument: '--amount' });
  }
  return minor;
}

/** 1234n → `12.34` (negative amounts keep their sign). */
export function formatAmountMinor(minor: bigint): string {
  const sign = minor < 0n ? '-' : '';
  const magnitude = minor < 0n ? -minor : minor;
  const whole = magnitude / 100n;
  const fraction = (magnitude % 100n).toString().padStart(AMOUNT_DECIMALS, '0');
  return `${sign}${whole.toString()}.${fraction}`;
}
