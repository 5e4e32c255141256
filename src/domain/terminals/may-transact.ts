import type { Merchant } from '../merchants/index.js';
import type { Terminal } from './terminal.js';

/**
 * Why the host refuses a terminal, in the order it checks, each with the UnionPay POS response
 * code (field 39) the terminal is sent. The codes and their sources are in docs/protocol.md
 * ("Identifying the terminal").
 */
export const terminalRefusalCodes = {
  /** No terminal has this field 41. */
  'unknown-terminal': '97',
  /** Retired: it is no longer registered and its keys are gone. */
  'terminal-retired': '97',
  /** Locked by an operator or by MAC failures, until unlocked. */
  'terminal-locked': '58',
  /** No master key yet, so no working keys can be sent (sign-in only). */
  'no-master-key': '97',
  /** Field 42 is not the merchant the terminal is bound to. */
  'merchant-mismatch': '97',
  /** The bound merchant does not exist. */
  'unknown-merchant': '03',
  /** The bound merchant is suspended or closed. */
  'merchant-not-active': '03',
  /** Never signed in, signed out, or last signed in on another day (in the host's time zone). */
  'not-signed-in-today': '77',
  /** Field 60.2 is not the batch the host holds for the terminal: sign in again. */
  'batch-mismatch': '77',
} as const satisfies Record<string, string>;

export type TerminalRefusal = keyof typeof terminalRefusalCodes;

/** A MAC that does not verify is declined with A0 (and counted: TerminalService.registerMacFailure). */
export const MAC_FAILURE_RESPONSE_CODE = 'A0';

export type TerminalDecision = { readonly ok: true } | { readonly ok: false; readonly reason: TerminalRefusal; readonly responseCode: string };

export interface TransactContext {
  /** The host's business day, YYYYMMDD (TerminalService.today()). */
  readonly today: string;
  /** Field 42 of the request, when the caller has it. */
  readonly merchantIdInRequest?: string;
  /** Field 60.2 of the request, when the caller has it. */
  readonly batchNumberInRequest?: string;
}

/**
 * Whether a financial request may go on: the terminal exists and is in service, is bound to the
 * merchant in field 42, that merchant is active, and the terminal signed in today in the batch it
 * names. Pure: the caller looks the terminal and its merchant up and passes them in.
 */
export function terminalMayTransact(terminal: Terminal | undefined, merchant: Merchant | undefined, context: TransactContext): TerminalDecision {
  const identified = identify(terminal, merchant, context.merchantIdInRequest);
  if (!identified.ok || terminal === undefined) return identified;
  const signedInToday = terminal.status === 'active' && terminal.workingKeys !== undefined && terminal.lastSignInLocalDate === context.today;
  if (!signedInToday) return refuse('not-signed-in-today');
  if (context.batchNumberInRequest !== undefined && context.batchNumberInRequest !== terminal.batchNumber) return refuse('batch-mismatch');
  return { ok: true };
}

/**
 * Whether a sign-in (0800) may be answered with working keys: the same identification as a
 * transaction, and a master key to encrypt them under. Sign-in itself needs no earlier sign-in.
 */
export function terminalMaySignIn(terminal: Terminal | undefined, merchant: Merchant | undefined, context: { readonly merchantIdInRequest?: string } = {}): TerminalDecision {
  const identified = identify(terminal, merchant, context.merchantIdInRequest);
  if (!identified.ok || terminal === undefined) return identified;
  if (terminal.tmk === undefined) return refuse('no-master-key');
  return { ok: true };
}

function identify(terminal: Terminal | undefined, merchant: Merchant | undefined, merchantIdInRequest: string | undefined): TerminalDecision {
  if (terminal === undefined) return refuse('unknown-terminal');
  if (terminal.status === 'retired') return refuse('terminal-retired');
  if (terminal.status === 'locked') return refuse('terminal-locked');
  if (merchantIdInRequest !== undefined && merchantIdInRequest !== terminal.merchantId) return refuse('merchant-mismatch');
  // A merchant looked up by field 42 rather than by the binding must still be the bound one.
  if (merchant !== undefined && merchant.merchantId !== terminal.merchantId) return refuse('merchant-mismatch');
  if (merchant === undefined) return refuse('unknown-merchant');
  if (merchant.status !== 'active') return refuse('merchant-not-active');
  return { ok: true };
}

function refuse(reason: TerminalRefusal): TerminalDecision {
  return { ok: false, reason, responseCode: terminalRefusalCodes[reason] };
}
