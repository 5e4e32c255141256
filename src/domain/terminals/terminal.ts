import { BastionError } from '../../lib/errors/index.js';
import { keyAlgorithms, type KeyAlgorithm, type KeyType, type KeyUnderLmk } from '../../ports/hsm.js';
import { codePointLength } from '../merchants/index.js';

/**
 * A POS terminal as the acquirer host sees it: the id it sends in field 41, the merchant it is
 * bound to (field 42), the hardware it is, its keys (all under the LMK, never in clear), its
 * batch, its sign-in and its MAC-failure count.
 *
 * Terminal ids are unique across the acquirer, not just within a merchant: the host finds a
 * terminal by field 41 alone and then checks that field 42 names the merchant it is bound to.
 * That is stricter than hosts that key terminals by the pair (41, 42) and leaves room to relax.
 */
export interface Terminal {
  /** Field 41 (ans 8). */
  readonly terminalId: string;
  /** Field 42 of the merchant the terminal is bound to. */
  readonly merchantId: string;
  /** The manufacturer's serial number; unique, so one device can't be registered twice. */
  readonly serialNumber: string;
  readonly model: string;
  readonly macVariant: MacVariant;
  readonly status: TerminalStatus;
  /** The terminal master key under the LMK (the HSM port's KeyUnderLmk), once generated. */
  readonly tmk: KeyUnderLmk | undefined;
  /** The working keys of the current sign-in, under the LMK; none before sign-in or after sign-out. */
  readonly workingKeys: WorkingKeys | undefined;
  /** Working-key sets issued so far: +1 at every sign-in. */
  readonly keyGeneration: bigint;
  /** Field 60.2: the batch the terminal is in, 6 digits from 000001 to 999999. */
  readonly batchNumber: string;
  readonly lastSignInAtMs: bigint | undefined;
  /** YYYYMMDD of the last sign-in in the host's configured time zone. */
  readonly lastSignInLocalDate: string | undefined;
  readonly signedOutAtMs: bigint | undefined;
  /** Consecutive MAC failures since the last verified MAC or unlock. */
  readonly macFailureCount: bigint;
  readonly lockReason: string | undefined;
  readonly lockedAtMs: bigint | undefined;
  readonly createdAtMs: bigint;
  readonly updatedAtMs: bigint;
}

/**
 * `new`: registered, never signed in. `active`: has signed in at least once. `locked`: refused
 * until an operator unlocks it (MAC failures, suspicion). `retired`: out of service for good.
 */
export const terminalStatuses = ['new', 'active', 'locked', 'retired'] as const;
export type TerminalStatus = (typeof terminalStatuses)[number];

/**
 * How the terminal computes the POS "ECB" MAC with a double-length MAK: single DES under the
 * left half, or TDES under the whole key (docs/protocol.md, MAC). A per-terminal setting because
 * terminal models differ.
 */
export const macVariants = ['des-left', 'tdes'] as const;
export type MacVariant = (typeof macVariants)[number];
export const MAC_VARIANT_DEFAULT: MacVariant = 'des-left';

/**
 * The keys one sign-in issues (field 62 of the 0810), as the host keeps them: under the LMK.
 * Each key's type is its slot; the algorithms may differ (a single-DES MAK beside a TDES PIK).
 * The TDK is there only when 60.3 asked for one.
 */
export interface WorkingKeys {
  readonly pik: KeyUnderLmk;
  readonly mak: KeyUnderLmk;
  readonly tdk: KeyUnderLmk | undefined;
}

export const TERMINAL_ID_LENGTH = 8;
export const SERIAL_NUMBER_LENGTH_MAX = 50;
export const MODEL_LENGTH_MAX = 40;
export const LOCK_REASON_LENGTH_MAX = 200;
/** Field 60.2 is n6; 000000 is not a batch. */
export const BATCH_NUMBER_MIN = 1;
export const BATCH_NUMBER_MAX = 999_999;
export const BATCH_NUMBER_FIRST = '000001';
/**
 * The HSM's wrapping format decides a key's exact ciphertext size (a wrapped AES key carries a
 * nonce and a tag); these bounds only keep rows small and refuse nonsense.
 */
export const KEY_CIPHERTEXT_LENGTH_MIN = 8;
export const KEY_CIPHERTEXT_LENGTH_MAX = 128;
/** As the crypto library: a check value is 2 to 8 bytes. */
export const KEY_KCV_LENGTH_MIN = 2;
export const KEY_KCV_LENGTH_MAX = 8;

const terminalIdPattern = /^[0-9A-Za-z]{8}$/;
// Serial numbers come from many vendors: letters, digits and - _ . / are all seen.
const serialNumberPattern = /^[0-9A-Za-z][0-9A-Za-z._/-]*$/;
const modelPattern = /^[0-9A-Za-z][0-9A-Za-z ._/+()-]*$/;
const controlCharacter = /\p{Cc}/u;

export function isTerminalId(value: string): boolean {
  return terminalIdPattern.test(value);
}

export function validateTerminalId(terminalId: string): string {
  if (!isTerminalId(terminalId)) {
    throw new BastionError('TERMINAL_ERR_ID', `a terminal id (field 41) is ${TERMINAL_ID_LENGTH} letters or digits`, { argument: 'terminalId', length: terminalId.length });
  }
  return terminalId;
}

export function validateSerialNumber(serialNumber: string): string {
  if (serialNumber.length > SERIAL_NUMBER_LENGTH_MAX || !serialNumberPattern.test(serialNumber)) {
    throw new BastionError('TERMINAL_ERR_SERIAL', `a serial number is 1 to ${SERIAL_NUMBER_LENGTH_MAX} letters, digits and . _ / -`, { argument: 'serialNumber', length: serialNumber.length });
  }
  return serialNumber;
}

export function validateModel(model: string): string {
  if (model.length > MODEL_LENGTH_MAX || !modelPattern.test(model)) {
    throw new BastionError('TERMINAL_ERR_MODEL', `a model is 1 to ${MODEL_LENGTH_MAX} letters, digits, spaces and . _ / + ( ) -`, { argument: 'model', length: model.length });
  }
  return model;
}

export function isMacVariant(value: string): value is MacVariant {
  return (macVariants as readonly string[]).includes(value);
}

export function validateMacVariant(value: string): MacVariant {
  if (!isMacVariant(value)) throw new BastionError('TERMINAL_ERR_MAC_VARIANT', `a MAC variant is one of ${macVariants.join(', ')}`, { argument: 'macVariant' });
  return value;
}

export function isTerminalStatus(value: string): value is TerminalStatus {
  return (terminalStatuses as readonly string[]).includes(value);
}

export function validateLockReason(reason: string): string {
  const trimmed = reason.trim();
  if (trimmed.length === 0 || codePointLength(trimmed) > LOCK_REASON_LENGTH_MAX || controlCharacter.test(trimmed)) {
    throw new BastionError('TERMINAL_ERR_ARGUMENT', `a lock reason is 1 to ${LOCK_REASON_LENGTH_MAX} characters without control characters`, { argument: 'reason' });
  }
  return trimmed;
}

/** A batch number as field 60.2 carries it: 6 digits, 000001 to 999999. */
export function validateBatchNumber(batchNumber: string): string {
  if (!/^\d{6}$/.test(batchNumber) || Number(batchNumber) < BATCH_NUMBER_MIN) {
    throw new BastionError('TERMINAL_ERR_BATCH', 'a batch number is 6 digits from 000001 to 999999', { argument: 'batchNumber' });
  }
  return batchNumber;
}

export function formatBatchNumber(batch: bigint): string {
  return batch.toString().padStart(6, '0');
}

export function isKeyAlgorithm(value: string): value is KeyAlgorithm {
  return (keyAlgorithms as readonly string[]).includes(value);
}

/**
 * Checks a key's shape and that it is of the type its slot expects (a TMK where a TMK goes). The
 * HSM checks the key itself when it opens it; this keeps a mislabelled key out of the store.
 */
export function validateKeyUnderLmk(key: KeyUnderLmk, expectedType: KeyType, argument: string): KeyUnderLmk {
  const type: string = key.type;
  if (type !== expectedType) {
    throw new BastionError('TERMINAL_ERR_KEY', `${argument} must be a key of type ${expectedType}`, { argument, type: type.slice(0, 16) });
  }
  if (!isKeyAlgorithm(key.algorithm)) throw new BastionError('TERMINAL_ERR_KEY', `${argument} algorithm is not one the HSM knows`, { argument });
  validateKeyBytes(key, argument);
  return key;
}

export function validateWorkingKeys(keys: WorkingKeys): WorkingKeys {
  validateKeyUnderLmk(keys.pik, 'PIK', 'workingKeys.pik');
  validateKeyUnderLmk(keys.mak, 'MAK', 'workingKeys.mak');
  if (keys.tdk !== undefined) validateKeyUnderLmk(keys.tdk, 'TDK', 'workingKeys.tdk');
  return keys;
}

// Lengths only: the bytes are ciphertext under the LMK and never appear in an error.
function validateKeyBytes(key: KeyUnderLmk, argument: string): void {
  const { length } = key.ciphertext;
  if (length < KEY_CIPHERTEXT_LENGTH_MIN || length > KEY_CIPHERTEXT_LENGTH_MAX) {
    throw new BastionError('TERMINAL_ERR_KEY', `${argument} ciphertext is ${KEY_CIPHERTEXT_LENGTH_MIN} to ${KEY_CIPHERTEXT_LENGTH_MAX} bytes`, { argument, length });
  }
  if (key.kcv.length < KEY_KCV_LENGTH_MIN || key.kcv.length > KEY_KCV_LENGTH_MAX) {
    throw new BastionError('TERMINAL_ERR_KEY', `${argument} check value is ${KEY_KCV_LENGTH_MIN} to ${KEY_KCV_LENGTH_MAX} bytes`, { argument, length: key.kcv.length });
  }
}
