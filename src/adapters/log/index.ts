/** Logging with redaction by construction (pino underneath). */
export { createLogger, logRedactFieldNames, type LogLevel, type LogMethod, type Logger, type LoggerOptions } from './logger.js';
export { isSensitiveFieldName, redactLogValue, redactedText, logDepthMax, logEntriesMax, logStringLengthMax } from './redact-log-value.js';
export { fixedLineWriter, fixedLineTextLengthMax, type FixedLineFields, type FixedLineShape, type FixedLineValue, type FixedLineWriter } from './fixed-line.js';
