export { BastionError, isBastionError, type ErrorDetails, type ErrorJson } from './bastion-error.js';
export { errorCodes, isErrorCode, type ErrorCode } from './codes.js';
export { errorCodeOf } from './error-code.js';
export { redactSensitive } from './redact.js';
