import type { NetworkDeclineReason } from '../../../ports/network.js';
import type { CardStatus } from './tables.js';

/** Why a card that is not active is declined: reported lost 41, stolen 43, blocked 62, closed 14. */
export const statusDeclines: Readonly<Record<Exclude<CardStatus, 'active'>, NetworkDeclineReason>> = {
  lost: 'lost-card',
  stolen: 'stolen-card',
  blocked: 'restricted-card',
  closed: 'invalid-card',
};

/** Year 2000 + YY: two-digit card years are read in this century. */
const cardCenturyYear = 2000;

/**
 * Whether a card with expiry YYMM has expired on `today` (YYYYMMDD): a card is good through the
 * last day of its expiry month.
 */
export function isExpired(expiry: string, today: string): boolean {
  const expiryMonths = (cardCenturyYear + Number(expiry.slice(0, 2))) * 12 + Number(expiry.slice(2, 4));
  const todayMonths = Number(today.slice(0, 4)) * 12 + Number(today.slice(4, 6));
  return todayMonths > expiryMonths;
}
