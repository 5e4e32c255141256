import type { PendingReversal } from '../terminal-simulator/pending-reversal.js';

/**
 * What the crash test's terminals saw, kept outside the host: the ground truth the checker holds
 * the database to. Terminals and traces only, never card data (cards are named by profile).
 */
export interface AcknowledgedApproval {
  readonly terminalId: string;
  readonly trace: string;
  readonly amountMinor: bigint;
  readonly rrn: string;
  readonly authCode: string;
  readonly round: number;
}

/** A sale answered with something other than 00: it must have moved no money. */
export interface AnsweredDecline {
  readonly terminalId: string;
  readonly trace: string;
  readonly amountMinor: bigint;
  readonly responseCode: string;
  readonly round: number;
}

/** A sale no trustworthy answer came for: the terminal owes (or has sent) its reversal. */
export interface UnansweredSale {
  readonly terminalId: string;
  readonly trace: string;
  readonly amountMinor: bigint;
  readonly round: number;
  readonly pending: PendingReversal;
  /** Set once the host answered the reversal 00. */
  reversed: boolean;
  /** Reversals sent for it so far, and the last answer (a response code, or timeout / closed / bad-reply). */
  reversalAttempts?: number;
  lastReversalAnswer?: string;
}

export class CrashBook {
  readonly approvals: AcknowledgedApproval[] = [];
  readonly declines: AnsweredDecline[] = [];
  readonly unanswered: UnansweredSale[] = [];
  /** The bench card each terminal presents, by profile (`bench-<n>`). */
  readonly cardOf = new Map<string, string>();
  /** Each bench card's balance at the issuer before the first round. */
  readonly initialBalances = new Map<string, bigint>();
  /** Terminals that must sign in again before anything else (crash-test.ts `signInAgain`). */
  readonly signInOwed = new Set<string>();
  /** Sign-ins after the first, each answered or not. */
  signIns = 0;
  salesSent = 0;
  reversalsSent = 0;
  reversalsAnswered = 0;

  /** Unanswered sales whose reversal the host has not answered 00 yet, oldest first. */
  owedReversals(terminalId: string): UnansweredSale[] {
    return this.unanswered.filter((sale) => sale.terminalId === terminalId && !sale.reversed);
  }
}

/** The key the checker matches a terminal's sale by: terminal and trace (a run never wraps the trace). */
export function saleKey(terminalId: string, trace: string): string {
  return `${terminalId}/${trace}`;
}
