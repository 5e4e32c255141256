/**
 * The HSM port: every operation on secret keys, PIN blocks and card data goes through it, so the
 * host never holds a clear key, a clear PIN or (outside the PAN vault's reveal) a clear PAN.
 * The default adapter is the software HSM (`src/adapters/hsm`); a network HSM can implement the
 * same interface later, which is why every operation is async.
 *
 * ## Key types
 *
 * | type | what it is | algorithms |
 * |---|---|---|
 * | LMK | local master key: the root inside the HSM. Never a `KeyUnderLmk`; formed from custodians' components (`bastion keys ceremony`) and never leaves the HSM | AES |
 * | TMK | terminal master key, one per terminal; injected into the terminal once (under a KEK or as components) and used only to send working keys | TDES double / triple, SM4 |
 * | PIK | PIN key of a terminal (TPK): the terminal enciphers PIN blocks under it; changes at every sign-in | TDES, AES, SM4 |
 * | MAK | MAC key of a terminal (TAK): field 64; single-length DES (the UnionPay default) or TDES | DES, TDES, SM4 |
 * | TDK | track data key of a terminal: tracks 2 and 3 (fields 35, 36) enciphered by the terminal | TDES, SM4 |
 * | ZPK | zone PIN key shared with the card network or issuer: PIN blocks leave the host under it | TDES, AES, SM4 |
 * | ZEK | zone data (encryption) key shared with the network: track data leaves the host under it | TDES, SM4 |
 * | IMK-AC | issuer master key for application cryptograms: ARQC verification, ARPC generation (issuer side) | TDES double |
 * | PVK | PIN verification key, Visa PVV method (issuer side) | TDES double |
 * | CVK | card verification key, CVV / CVC / CVV2 / iCVV (issuer side) | TDES double |
 * | DEK | data encryption key for stored PANs (AES-256-GCM), itself stored only under the LMK | AES-256 |
 * | HASH | key of the PAN look-up hash (HMAC-SHA-256), so equal PANs can be found without storing them | HMAC-SHA-256 |
 * | KEK | key-encrypting / transport key (TK, ZMK): carries a TMK or zone key to another device | TDES, AES, SM4 |
 *
 * Outside the HSM a key exists only as a `KeyUnderLmk`. Clear key bytes leave only through the
 * two explicit export operations (`exportKeyUnderKek`, still enciphered, and
 * `exportKeyAsComponents`, clear components for custodians) and inside `generateWorkingKeys`'s
 * copies under the TMK.
 *
 * No operation returns a clear PIN, and none takes one: PIN blocks go in and come out enciphered,
 * and PIN verification happens inside. `hsm.test.ts` proves it at the type level.
 */

export type KeyType = 'TMK' | 'PIK' | 'MAK' | 'TDK' | 'ZPK' | 'ZEK' | 'IMK-AC' | 'PVK' | 'CVK' | 'DEK' | 'HASH' | 'KEK';

export const keyTypes: readonly KeyType[] = ['TMK', 'PIK', 'MAK', 'TDK', 'ZPK', 'ZEK', 'IMK-AC', 'PVK', 'CVK', 'DEK', 'HASH', 'KEK'];

/**
 * Key algorithms with their length: `des` 8 bytes, `tdes-2key` 16, `tdes-3key` 24, `aes-128`
 * 16, `aes-256` 32, `sm4` 16, `hmac-sha256` 32.
 */
export type KeyAlgorithm = 'des' | 'tdes-2key' | 'tdes-3key' | 'aes-128' | 'aes-256' | 'sm4' | 'hmac-sha256';

export const keyAlgorithms: readonly KeyAlgorithm[] = ['des', 'tdes-2key', 'tdes-3key', 'aes-128', 'aes-256', 'sm4', 'hmac-sha256'];

/**
 * A key as the rest of Bastion holds it: enciphered under the LMK, with its type and algorithm
 * bound to the ciphertext (changing either makes the HSM refuse the key) and a check value.
 * Safe to store and to log by KCV; the ciphertext is opaque outside the HSM that made it.
 */
export interface KeyUnderLmk {
  readonly type: KeyType;
  readonly algorithm: KeyAlgorithm;
  readonly ciphertext: Buffer;
  /** 3 bytes: DES / TDES encrypt zeros, AES / SM4 CMAC of zeros, HMAC of an empty message. */
  readonly kcv: Buffer;
}

/** A working key handed to a terminal at sign-in. */
export interface WorkingKey {
  readonly underLmk: KeyUnderLmk;
  /**
   * The key enciphered under the terminal's TMK (ECB), as field 62 carries it: 16 bytes for a
   * double-length key; for a single-length MAK the 8 enciphered bytes followed by 8 zero bytes.
   */
  readonly underTmk: Buffer;
  /** 4 bytes: the first 4 bytes of the clear key's encryption of a zero block (the terminal's check). */
  readonly kcv: Buffer;
}

export interface WorkingKeySet {
  readonly pik: WorkingKey;
  readonly mak: WorkingKey;
  readonly tdk: WorkingKey;
}

export interface WorkingKeyOptions {
  /**
   * `single` (default): an 8-byte DES MAK, as UnionPay sign-in 60.3 = 004 sends it (the ECB MAC
   * with single DES). `double`: a 16-byte TDES MAK, for X9.19 or the ECB MAC's TDES variant.
   */
  readonly makLength?: 'single' | 'double';
}

/**
 * `unionpay-ecb`: the POS "ECB" MAC of field 64 (8 ASCII hex characters); `variant` picks single
 * DES under the left half (`des-left`, default) or TDES for a double-length MAK.
 * `x9.19`: ISO 9797-1 algorithm 3 (double-length MAK), `padding` method 1 (default) or 2.
 */
export interface MacOptions {
  readonly algorithm: 'unionpay-ecb' | 'x9.19';
  readonly variant?: 'des-left' | 'tdes';
  readonly padding?: 1 | 2;
}

/** An ISO 9564-1 PIN block format number. */
export type PinBlockFormatNumber = 0 | 1 | 2 | 3 | 4;

export interface TranslatePinBlockRequest {
  /** The PIK of the terminal, or a ZPK for zone-to-zone translation. */
  readonly sourceKey: KeyUnderLmk;
  /** The ZPK of the network zone. */
  readonly targetKey: KeyUnderLmk;
  readonly sourceFormat: PinBlockFormatNumber;
  readonly targetFormat: PinBlockFormatNumber;
  /** Needed when either format binds the PAN (0, 3, 4). */
  readonly pan?: string;
  readonly pinBlock: Buffer;
}

export interface PvvRequest {
  /** The key the PIN block is enciphered under: a ZPK (issuer side) or a PIK. */
  readonly pinKey: KeyUnderLmk;
  readonly pvk: KeyUnderLmk;
  readonly format: PinBlockFormatNumber;
  readonly pan: string;
  readonly pinBlock: Buffer;
  /** PIN verification key index, one digit. */
  readonly pvki: string;
}

export interface VerifyPvvRequest extends PvvRequest {
  /** The 4-digit PVV on file. */
  readonly pvv: string;
}

export interface TranslateTrackDataRequest {
  /** The terminal's TDK (or a ZEK for zone-to-zone). */
  readonly sourceKey: KeyUnderLmk;
  /** The network's ZEK. */
  readonly targetKey: KeyUnderLmk;
  /**
   * The track as its field carries it: packed BCD nibbles (separator D, pad nibble), with the
   * UnionPay track-encryption block in place — see the software HSM's `track-data.ts`.
   */
  readonly data: Buffer;
}

export interface DecryptTrackDataRequest {
  /** The zone data key the track came under. Only a ZEK: the acquirer never needs a clear track. */
  readonly key: KeyUnderLmk;
  /** The track as its field carries it, with the track-encryption block under `key`. */
  readonly data: Buffer;
}

export interface CvvRequest {
  readonly cvk: KeyUnderLmk;
  readonly pan: string;
  /** YYMM. */
  readonly expiry: string;
  /** 3 digits; 000 for CVV2, 999 for iCVV. */
  readonly serviceCode: string;
}

export interface VerifyCvvRequest extends CvvRequest {
  readonly cvv: string;
}

/**
 * How the cryptogram key comes from the ICC master key: `common` (EMV Book 2 A1.3, R = ATC ||
 * zeros, or ATC || 00 00 || UN when `unpredictableNumber` is given, as Mastercard does),
 * `visa-sm` (ATC XORed into the key halves), or `none` (the ICC master key itself, Visa CVN 10).
 */
export type EmvSessionKeyDerivation = 'common' | 'visa-sm' | 'none';

export interface EmvCardKeyRequest {
  readonly imkAc: KeyUnderLmk;
  readonly pan: string;
  /** PAN sequence number, two digits ('00' when the card has none). */
  readonly psn: string;
  /** Application transaction counter, 2 bytes. */
  readonly atc: Buffer;
  readonly sessionKey: EmvSessionKeyDerivation;
  /** 4 bytes; only with `common`. */
  readonly unpredictableNumber?: Buffer;
  /** ICC master key derivation option (default A; B for PANs longer than 16 digits). */
  readonly iccMasterKeyOption?: 'A' | 'B';
}

export interface VerifyArqcRequest extends EmvCardKeyRequest {
  /** The CDOL1 data the card enciphered. */
  readonly data: Buffer;
  readonly arqc: Buffer;
  /** ISO 9797-1 padding method: 1 (Visa CVN 10) or 2 (CCD, Mastercard, Visa CVN 18 / 22). */
  readonly padding: 1 | 2;
  /**
   * The caller will ask for this ARQC's ARPC (`generateArpc` with the same card key request and
   * ARQC) once it has decided the ARC. An issuer decides after the check, so it cannot use one
   * verify-and-answer command (payShield KQ); with this hint the HSM may keep the cryptogram key
   * it derived, inside its boundary, for that one ARPC, instead of deriving it again. It changes
   * no result, and an HSM may ignore it. The software HSM keeps the key only when the ARQC
   * verified, for one ARPC, at most 5 s, at most 256 keys (`cryptogram-key-handoff.ts`).
   */
  readonly arpcFollows?: boolean;
}

export interface GenerateArpcRequest extends EmvCardKeyRequest {
  readonly arqc: Buffer;
  /** Method 1 (ARQC XOR ARC, 8 bytes) or 2 (MAC of ARQC || CSU || data, 4 bytes). */
  readonly method: 1 | 2;
  /** Method 1: 2-byte authorisation response code. */
  readonly arc?: Buffer;
  /** Method 2: 4-byte card status update. */
  readonly csu?: Buffer;
  /** Method 2: up to 8 bytes of proprietary authentication data. */
  readonly proprietaryAuthData?: Buffer;
}

/** A PAN under a DEK: AES-256-GCM with a 12-byte IV and a 16-byte tag. */
export interface SealedPan {
  readonly ciphertext: Buffer;
  readonly iv: Buffer;
  readonly tag: Buffer;
}

export type KeyExportFormat = 'ecb' | 'tr31';

/** A key enciphered under a KEK for another device: ECB bytes, or a TR-31 key block. */
export type ExportedKey =
  | { readonly format: 'ecb'; readonly ciphertext: Buffer; readonly kcv: Buffer }
  | { readonly format: 'tr31'; readonly keyBlock: string; readonly kcv: Buffer };

/** One clear key component for one custodian, with its check value. */
export interface ClearKeyComponent {
  readonly component: Buffer;
  readonly kcv: Buffer;
}

export interface ImportComponentsRequest {
  readonly type: KeyType;
  readonly algorithm: KeyAlgorithm;
  /** At least two, from different custodians; XORed together. */
  readonly components: readonly Buffer[];
  /** The key's KCV as the sender printed it (3 bytes); refused if it does not match. */
  readonly expectedKcv?: Buffer;
}

export interface HsmStatus {
  readonly implementation: 'software' | 'network';
  /** 3 bytes, to compare with the KCV shown at the key ceremony. */
  readonly lmkKcv: Buffer;
  /** True for the development LMK from the published seed: never for real cards. */
  readonly development: boolean;
}

export interface HsmPort {
  status(): Promise<HsmStatus>;

  /** A new random key of `type` (algorithm defaults to the type's usual one, e.g. TDES double for a TMK). */
  generateKey(type: KeyType, algorithm?: KeyAlgorithm): Promise<KeyUnderLmk>;
  /** Forms a key (a ZPK or KEK from the network, say) from custodians' clear components. */
  importKeyFromComponents(request: ImportComponentsRequest): Promise<KeyUnderLmk>;
  /** A key (a TMK for injection) enciphered under a transport key. */
  exportKeyUnderKek(key: KeyUnderLmk, kek: KeyUnderLmk, format?: KeyExportFormat): Promise<ExportedKey>;
  /**
   * The one operation that hands out clear key material: `count` components whose XOR is the
   * key, one per custodian, each to be printed or shown once and never stored. Allowed only for
   * the key types that are exchanged with other devices (TMK, ZPK, ZEK, KEK, PVK, CVK, IMK-AC).
   */
  exportKeyAsComponents(key: KeyUnderLmk, count: number): Promise<readonly ClearKeyComponent[]>;

  /** New PIK, MAK and TDK for a terminal's sign-in: each under the LMK (to keep) and under the TMK (to send). */
  generateWorkingKeys(tmk: KeyUnderLmk, options?: WorkingKeyOptions): Promise<WorkingKeySet>;

  generateMac(mak: KeyUnderLmk, options: MacOptions, data: Buffer): Promise<Buffer>;
  /** Compares in constant time; false on a mismatch, an error only for bad arguments. */
  verifyMac(mak: KeyUnderLmk, options: MacOptions, data: Buffer, mac: Buffer): Promise<boolean>;

  /** The PIN block re-enciphered from the terminal's PIK (or a ZPK) to a ZPK. */
  translatePinBlock(request: TranslatePinBlockRequest): Promise<Buffer>;
  /** Whether the enciphered PIN matches the PVV on file (Visa PVV). */
  verifyPinPvv(request: VerifyPvvRequest): Promise<boolean>;
  /** The PVV of an enciphered PIN block, to seed test cards: the PIN itself is never an argument. */
  generatePvvFromPinBlock(request: PvvRequest): Promise<string>;

  /** Track data re-enciphered from the terminal's TDK to the network's ZEK. */
  translateTrackData(request: TranslateTrackDataRequest): Promise<Buffer>;
  /**
   * The network side of the zone (the issuer simulator): track data under a ZEK, returned as the
   * same packed BCD with its enciphered block deciphered. A TDK is refused, so the acquirer host,
   * which holds terminals' TDKs, has no way to see a clear track.
   */
  decryptTrackData(request: DecryptTrackDataRequest): Promise<Buffer>;
  verifyCvv(request: VerifyCvvRequest): Promise<boolean>;
  /** For the issuer simulator's test cards. */
  generateCvv(request: CvvRequest): Promise<string>;

  /** Whether `arqc` is the card's cryptogram over `data`. */
  verifyArqc(request: VerifyArqcRequest): Promise<boolean>;
  /**
   * The ARPC for an ARQC (the caller verifies the ARQC first, with `arpcFollows` when it knows
   * it will ask for the ARPC, so the HSM need not derive the card's keys twice).
   */
  generateArpc(request: GenerateArpcRequest): Promise<Buffer>;

  /** A new AES-256 DEK for stored PANs. */
  generateDataKey(): Promise<KeyUnderLmk>;
  encryptPan(dek: KeyUnderLmk, pan: string): Promise<SealedPan>;
  /** The PAN; HSM_ERR_DATA_INTEGRITY if the sealed value was altered. */
  decryptPan(dek: KeyUnderLmk, sealed: SealedPan): Promise<string>;
  /** HMAC-SHA-256 of the PAN under a HASH key: equal PANs, equal hashes; 32 bytes. */
  panLookupHash(hashKey: KeyUnderLmk, pan: string): Promise<Buffer>;
}

// ---------------------------------------------------------------------------------------------
// The no-clear-PIN rule, as types. A clear PIN anywhere in Bastion must be a `ClearPin` (only the
// terminal simulator, which plays the cardholder, ever makes one), and no HSM operation may
// return or accept a value that carries one, or a field named like a clear PIN.

declare const clearPinBrand: unique symbol;

/** A clear PIN. Only the terminal simulator creates these; the HSM port never carries them. */
export type ClearPin = string & { readonly [clearPinBrand]: true };

/** Field names that would carry a clear PIN whatever their type. */
export type ClearPinFieldName = 'pin' | 'clearPin' | 'pinDigits' | 'plainPin';

type Leaf = string | number | boolean | bigint | symbol | null | undefined | Uint8Array;

/** True when `T`, or anything reachable through its fields, arrays or promises, is a ClearPin or a clear-PIN field. */
export type CarriesClearPin<T, Depth extends unknown[] = []> = Depth['length'] extends 8
  ? false
  : [T] extends [never]
    ? false
    : T extends ClearPin
      ? true
      : T extends Leaf
        ? false
        : T extends PromiseLike<infer Inner>
          ? CarriesClearPin<Inner, [...Depth, unknown]>
          : T extends readonly (infer Item)[]
            ? CarriesClearPin<Item, [...Depth, unknown]>
            : T extends object
              ? Extract<keyof T, ClearPinFieldName> extends never
                ? true extends { [K in keyof T]-?: CarriesClearPin<T[K], [...Depth, unknown]> }[keyof T]
                  ? true
                  : false
                : true
              : false;

/** The methods of `Port` whose result or any argument carries a clear PIN; `never` when none does. */
export type MethodsCarryingClearPin<Port> = {
  [K in keyof Port]-?: Port[K] extends (...args: infer Args) => infer Result
    ? true extends CarriesClearPin<Awaited<Result>> | CarriesClearPin<Args[number]>
      ? K
      : never
    : never;
}[keyof Port];
