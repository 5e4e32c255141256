import { BastionError } from '../../lib/errors/index.js';

/**
 * A merchant as the acquirer host sees it: the id terminals send in field 42, names, category,
 * currency, a simple fee plan and a status.
 *
 * Personal data (legal representative, ID number, phone, address, bank account) is deliberately
 * absent: it arrives with onboarding, in per-field-encrypted tables whose keys can be destroyed
 * to erase it. No clear PII column may be added here.
 */
export interface Merchant {
  /** Field 42 (ans 15): unique across the acquirer. */
  readonly merchantId: string;
  readonly legalName: string;
  /** What receipts and the merchant portal show. */
  readonly displayName: string;
  /** Merchant category code, 4 digits (ISO 18245). */
  readonly mcc: string;
  readonly status: MerchantStatus;
  /** ISO 4217 numeric currency code of settlement, e.g. `156` (CNY). */
  readonly currency: string;
  readonly fee: FeePlan;
  readonly createdAtMs: bigint;
  readonly updatedAtMs: bigint;
}

/**
 * The merchant discount rate, simple for now: a rate in basis points (1/100 of a percent) of the
 * amount plus a fixed amount per transaction in minor units of the merchant's currency.
 */
export interface FeePlan {
  readonly rateBasisPoints: number;
  readonly fixedMinor: bigint;
}

/**
 * Only `active` merchants may transact. Onboarding states (draft, in review, rejected …) come
 * later; the column is plain text so that adding them needs no table rebuild on SQLite.
 */
export const merchantStatuses = ['active', 'suspended', 'closed'] as const;
export type MerchantStatus = (typeof merchantStatuses)[number];

export const MERCHANT_ID_LENGTH = 15;
export const MERCHANT_LEGAL_NAME_LENGTH_MAX = 100;
/** Receipts print the name on one line; 40 is also the length of ISO 8583 field 43. */
export const MERCHANT_DISPLAY_NAME_LENGTH_MAX = 40;
/** 100% would leave the merchant nothing; 10% is already far above any real card rate. */
export const MERCHANT_FEE_RATE_BASIS_POINTS_MAX = 1_000;
/** 1,000,000 minor units (10,000.00 in a 2-decimal currency) per transaction. */
export const MERCHANT_FEE_FIXED_MINOR_MAX = 1_000_000n;
/** 0.6% is the common card rate for ordinary retail in China. */
export const MERCHANT_FEE_RATE_BASIS_POINTS_DEFAULT = 60;
export const MERCHANT_CURRENCY_DEFAULT = '156';

export interface NewMerchant {
  readonly merchantId: string;
  readonly legalName: string;
  /** Defaults to the legal name when that fits on a receipt. */
  readonly displayName?: string;
  /**
   * Defaults to digits 8–11 of a UnionPay-style merchant id, which are the category code
   * (acquirer 3 + area 4 + MCC 4 + sequence 4).
   */
  readonly mcc?: string;
  readonly currency?: string;
  readonly fee?: Partial<FeePlan>;
}

const merchantIdPattern = /^[0-9A-Za-z]{15}$/;
const mccPattern = /^\d{4}$/;
const currencyPattern = /^\d{3}$/;
// Control characters would corrupt receipts and logs.
const controlCharacter = /\p{Cc}/u;

export function isMerchantId(value: string): boolean {
  return merchantIdPattern.test(value);
}

export function validateMerchantId(merchantId: string): string {
  if (!isMerchantId(merchantId)) {
    throw new BastionError('MERCHANT_ERR_ID', `a merchant id (field 42) is ${MERCHANT_ID_LENGTH} letters or digits`, { argument: 'merchantId', length: merchantId.length });
  }
  return merchantId;
}

export function isMerchantStatus(value: string): value is MerchantStatus {
  return (merchantStatuses as readonly string[]).includes(value);
}

/** Checks a new merchant and fills in the defaults; throws a MERCHANT_ERR_* error naming the argument. */
export function normaliseNewMerchant(input: NewMerchant): Omit<Merchant, 'status' | 'createdAtMs' | 'updatedAtMs'> {
  const merchantId = validateMerchantId(input.merchantId);
  const legalName = validateName(input.legalName.trim(), 'legalName', MERCHANT_LEGAL_NAME_LENGTH_MAX);
  const displayName = validateName((input.displayName ?? legalName).trim(), 'displayName', MERCHANT_DISPLAY_NAME_LENGTH_MAX);
  const mcc = input.mcc ?? defaultMcc(merchantId);
  if (!mccPattern.test(mcc)) throw new BastionError('MERCHANT_ERR_MCC', 'a merchant category code is 4 digits', { argument: 'mcc' });
  const currency = input.currency ?? MERCHANT_CURRENCY_DEFAULT;
  if (!currencyPattern.test(currency)) throw new BastionError('MERCHANT_ERR_CURRENCY', 'a currency is an ISO 4217 numeric code of 3 digits, e.g. 156', { argument: 'currency' });
  const rateBasisPoints = input.fee?.rateBasisPoints ?? MERCHANT_FEE_RATE_BASIS_POINTS_DEFAULT;
  if (!Number.isInteger(rateBasisPoints) || rateBasisPoints < 0 || rateBasisPoints > MERCHANT_FEE_RATE_BASIS_POINTS_MAX) {
    throw new BastionError('MERCHANT_ERR_FEE', `a fee rate is a whole number of basis points from 0 to ${MERCHANT_FEE_RATE_BASIS_POINTS_MAX}`, { argument: 'rateBasisPoints' });
  }
  const fixedMinor = input.fee?.fixedMinor ?? 0n;
  if (fixedMinor < 0n || fixedMinor > MERCHANT_FEE_FIXED_MINOR_MAX) {
    throw new BastionError('MERCHANT_ERR_FEE', `a fixed fee is from 0 to ${MERCHANT_FEE_FIXED_MINOR_MAX} minor units`, { argument: 'fixedMinor' });
  }
  return { merchantId, legalName, displayName, mcc, currency, fee: { rateBasisPoints, fixedMinor } };
}

function defaultMcc(merchantId: string): string {
  const slot = merchantId.slice(7, 11);
  if (mccPattern.test(slot)) return slot;
  throw new BastionError('MERCHANT_ERR_MCC', 'this merchant id has no category code in digits 8 to 11: give the MCC', { argument: 'mcc' });
}

function validateName(name: string, argument: string, lengthMax: number): string {
  const length = codePointLength(name);
  if (length === 0 || length > lengthMax || controlCharacter.test(name)) {
    throw new BastionError('MERCHANT_ERR_NAME', `${argument} must be 1 to ${lengthMax} characters without control characters`, { argument, length });
  }
  return name;
}

/** Length in Unicode code points, so that a Chinese name is counted in characters, not UTF-16 units. */
export function codePointLength(text: string): number {
  return Array.from(text).length;
}
