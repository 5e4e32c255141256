/**
 * The built-in issuer simulator: the default NetworkPort (card accounts, PIN / CVV / ARQC checks
 * through the HSM, balances and daily limits), its seed of documented test cards, and — for
 * simulators playing the card only — the test cards' card-side cryptography.
 */
export { IssuerSimulator, type IssuerSimulatorOptions } from './issuer-simulator.js';
export { issuerSimulatorMigrations } from './migrations.js';
export { seedIssuerSimulator, SEED_CARDS_MAX, type SeedOptions, type SeedResult, type SeededCard } from './seed.js';
export { testCards, testCard, emvSessionKeyMethods, type TestCardDefinition, type EmvProfile, type EmvSessionKeyMethod } from './seed-cards.js';
export { seedKeyComponents, testOnlyClearSeedKey, type SeedKeyName } from './seed-keys.js';
export { testOnlyIccMasterKey, testOnlyArqc, testCardTrack2, type TestCryptogramInput } from './card-side.js';
export { PIN_TRIES_LIMIT } from './pin-check.js';
export type { CreatedIssuerKey, IssuerKeyName } from './issuer-keys.js';
export { DEBIT_ATTEMPTS_MAX } from './debit.js';
export { CARD_AMOUNT_MINOR_MAX } from './card-definition.js';
export { IDEMPOTENCY_KEY_LENGTH_MAX, CDOL_DATA_BYTES_MAX } from './request-checks.js';
export { TRACK2_CVV_DIGITS, TRACK2_LENGTH_MAX, parseTrack2, formatTrack2, type Track2 } from './track2.js';
export { cardStatuses, type CardStatus, type IssuerTables } from './tables.js';
export { COMPLETION_TOLERANCE_PERCENT_DEFAULT, HOLD_LIFETIME_MS_DEFAULT, EXPIRE_HOLDS_BATCH_MAX } from './holds.js';
