/**
 * The terminal simulator: a UnionPay POS terminal as a real client of the host's channel, with its
 * own keys in a key file (docs/terminal-simulator.md). `bastion terminal inject | sign-in | sale |
 * balance` and `bastion demo` drive it.
 */
export { signInTerminal, transact, type SignInResult, type SimulatorContext, type TransactionInput } from './terminal.js';
export { provisionSimulatedTerminal, loadSimulatorState, saveSimulatorState, simulatorStatePath, type ProvisionSimulatorOptions, type SimulatorHostAddress, type SimulatorState } from './state.js';
export { findTestCard, parseEntryMethod, entryMethods, type EntryMethod } from './card-reader.js';
export { parseAmountMinor, formatAmountMinor } from './amount.js';
export { formatReceipt, receiptJson, maskPan, type Receipt } from './receipt.js';
export { EXCHANGE_TIMEOUT_MS_DEFAULT, EXCHANGE_TIMEOUT_MS_MAX, REPLY_FRAME_BYTES_MAX } from './client.js';
export { acquireTerminalLock, type TerminalLock } from './lock.js';
