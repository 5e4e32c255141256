/**
 * What the audit log records. The list is closed — `append` refuses a name that is not here, so a
 * typo can't start a second spelling of the same event — and extensible: a module that needs a
 * new security-relevant action adds one line. Names are `<area>.<verb>`, lower case, and are
 * never renamed once released (old rows keep their names and must still verify).
 */
export const auditActions = {
  'key.generate': 'a key was generated (terminal master key, working key, LMK component …)',
  'key.import': 'a key was imported under the LMK (key block or components)',
  'key.export': 'a key was exported under another key',
  'key.ceremony': 'a key ceremony step: a component entered, the LMK formed or replaced',
  'key.rotate': 'a key was replaced by a new one',
  'terminal.sign-in': 'a terminal signed in and received working keys',
  'terminal.sign-out': 'a terminal signed out',
  'terminal.mac-failure': 'a message from a terminal failed its MAC check',
  'terminal.lock': 'a terminal was locked (by a person or by a rule)',
  'terminal.unlock': 'a terminal was unlocked',
  'terminal.refused': 'a request from a terminal that may not transact (unknown, retired, locked, or not bound to an active merchant) was declined',
  'config.change': 'a configuration value was changed',
  'security.malformed-frame': 'a frame or message from outside could not be parsed',
  'user.sign-in': 'a back-office user signed in (or failed to)',
  'user.sign-out': 'a back-office user signed out',
  'user.lock': 'a back-office user account was locked',
} as const;

export type AuditAction = keyof typeof auditActions;

export function isAuditAction(value: string): value is AuditAction {
  return Object.hasOwn(auditActions, value);
}

/** How the action ended: done, tried and failed, or refused by a rule or a permission. */
export const auditOutcomes = ['success', 'failure', 'denied'] as const;

export type AuditOutcome = (typeof auditOutcomes)[number];

export function isAuditOutcome(value: string): value is AuditOutcome {
  return (auditOutcomes as readonly string[]).includes(value);
}
