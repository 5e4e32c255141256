import { BastionError } from '../../errors/index.js';

/**
 * The Luhn (mod 10) check digit of ISO/IEC 7812-1, the last digit of every PAN. It is defined
 * for digit strings of any length, so these functions do not impose the 12–19 PAN limits.
 */
function assertDecimal(digits: string, minLength: number, argument: string): void {
  if (digits.length < minLength || !/^[0-9]+$/.test(digits)) {
    throw new BastionError('CRYPTO_ERR_PAN', `${argument} must be at least ${minLength} decimal digit${minLength === 1 ? '' : 's'} (got ${digits.length} characters)`, {
      argument,
      length: digits.length,
    });
  }
}

/** Sum of the Luhn weights of `digits`, doubling the rightmost digit when `doubleRightmost`. */
function luhnSum(digits: string, doubleRightmost: boolean): number {
  let sum = 0;
  let double = doubleRightmost;
  for (let i = digits.length - 1; i >= 0; i--) {
    let digit = digits.charCodeAt(i) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum;
}

/** The check digit to append to `payload` (a PAN without its check digit), as one digit character. */
export function luhnCheckDigit(payload: string, argument = 'pan'): string {
  assertDecimal(payload, 1, argument);
  return String((10 - (luhnSum(payload, true) % 10)) % 10);
}

/** Whether the last digit of `digits` is the Luhn check digit of the rest. */
export function isLuhnValid(digits: string, argument = 'pan'): boolean {
  assertDecimal(digits, 2, argument);
  return luhnSum(digits, false) % 10 === 0;
}
