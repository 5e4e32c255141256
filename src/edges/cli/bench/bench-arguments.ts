import { BastionError } from '../../../lib/errors/index.js';

/** A bench option that must be a whole number from `min` to `max`; BENCH_ERR_ARGUMENT naming it otherwise. */
export function wholeNumber(text: string, argument: string, min: number, max: number): number {
  const value = /^\d{1,10}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(value) || value < min || value > max) throw new BastionError('BENCH_ERR_ARGUMENT', `${argument} must be a whole number from ${min} to ${max}`, { argument });
  return value;
}
