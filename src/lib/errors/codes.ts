/**
 * The registry of every error code Bastion can produce, with the one-line meaning that
 * `docs/errors.md` expands on. Codes are stable: a released code is never renamed or reused.
 * A test checks that this table and the documentation list exactly the same codes.
 *
 * Naming: `<AREA>_ERR_<WHAT>`. Add new codes at the end of their area.
 */
export const errorCodes = {
  // Pure byte / encoding helpers
  CRYPTO_ERR_HEX: 'a value is not valid hexadecimal (odd length or a non-hex character)',
  CRYPTO_ERR_ARGUMENT: 'an argument is out of its documented range or of the wrong kind',

  // Block ciphers and keys
  CRYPTO_ERR_ALGORITHM: 'the algorithm, mode or option is not supported for this operation',
  CRYPTO_ERR_KEY_LENGTH: 'a key has a length the algorithm does not accept',
  CRYPTO_ERR_KEY_PARITY: 'a DES / TDES key does not have odd parity where parity is required',
  CRYPTO_ERR_DATA_LENGTH: 'data is not a whole number of cipher blocks, or is empty where data is required',
  CRYPTO_ERR_IV_LENGTH: 'an initialisation vector is not one cipher block long',
  CRYPTO_ERR_KCV_LENGTH: 'a key check value length is outside 2 to 8 bytes (or the block size)',
  CRYPTO_ERR_KCV_MISMATCH: 'a key does not match the key check value it was given with',
  CRYPTO_ERR_COMPONENT_COUNT: 'a key split or combination has too few or too many components',

  // PIN blocks (ISO 9564-1)
  CRYPTO_ERR_PIN_LENGTH: 'a PIN is shorter than 4 or longer than 12 digits',
  CRYPTO_ERR_PIN_DIGITS: 'a PIN contains something other than decimal digits',
  CRYPTO_ERR_PAN: 'a PAN is not 12 to 19 decimal digits',
  CRYPTO_ERR_PINBLOCK_FORMAT: 'the PIN block format is not one of those supported for this operation',
  CRYPTO_ERR_PINBLOCK_INVALID: 'a PIN block does not decode: wrong control field, length, fill or PAN binding',
  CRYPTO_ERR_FILL: 'caller-supplied fill or random data has the wrong length or content',

  // DUKPT (ANSI X9.24-1 / X9.24-3)
  CRYPTO_ERR_KSN: 'a key serial number has the wrong length or is not hexadecimal',
  CRYPTO_ERR_KSN_COUNTER: 'a KSN transaction counter is zero or has more bits set than the standard allows',

  // MACs
  CRYPTO_ERR_MAC_PADDING: 'the MAC padding method is unknown or not allowed with this algorithm',
  CRYPTO_ERR_MAC_MISMATCH: 'a MAC or cryptogram does not verify',

  // TR-31 key blocks
  CRYPTO_ERR_TR31_HEADER: 'a TR-31 key block header is malformed or has an invalid field value',
  CRYPTO_ERR_TR31_VERSION: 'the TR-31 key block version is not A, B, C or D',
  CRYPTO_ERR_TR31_LENGTH: 'a TR-31 key block length does not match its content',
  CRYPTO_ERR_TR31_OPTIONAL_BLOCK: 'a TR-31 optional block is malformed',
  CRYPTO_ERR_TR31_KBPK: 'the key block protection key does not suit the key block version',
  CRYPTO_ERR_TR31_MAC: 'a TR-31 key block failed its MAC check: it was altered or the KBPK is wrong',
  CRYPTO_ERR_TR31_KEY: 'the key inside a TR-31 key block has an invalid length field or padding',

  // EMV
  CRYPTO_ERR_EMV_PSN: 'a PAN sequence number is not two decimal digits',
  CRYPTO_ERR_EMV_ATC: 'an application transaction counter is not two bytes',
  CRYPTO_ERR_EMV_ARPC: 'ARPC inputs do not fit the chosen method (ARC, CSU or proprietary data)',

  // Card verification values
  CRYPTO_ERR_EXPIRY: 'an expiry date is not four digits YYMM',
  CRYPTO_ERR_SERVICE_CODE: 'a service code is not three decimal digits',
  CRYPTO_ERR_PVKI: 'a PIN verification key index is not one decimal digit',
  CRYPTO_ERR_DECIMALIZATION_TABLE: 'a decimalisation table is not sixteen decimal digits',
  CRYPTO_ERR_VALIDATION_DATA: 'IBM 3624 validation data is not hexadecimal of 1 to 16 characters',

  // ISO 8583 messages, framing and EMV TLV
  ISO_ERR_SPEC: 'a message spec is inconsistent (a definition error, found when the spec is loaded)',
  ISO_ERR_MTI: 'the message type indicator is missing, malformed or not four digits',
  ISO_ERR_BITMAP: 'a bitmap is truncated, or marks a field the spec does not define',
  ISO_ERR_LENGTH: 'a length prefix or fixed length does not fit the data or exceeds the field maximum',
  ISO_ERR_ENCODING: 'field data is not valid in its encoding (BCD nibble, character set, hex)',
  ISO_ERR_FIELD_VALUE: 'a value given to pack does not fit its field (type, characters, length)',
  ISO_ERR_FIELD_UNKNOWN: 'a field or sub-field number or name is not defined in the spec',
  ISO_ERR_TRAILING_DATA: 'bytes are left over after the last field the bitmap announced',
  ISO_ERR_TLV: 'BER-TLV data is malformed: tag, length or nesting',
  ISO_ERR_DOL: 'a data object list (PDOL, CDOL) is malformed or its data does not match it',
  ISO_ERR_FRAME_TOO_LARGE: 'a frame announces more bytes than the configured maximum',
  ISO_ERR_FRAME_HEADER: 'a frame is too short for its TPDU and header, or they are malformed',

  // Store
  STORE_ERR_CONFIG: 'the store location or options are invalid',
  STORE_ERR_MIGRATION: 'a schema migration failed; the store stays at the last migration that succeeded',
  STORE_ERR_PREPARED: 'a prepared query is built wrongly: an argument is not bound as a parameter',
  STORE_ERR_DURABILITY: 'a commit could not be made durable (the fsync failed); the store refuses further commits until the host restarts',

  // Ledger
  LEDGER_ERR_UNBALANCED: 'journal entry postings do not sum to zero per currency, or an entry read from the store breaks the ledger invariant',
  LEDGER_ERR_IDEMPOTENCY_CONFLICT: 'an idempotency key was already posted with different content',
  LEDGER_ERR_ACCOUNT_UNKNOWN: 'no ledger account has the given code',
  LEDGER_ERR_ACCOUNT_EXISTS: 'a ledger account with the code already exists (or exists with another type or currency)',
  LEDGER_ERR_CURRENCY: 'a currency is not an ISO 4217 numeric code of three digits, or differs from the currency of the account',
  LEDGER_ERR_POSTING: 'a post request is malformed: key, kind, description, time, posting count, or a zero or out-of-range amount',
  LEDGER_ERR_ARGUMENT: 'a ledger argument is malformed: account code or type, sale amount, fee schedule or event key part',
  LEDGER_ERR_BUSY: 'a balance checkpoint could not lock the ledger in time because postings were in flight; worth retrying',

  // Audit log
  AUDIT_ERR_EVENT: 'an audit event is invalid: unknown action or outcome, an empty, over-long or non-printable identifier, or details too large, too deep or not JSON-like',
  AUDIT_ERR_ARGUMENT: 'an audit argument is out of range: the tail row limit or a verify anchor',
  AUDIT_ERR_KEY: 'the audit chain key is not 32 bytes, or its key file is unreadable or not 64 hexadecimal characters',
  AUDIT_ERR_KEY_MISSING: 'the audit log has rows but its chain key file is missing',
  AUDIT_ERR_KEY_MISMATCH: 'the audit chain key is not the one the log was written with',
  AUDIT_ERR_HEAD_MISSING: 'the audit head row is missing, so nothing can be appended until the log is investigated',

  // HSM port, software HSM and the key ceremony
  HSM_ERR_KEY_TYPE: 'a key type or key algorithm is unknown, or the algorithm is not allowed for that key type',
  HSM_ERR_KEY_USAGE: 'a key of the wrong type was given for the operation (a PIK where a MAK is needed, say)',
  HSM_ERR_KEY_INTEGRITY: 'a key under the LMK failed its integrity check: altered, relabelled, or enciphered under another LMK',
  HSM_ERR_ALGORITHM: 'the operation is not supported for the algorithm or length of the key given',
  HSM_ERR_EXPORT: 'the key type may not leave the HSM in the form asked for',
  HSM_ERR_COMPONENTS: 'key components are repeated or combine to a weak (all-zero) key',
  HSM_ERR_PIN_POLICY: 'the PIN block translation is forbidden: from a PAN-bound format (0, 3, 4) to format 1 or 2',
  HSM_ERR_TRACK_DATA: 'track data is too short for the track-encryption layout (at least 9 bytes)',
  HSM_ERR_DATA_INTEGRITY: 'a sealed PAN failed its authentication check: altered, or sealed under another data key',
  HSM_ERR_LMK_MISSING: 'no sealed LMK exists in the data directory; run the key ceremony first',
  HSM_ERR_LMK_EXISTS: 'an LMK already exists in the data directory; a ceremony never replaces it',
  HSM_ERR_LMK_FILE: 'the sealed LMK file is malformed, unreadable, or readable by other users',
  HSM_ERR_LMK_DEV_REFUSED: 'the sealed LMK is the development LMK and the host was not started with --dev',
  HSM_ERR_PASSPHRASE: 'the LMK passphrase is missing, too short, differs from its confirmation, or does not open the sealed LMK',
  HSM_ERR_CEREMONY: 'the key ceremony was refused: a custodian entered twice, a component was malformed or repeated, or input ended early',
  HSM_ERR_UNAVAILABLE: 'the HSM did not answer: the worker thread running the operation stopped, or the HSM was closed',

  // Card data protection (PAN vault)
  CARDDATA_ERR_PAN: 'a PAN is not 12 to 19 decimal digits',
  CARDDATA_ERR_NOT_FOUND: 'no stored PAN has the given id',
  CARDDATA_ERR_INTEGRITY: 'a stored PAN or its data key failed its integrity check: the stored data was altered',

  // Merchants
  MERCHANT_ERR_ID: 'a merchant id (field 42) is not 15 letters or digits',
  MERCHANT_ERR_NAME: 'a merchant name is empty, too long or contains control characters',
  MERCHANT_ERR_MCC: 'a merchant category code is not 4 digits, or none was given and the merchant id carries none',
  MERCHANT_ERR_CURRENCY: 'a currency is not an ISO 4217 numeric code of 3 digits',
  MERCHANT_ERR_FEE: 'a fee rate or fixed fee is outside its documented range',
  MERCHANT_ERR_STATUS: 'a merchant status is not one of the known statuses',
  MERCHANT_ERR_ARGUMENT: 'a merchants argument is out of range, such as a list limit',
  MERCHANT_ERR_ID_TAKEN: 'a merchant with this merchant id already exists',
  MERCHANT_ERR_NOT_FOUND: 'no merchant has this merchant id',
  MERCHANT_ERR_NOT_ACTIVE: 'the merchant exists but is suspended or closed',
  MERCHANT_ERR_CORRUPT: 'a stored merchant row is not valid: the store was altered outside Bastion',

  // Terminals
  TERMINAL_ERR_ID: 'a terminal id (field 41) is not 8 letters or digits',
  TERMINAL_ERR_SERIAL: 'a terminal serial number is empty, too long or has characters outside letters, digits and . _ / -',
  TERMINAL_ERR_MODEL: 'a terminal model is empty, too long or has characters outside the allowed set',
  TERMINAL_ERR_MAC_VARIANT: 'a MAC variant is not des-left or tdes',
  TERMINAL_ERR_BATCH: 'a batch number is not 6 digits from 000001 to 999999',
  TERMINAL_ERR_KEY: 'a key given for a terminal has the wrong type for its slot, an unknown algorithm label, or a ciphertext or check value of the wrong length',
  TERMINAL_ERR_ARGUMENT: 'a terminals argument is out of range: list limit, MAC-failure threshold, lock reason or time',
  TERMINAL_ERR_TIME_ZONE: 'the configured time zone is not a known IANA name',
  TERMINAL_ERR_ID_TAKEN: 'a terminal with this terminal id already exists',
  TERMINAL_ERR_SERIAL_TAKEN: 'a terminal with this serial number already exists',
  TERMINAL_ERR_NOT_FOUND: 'no terminal has this terminal id',
  TERMINAL_ERR_LOCKED: 'the terminal is locked, so the operation is refused until it is unlocked',
  TERMINAL_ERR_RETIRED: 'the terminal is retired, so the operation is refused',
  TERMINAL_ERR_NO_TMK: 'the terminal has no master key yet, so it cannot sign in',
  TERMINAL_ERR_STATE: 'the operation does not apply to the terminal in its current state (unlocking one that is not locked, or giving a TMK to one that has one without asking to replace it)',
  TERMINAL_ERR_CORRUPT: 'a stored terminal row is not valid: the store was altered outside Bastion',

  // EMV parameters (CAPKs and AIDs the host downloads to terminals)
  PARAMS_ERR_FILE: 'an EMV parameter file is not valid: not JSON, wrong format, or a value at the named JSON path is missing, malformed or listed twice',
  PARAMS_ERR_CHECKSUM: 'a CAPK in an EMV parameter file does not match its checksum (SHA-1 of RID, index, modulus and exponent); nothing was imported',
  PARAMS_ERR_ARGUMENT: 'an EMV parameter service argument is out of range',
  PARAMS_ERR_CORRUPT: 'the stored EMV parameter state is missing: the store was altered outside Bastion',

  // Terminal channel (TCP / TLS server)
  CHANNEL_ERR_CONFIG: 'a channel limit or option is out of its range, or the TLS settings are incomplete',
  CHANNEL_ERR_TLS: 'the TLS certificate, private key or client CA could not be loaded',
  CHANNEL_ERR_LISTEN: 'the channel could not listen on the host and port given',
  CHANNEL_ERR_STATE: 'the channel server was started twice, or started again after it was stopped',
  CHANNEL_ERR_HANDLER: 'the request handler failed or returned something that is not a reply, so the request got no reply',

  // Issuer simulator (the built-in network adapter)
  ISSUER_ERR_REQUEST: 'an authorization request breaks the network port contract: a field is missing or malformed',
  ISSUER_ERR_IDEMPOTENCY_CONFLICT: 'an idempotency key was already used for a different transaction',
  ISSUER_ERR_NOT_SEEDED: 'the issuer simulator has no keys yet because it has not been seeded',
  ISSUER_ERR_KEYS: 'a stored issuer key has the wrong type, or is not the published test key the test cards are made under',
  ISSUER_ERR_CARD: 'a test-card definition is invalid (profile, PAN, expiry, PIN, amounts, EMV profile) or no test card has the profile',
  ISSUER_ERR_CORRUPT: 'a stored issuer card or authorization row is not valid: the store was altered outside Bastion',

  // Host transaction pipeline
  HOST_ERR_DUPLICATE: 'a duplicate request lost the race to record its answer, yet the first answer is not recorded',
  HOST_ERR_INTERNAL: 'an unexpected failure in the host pipeline; the terminal is answered 96 and the log carries no card data',
  HOST_ERR_THREAD: 'a host thread could not start, or stopped: the requests it held get no reply (the terminals reverse them) and a replacement starts',

  // Settlement (terminal batches: 0500 settlement and 0320 batch upload)
  SETTLEMENT_ERR_STATE: 'a batch upload record came for a batch that is not waiting for one (open, or closed meanwhile)',
  SETTLEMENT_ERR_CORRUPT: 'a stored settlement batch row is not valid: the store was altered outside Bastion',

  // Terminal simulator (bastion terminal sign-in / sale / balance)
  SIM_ERR_ARGUMENT: 'a terminal simulator argument is malformed: terminal id, amount, PIN, entry mode, host address or component',
  SIM_ERR_NOT_PROVISIONED: 'the simulated terminal has no key file in this data directory: its TMK was never injected',
  SIM_ERR_STATE: 'the simulated terminal key file is malformed, of another version, or for another terminal',
  SIM_ERR_BUSY: 'another simulator command holds this terminal (one transaction at a time per terminal)',
  SIM_ERR_NOT_SIGNED_IN: 'the simulated terminal has no working keys: sign in first',
  SIM_ERR_CARD: 'no test card has the profile or PAN given, or the card cannot be read with the entry mode asked for',
  SIM_ERR_CONNECT: 'the simulator could not connect to the host channel (refused, TLS failure or unreachable)',
  SIM_ERR_TIMEOUT: 'the host did not answer within the simulator timeout',
  SIM_ERR_RESPONSE: 'the host reply is malformed or does not answer the request (MTI, trace or terminal differ)',
  SIM_ERR_RESPONSE_MAC: 'the MAC of the host reply does not verify under the terminal MAK',
  SIM_ERR_KCV_MISMATCH: 'a working key from sign-in does not match its check value, so the terminal refused to install it',
  SIM_ERR_ARPC: 'the issuer authentication (ARPC) in the reply does not verify for the card',
  SIM_ERR_PARAMS: 'a parameter download reply is not what the terminal asked for, or a downloaded CAPK does not match its checksum; nothing was saved',
  SIM_ERR_JOURNAL: 'the simulated terminal journal (its transactions of the current batch) is malformed, or for another terminal',

  // Electronic signatures (uploaded after a sale, printed on the receipt)
  ESIG_ERR_FORMAT: 'an electronic-signature upload (field 62 of the 0820) is malformed or out of bounds: a tag missing, a part or size outside its range',
  ESIG_ERR_IMAGE: 'a signature image is not an accepted PNG: greyscale, bit depth 1 or 8, not interlaced, at most 2048 x 1024 pixels, every CRC and size consistent',
  ESIG_ERR_TAMPERED: 'a stored signature fails its SHA-256 checksum or does not inflate: it was altered outside Bastion',
  SIM_ERR_SIGNATURE: 'the simulator could not upload a signature: the image file is unreadable or not an accepted PNG, or the sale to sign is unknown',

  // Receipts (bastion receipt)
  RECEIPT_ERR_ARGUMENT: 'a receipt argument is malformed: trace, terminal id, batch or format',
  RECEIPT_ERR_NOT_FOUND: 'the host has no financial transaction of that terminal with that trace (and batch)',

  // Host start-up (bastion serve, bastion demo)
  SERVE_ERR_CONFIG: 'a start-up setting is invalid: port, address, TLS file or environment variable',
  SERVE_ERR_LISTEN: 'the HTTP server could not listen on the address and port given',
  SERVE_ERR_DEMO_DATA: 'the data directory holds data that is not a Bastion demo, so the demo will not write into it',

  // Benchmarks, crash test and channel fuzzing (bastion bench)
  BENCH_ERR_ARGUMENT: 'a bench argument is out of range, or the bench was pointed at data that is not its own',
  BENCH_ERR_HOST: 'the bench could not start or reach its host, or the host refused the load terminals',

  // The host's operations HTTP endpoint (/healthz, /metrics)
  HTTP_ERR_NOT_FOUND: 'the HTTP path is not one the server has',
  HTTP_ERR_METHOD_NOT_ALLOWED: 'the HTTP method is not allowed on this path (only GET and HEAD)',
  HTTP_ERR_INTERNAL: 'an unexpected internal failure while answering an HTTP request; the answer carries no details',

  // Command-line interface
  CLI_ERR_UNKNOWN_COMMAND: 'the command or batch operation name is not known',
  CLI_ERR_ARGUMENT_MISSING: 'a required argument was not given',
  CLI_ERR_ARGUMENT_INVALID: 'an argument has the wrong type or an unknown value',
  CLI_ERR_JSON: 'a batch request line or an ISO 8583 JSON message is not valid JSON of its documented form',
  CLI_ERR_INPUT_TOO_LARGE: 'an input line or file is larger than the stated maximum',
  CLI_ERR_INTERNAL: 'an unexpected internal failure; the message carries no input data',
} as const;

export type ErrorCode = keyof typeof errorCodes;

export function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(errorCodes, value);
}
