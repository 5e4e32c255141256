export * from './terminal.js';
export { EPOCH_MS_MAX, LocalDateFormatter, TIME_ZONE_DEFAULT } from './local-date.js';
export { MAC_FAILURE_RESPONSE_CODE, terminalMayTransact, terminalMaySignIn, terminalRefusalCodes, type TerminalDecision, type TerminalRefusal, type TransactContext } from './may-transact.js';
export { terminalsMigrations } from './terminal-migrations.js';
export {
  MAC_FAILURES_LOCK_AFTER_DEFAULT,
  MAC_FAILURES_LOCK_AFTER_MAX,
  MAC_FAILURES_LOCK_REASON,
  TERMINAL_LIST_LIMIT_DEFAULT,
  TERMINAL_LIST_LIMIT_MAX,
  TerminalService,
  type MacFailureOutcome,
  type NewTerminal,
  type TerminalRef,
  type TerminalServiceOptions,
} from './terminal-service.js';
