/** The host's transaction pipeline: sign-in, sign-out, balance inquiry and sale behind the channel. */
export { HostPipeline, type HostAnswer } from './pipeline.js';
export { FEE_REVENUE_ACCOUNT, SALE_AMOUNT_MAX_MINOR_DEFAULT, SCHEME_RECEIVABLE_ACCOUNT, type HostDependencies, type HostLogger, type HostReply, type HostRequest } from './deps.js';
export { hostLogCodeOf } from './log-code.js';
export { hostMigrations } from './migrations.js';
export { hostResponseCodes, refusalCodes, isHostResponseCode, type HostRefusal, type HostResponseCode } from './response-codes.js';
export { SIGN_IN_NETWORK_CODE } from './sign-in.js';
export { RRN_DIGITS } from './rrn.js';
export type { HostTables, HostTransactionsTable } from './tables.js';
