/**
 * The field 39 codes the host sends, with what a terminal shows for them (UnionPay POS meanings,
 * docs/protocol.md). Every refusal the pipeline makes goes through `refusalCodes` below, so one
 * table says which reason becomes which code.
 */
export const hostResponseCodes = {
  '00': 'approved',
  '03': 'invalid merchant',
  '05': 'do not honour',
  '12': 'invalid transaction',
  '13': 'invalid amount',
  '14': 'invalid card number',
  '25': 'original transaction not found',
  '30': 'format error',
  '34': 'suspected fraud (card authentication failed)',
  '40': 'function not supported',
  '41': 'lost card',
  '43': 'stolen card',
  '51': 'insufficient funds',
  '54': 'expired card',
  '55': 'incorrect PIN',
  '57': 'transaction not permitted to cardholder',
  '58': 'transaction not permitted to terminal',
  '61': 'exceeds amount limit',
  '62': 'restricted card',
  '75': 'PIN tries exceeded',
  '77': 'sign in again',
  '94': 'duplicate transaction',
  '96': 'system malfunction',
  '97': 'terminal not registered',
  A0: 'MAC verification failed: reset keys (sign in)',
} as const;

export type HostResponseCode = keyof typeof hostResponseCodes;

/** The host's own refusals (the terminal and network modules bring their own codes). */
export const refusalCodes = {
  'unsupported-message': '12',
  'missing-field': '30',
  /** Same terminal, batch and trace as an answered request, but another transaction. */
  'duplicate-transaction': '94',
  'card-data-unreadable': '14',
  'amount-zero': '13',
  'amount-over-limit': '61',
  'currency-mismatch': '13',
  'mac-failure': 'A0',
  /** Void / refund: no approved sale of this terminal (void) or merchant (refund) matches 37, 38, 61. */
  'original-not-found': '25',
  /** Void: the sale is already voided, reversed or refunded, or is not in the terminal's open batch. */
  'original-not-voidable': '12',
  /** Void: the amount is not the sale's; refund: more than what is left of the sale. */
  'original-amount-mismatch': '13',
  /** An original whose reversal the host recorded first: never approved afterwards. */
  'reversed-before-original': '12',
  'internal-error': '96',
} as const satisfies Record<string, HostResponseCode>;

export type HostRefusal = keyof typeof refusalCodes;

export function isHostResponseCode(code: string): code is HostResponseCode {
  return Object.hasOwn(hostResponseCodes, code);
}
