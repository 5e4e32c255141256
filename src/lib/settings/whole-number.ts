/**
 * A setting that must be a whole number from `min` to `max` — an environment variable's value,
 * say: `undefined` when it is unset or blank, the number when it is one (spaces around it are
 * allowed), and `invalid()` thrown otherwise (the caller's coded error, naming the setting).
 */
export function wholeNumberSetting(value: string | undefined, min: number, max: number, invalid: () => Error): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const number = /^\s*\d{1,9}\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!(number >= min && number <= max)) throw invalid();
  return number;
}
