import { BastionError } from '../../lib/errors/index.js';
import { isAuditAction, isAuditOutcome, type AuditAction, type AuditOutcome } from './actions.js';
import { canonicalDetails, type AuditDetails } from './canonical-details.js';

/** One security-relevant action: who, what, on what, from where, how it ended, and facts. */
export interface AuditEvent {
  /** Who: a user id, `terminal:<id>`, or `system`. */
  readonly actor: string;
  readonly action: AuditAction;
  /** What it was done to (a terminal, key, setting …); empty when nothing in particular. */
  readonly target?: string;
  /** From where: `ip:203.0.113.7`, `cli`, `system` … */
  readonly source: string;
  readonly outcome: AuditOutcome;
  /** Facts worth keeping. Never secrets: text is redacted anyway (canonical-details.ts). */
  readonly details?: AuditDetails;
}

/** actor, target and source are at most this many characters. */
export const auditIdentifierLengthMax = 128;

/** The event as it is stored and hashed. */
export interface StoredEventFields {
  readonly actor: string;
  readonly action: string;
  readonly target: string;
  readonly source: string;
  readonly outcome: string;
  readonly details: string;
}

// Identifiers are printable ASCII without spaces: they show safely in any terminal or report.
const identifierPattern = /^[\x21-\x7e]*$/;

/** Checks an event and gives the exact fields to store; throws AUDIT_ERR_EVENT. */
export function storedEventFields(event: AuditEvent): StoredEventFields {
  const action: string = event.action;
  if (!isAuditAction(action)) throw invalid('action', 'the action is not one of the audit actions (src/domain/audit/actions.ts)');
  const outcome: string = event.outcome;
  if (!isAuditOutcome(outcome)) throw invalid('outcome', 'the outcome must be success, failure or denied');
  return {
    actor: identifier('actor', event.actor, true),
    action,
    target: identifier('target', event.target ?? '', false),
    source: identifier('source', event.source, true),
    outcome,
    details: canonicalDetails(event.details),
  };
}

function identifier(name: string, value: string, required: boolean): string {
  if (typeof value !== 'string') throw invalid(name, `${name} must be text`);
  if (required && value.length === 0) throw invalid(name, `${name} must not be empty`);
  if (value.length > auditIdentifierLengthMax) throw invalid(name, `${name} must be at most ${auditIdentifierLengthMax} characters`);
  if (!identifierPattern.test(value)) throw invalid(name, `${name} must be printable ASCII without spaces`);
  return value;
}

function invalid(argument: string, message: string): BastionError {
  return new BastionError('AUDIT_ERR_EVENT', message, { argument });
}
