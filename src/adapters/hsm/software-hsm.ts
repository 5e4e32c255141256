import { inspect } from 'node:util';
import { secureRandom, toHex, type RandomSource } from '../../lib/crypto/index.js';
import type {
  ClearKeyComponent,
  CvvRequest,
  DecryptTrackDataRequest,
  ExportedKey,
  GenerateArpcRequest,
  HsmPort,
  HsmStatus,
  ImportComponentsRequest,
  KeyAlgorithm,
  KeyExportFormat,
  KeyType,
  KeyUnderLmk,
  MacOptions,
  PvvRequest,
  SealedPan,
  TranslatePinBlockRequest,
  TranslateTrackDataRequest,
  VerifyArqcRequest,
  VerifyCvvRequest,
  VerifyPvvRequest,
  WorkingKeyOptions,
  WorkingKeySet,
} from '../../ports/hsm.js';
import { generateCvv, verifyCvv } from './card-operations.js';
import { CryptogramKeyHandoff } from './cryptogram-key-handoff.js';
import { generateArpc, verifyArqc } from './emv-operations.js';
import { exportKeyAsComponents, exportKeyUnderKek, generateKey, generateWorkingKeys, importKeyFromComponents } from './key-operations.js';
import { Keyring } from './keyring.js';
import type { LocalMasterKey } from './local-master-key.js';
import { generateMac, verifyMac } from './mac-operations.js';
import { decryptPan, encryptPan, panLookupHash } from './pan-operations.js';
import { generatePvvFromPinBlock, translatePinBlock, verifyPinPvv } from './pin-operations.js';
import { decryptTrackData, translateTrackData } from './track-data.js';

export interface SoftwareHsmOptions {
  /**
   * Where key material and PIN block fill come from (default: the system CSPRNG). Tests inject a
   * fixed source to reproduce published key layouts; GCM nonces always come from the CSPRNG.
   */
  readonly random?: RandomSource;
  /**
   * Unwrapped keys kept in memory, each with the cipher objects (key schedules) prepared from it
   * for the operations it served (default 4096 keys; 0 turns the cache off).
   */
  readonly cacheEntriesMax?: number;
  /**
   * Cryptogram keys of verified ARQCs kept for the ARPC that follows (`VerifyArqcRequest.arpcFollows`;
   * default 256, 0 turns it off), each for one ARPC and at most a few seconds.
   */
  readonly arpcHandoffEntriesMax?: number;
}

/**
 * The HSM port in software, over the crypto library. The LMK lives only in memory (in a
 * LocalMasterKey); every key crosses the port as a KeyUnderLmk and is opened here, checked for
 * type, integrity and KCV, and used. Compared with a real HSM it has no tamper-resistant
 * boundary: whoever can read this process's memory, or the sealed LMK file and its passphrase,
 * has every key. That is acceptable for development, tests and small deployments that accept
 * the risk; production acquiring should put a network HSM behind the same port.
 *
 * Every operation runs synchronously inside the returned promise, so a thrown error always
 * arrives as a rejection.
 */
export class SoftwareHsm implements HsmPort {
  readonly #keyring: Keyring;
  readonly #random: RandomSource;
  readonly #arpcHandoff: CryptogramKeyHandoff;

  constructor(lmk: LocalMasterKey, options: SoftwareHsmOptions = {}) {
    this.#keyring = new Keyring(lmk, options.cacheEntriesMax);
    this.#arpcHandoff = new CryptogramKeyHandoff(options.arpcHandoffEntriesMax === undefined ? {} : { entriesMax: options.arpcHandoffEntriesMax });
    this.#random = options.random ?? secureRandom;
  }

  #run<T>(operation: () => T): Promise<T> {
    return new Promise<T>((resolve) => {
      resolve(operation());
    });
  }

  status(): Promise<HsmStatus> {
    return this.#run(() => ({ implementation: 'software', lmkKcv: Buffer.from(this.#keyring.lmkKcv), development: this.#keyring.development }));
  }

  generateKey(type: KeyType, algorithm?: KeyAlgorithm): Promise<KeyUnderLmk> {
    return this.#run(() => generateKey(this.#keyring, this.#random, type, algorithm));
  }

  importKeyFromComponents(request: ImportComponentsRequest): Promise<KeyUnderLmk> {
    return this.#run(() => importKeyFromComponents(this.#keyring, request));
  }

  exportKeyUnderKek(key: KeyUnderLmk, kek: KeyUnderLmk, format?: KeyExportFormat): Promise<ExportedKey> {
    return this.#run(() => exportKeyUnderKek(this.#keyring, key, kek, format));
  }

  exportKeyAsComponents(key: KeyUnderLmk, count: number): Promise<readonly ClearKeyComponent[]> {
    return this.#run(() => exportKeyAsComponents(this.#keyring, this.#random, key, count));
  }

  generateWorkingKeys(tmk: KeyUnderLmk, options?: WorkingKeyOptions): Promise<WorkingKeySet> {
    return this.#run(() => generateWorkingKeys(this.#keyring, this.#random, tmk, options));
  }

  generateMac(mak: KeyUnderLmk, options: MacOptions, data: Buffer): Promise<Buffer> {
    return this.#run(() => generateMac(this.#keyring, mak, options, data));
  }

  verifyMac(mak: KeyUnderLmk, options: MacOptions, data: Buffer, mac: Buffer): Promise<boolean> {
    return this.#run(() => verifyMac(this.#keyring, mak, options, data, mac));
  }

  translatePinBlock(request: TranslatePinBlockRequest): Promise<Buffer> {
    return this.#run(() => translatePinBlock(this.#keyring, this.#random, request));
  }

  verifyPinPvv(request: VerifyPvvRequest): Promise<boolean> {
    return this.#run(() => verifyPinPvv(this.#keyring, request));
  }

  generatePvvFromPinBlock(request: PvvRequest): Promise<string> {
    return this.#run(() => generatePvvFromPinBlock(this.#keyring, request));
  }

  translateTrackData(request: TranslateTrackDataRequest): Promise<Buffer> {
    return this.#run(() => translateTrackData(this.#keyring, request));
  }

  decryptTrackData(request: DecryptTrackDataRequest): Promise<Buffer> {
    return this.#run(() => decryptTrackData(this.#keyring, request));
  }

  verifyCvv(request: VerifyCvvRequest): Promise<boolean> {
    return this.#run(() => verifyCvv(this.#keyring, request));
  }

  generateCvv(request: CvvRequest): Promise<string> {
    return this.#run(() => generateCvv(this.#keyring, request));
  }

  verifyArqc(request: VerifyArqcRequest): Promise<boolean> {
    return this.#run(() => verifyArqc(this.#keyring, request, this.#arpcHandoff));
  }

  generateArpc(request: GenerateArpcRequest): Promise<Buffer> {
    return this.#run(() => generateArpc(this.#keyring, request, this.#arpcHandoff));
  }

  generateDataKey(): Promise<KeyUnderLmk> {
    return this.#run(() => generateKey(this.#keyring, this.#random, 'DEK', 'aes-256'));
  }

  encryptPan(dek: KeyUnderLmk, pan: string): Promise<SealedPan> {
    return this.#run(() => encryptPan(this.#keyring, dek, pan));
  }

  decryptPan(dek: KeyUnderLmk, sealed: SealedPan): Promise<string> {
    return this.#run(() => decryptPan(this.#keyring, dek, sealed));
  }

  panLookupHash(hashKey: KeyUnderLmk, pan: string): Promise<Buffer> {
    return this.#run(() => panLookupHash(this.#keyring, hashKey, pan));
  }

  /**
   * Wipes the cached clear keys and drops the cipher objects prepared from them, and the
   * cryptogram keys waiting for their ARPC (the LMK is wiped by its owner, LocalMasterKey.destroy).
   */
  forgetCachedKeys(): void {
    this.#keyring.forget();
    this.#arpcHandoff.clear();
  }

  toJSON(): { implementation: 'software'; lmkKcv: string } {
    return { implementation: 'software', lmkKcv: toHex(this.#keyring.lmkKcv) };
  }

  [inspect.custom](): string {
    return `SoftwareHsm(LMK KCV ${toHex(this.#keyring.lmkKcv)})`;
  }
}
