import type { SettlementResult, SettlementTotals } from '../settlement/index.js';

/**
 * Field 48 of a settlement (0500 / 0510), as digits: domestic debit amount n12 + count n3 +
 * credit amount n12 + count n3 + settlement code n1, then the same 31 digits for foreign cards
 * (optional in a request). The host's general spec carries 48 as plain digits (it also holds
 * batch-upload records), so the layout is read here; `unionPayPosSettlementSpec` describes the
 * same layout for tools.
 */
export const SETTLEMENT_HALF_DIGITS = 31;

export interface SettlementClaim {
  readonly domestic: SettlementTotals;
  readonly foreign: SettlementTotals;
}

const halfPattern = /^(\d{12})(\d{3})(\d{12})(\d{3})(\d)$/;

function readHalf(digits: string): SettlementTotals | undefined {
  const match = halfPattern.exec(digits);
  if (match === null) return undefined;
  return { debitAmountMinor: BigInt(match[1] as string), debitCount: BigInt(match[2] as string), creditAmountMinor: BigInt(match[3] as string), creditCount: BigInt(match[4] as string) };
}

/** The terminal's totals, or undefined when 48 is not 31 or 62 digits of that layout. */
export function readSettlementField(field48: string | undefined): SettlementClaim | undefined {
  if (field48 === undefined || (field48.length !== SETTLEMENT_HALF_DIGITS && field48.length !== 2 * SETTLEMENT_HALF_DIGITS)) return undefined;
  const domestic = readHalf(field48.slice(0, SETTLEMENT_HALF_DIGITS));
  const foreign = field48.length === SETTLEMENT_HALF_DIGITS ? { debitAmountMinor: 0n, debitCount: 0n, creditAmountMinor: 0n, creditCount: 0n } : readHalf(field48.slice(SETTLEMENT_HALF_DIGITS));
  if (domestic === undefined || foreign === undefined) return undefined;
  return { domestic, foreign };
}

function writeHalf(totals: SettlementTotals, code: string): string {
  return `${totals.debitAmountMinor.toString().padStart(12, '0')}${totals.debitCount.toString().padStart(3, '0')}${totals.creditAmountMinor.toString().padStart(12, '0')}${totals.creditCount.toString().padStart(3, '0')}${code}`;
}

/** Field 48 of the 0510: the terminal's totals echoed, each half with the host's settlement code. */
export function writeSettlementField(claim: SettlementClaim, results: { readonly domestic: SettlementResult | '0'; readonly foreign: SettlementResult | '0' }): string {
  return `${writeHalf(claim.domestic, results.domestic)}${writeHalf(claim.foreign, results.foreign)}`;
}
