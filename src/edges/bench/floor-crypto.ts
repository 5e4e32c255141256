import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import {
  adjustOddParity,
  emvAtcDiversifier,
  emvCommonSessionKey,
  EmvCryptogramKey,
  EmvIssuerMasterKey,
  equalBytes,
  PinBlockCipher,
  PinBlockTranslator,
  PvvCalculator,
  UnionPayEcbMac,
} from '../../lib/crypto/index.js';
import { BastionError } from '../../lib/errors/index.js';
import { readTrack2 } from '../terminal-simulator/card-reader.js';
import { cdol1Elements, chipRequest } from '../terminal-simulator/chip.js';
import { financialRequest, packWithMac } from '../terminal-simulator/messages.js';
import { BENCH_MERCHANT_ID, BENCH_PIN, benchCard, benchTerminalId } from './bench-fleet.js';

/** Sales per second of the crypto one chip + PIN sale costs, on one core, nothing else done. */
export interface CryptoFloor {
  /** The host's side: the host, its HSM and the issuer (simulator) behind it. */
  readonly hostSalesPerSecond: number;
  /** The terminal's side: the PIN pad, the card and the terminal's MACs. */
  readonly terminalSalesPerSecond: number;
  /** Both sides one after the other, as one core running host and terminals would do them. */
  readonly bothSalesPerSecond: number;
  /** What one sale costs on each side, named (see `hostOperations` and `terminalOperations`). */
  readonly operationsPerSale: { readonly host: number; readonly terminal: number };
}

export interface CryptoFloorOptions {
  /** Measured milliseconds per side (default 1000). */
  readonly durationMs?: number;
}

const DURATION_MS_DEFAULT = 1000;
/** Sales whose requests and replies are made ahead and used in turn. */
const SALES_PREPARED = 64;

/**
 * Every operation of a chip + PIN sale, counted from the code that does them: the terminal
 * simulator (`messages.ts`, `chip.ts`, `reply-check.ts`), the host (`mac-check.ts`,
 * `financial.ts`, `reply.ts`, the PAN vault) and the issuer simulator (`pin-check.ts`,
 * `card-authentication.ts`, its PAN look-up). The issuer derives the card's session key twice,
 * once for the ARQC and once for the ARPC (two HSM calls), and so does the terminal (the card's
 * ARQC, then its check of the ARPC); the floor does the same.
 */
export const terminalOperations = [
  'PIN block format 0 enciphered under the PIK',
  'ICC master key (option A) and common session key, for the ARQC',
  'ARQC: ISO 9797-1 algorithm 3 MAC over CDOL1 data',
  'request MAC: UnionPay ECB MAC under the MAK',
  'reply MAC: UnionPay ECB MAC recomputed and compared',
  'ICC master key and session key again, for the ARPC check',
  'ARPC method 1 recomputed and compared',
] as const;

export const hostOperations = [
  'request MAC: UnionPay ECB MAC recomputed and compared',
  'PIN block translated PIK → ZPK (format 0 to format 0)',
  'PAN look-up hash in the issuer: HMAC-SHA-256',
  'PIN verified: PIN block deciphered under the ZPK, Visa PVV computed and compared',
  'ARQC verified: ICC master key (option A), common session key, algorithm 3 MAC, compared',
  'ARPC method 1: ICC master key and session key again, TDES of ARQC ⊕ ARC',
  'reply MAC: UnionPay ECB MAC',
  'PAN look-up hash in the PAN vault: HMAC-SHA-256',
  'PAN sealed as the vault does for a PAN it has not seen: AES-256-GCM',
] as const;

const panSealLabel = Buffer.from('bastion/card-data/pan/v1', 'latin1');
const panLookupLabel = Buffer.from('bastion/card-data/pan-lookup/v1\u0000', 'latin1');

function desKey(lengthBytes: 8 | 16): Buffer {
  return adjustOddParity(randomBytes(lengthBytes));
}

/**
 * The crypto floor: the sale's cryptography alone, with the project's crypto library (node:crypto
 * underneath), keys in clear, nothing stored, nothing sent. Long-lived keys — the terminal's MAK
 * and PIK, the zone's ZPK, the issuer's PVK and IMK-AC — are prepared once (their cipher contexts,
 * so their key schedules, kept), as the software HSM keeps them with each cached key and as a
 * terminal can keep its working keys until its next sign-in. What is the card's is derived per sale:
 * the ICC master key from the IMK and the session key from the ATC, and their cryptogram objects.
 * Unwrapping keys from under the LMK is left out (the HSM caches unwrapped keys), and so is every
 * ISO 8583 pack and unpack: this is the cryptography, not the messages.
 * Every check is made and must pass; a failure is CRYPTO_ERR_MAC_MISMATCH (a bug here, not a rate).
 */
export function measureCryptoFloor(options: CryptoFloorOptions = {}): CryptoFloor {
  const durationMs = options.durationMs ?? DURATION_MS_DEFAULT;
  const sale = new SaleCrypto();
  // Requests and replies made ahead, so each side is timed alone on what the other side produces
  // (the pure crypto does not see a replayed ATC; the issuer's high-water mark is a store check).
  const requests = Array.from({ length: SALES_PREPARED }, (_, n) => sale.terminalRequest(n));
  const replies = requests.map((request) => sale.host(request));
  // Warm-up (JIT, OpenSSL's first key schedules) before anything is timed.
  for (let n = 0; n < SALES_PREPARED; n++) sale.terminalReply(at(replies, n));
  const requestPerSecond = ratePerSecond(durationMs, (n) => { sale.terminalRequest(n); });
  const replyPerSecond = ratePerSecond(durationMs, (n) => { sale.terminalReply(at(replies, n)); });
  const hostSalesPerSecond = ratePerSecond(durationMs, (n) => { sale.host(at(requests, n)); });
  const bothSalesPerSecond = ratePerSecond(durationMs, (n) => { sale.terminalReply(sale.host(sale.terminalRequest(n))); });
  return {
    hostSalesPerSecond,
    terminalSalesPerSecond: 1 / (1 / requestPerSecond + 1 / replyPerSecond),
    bothSalesPerSecond,
    operationsPerSale: { host: hostOperations.length, terminal: terminalOperations.length },
  };
}

function at<T>(items: readonly T[], n: number): T {
  const item = items[n % items.length];
  if (item === undefined) throw new BastionError('BENCH_ERR_ARGUMENT', 'the crypto floor has no prepared sales', { argument: 'sales' });
  return item;
}

/** Runs `work(n)` for `durationMs` (at least 16 times) and returns how many per second it did. */
function ratePerSecond(durationMs: number, work: (n: number) => void): number {
  const startedAt = performance.now();
  const endsAt = startedAt + durationMs;
  let count = 0;
  let now = startedAt;
  do {
    for (let i = 0; i < 16; i++) work(count++);
    now = performance.now();
  } while (now < endsAt);
  return count / ((now - startedAt) / 1000);
}

interface TerminalRequest {
  readonly pinBlock: Buffer;
  readonly atc: Buffer;
  readonly cdolData: Buffer;
  readonly arqc: Buffer;
  readonly mac: Buffer;
}

interface HostReply {
  readonly arqc: Buffer;
  readonly atc: Buffer;
  readonly arpc: Buffer;
  readonly mac: Buffer;
}

/**
 * One fleet's keys and one realistic sale's bytes, and each side's operations over them. Each
 * side holds its own prepared objects, as the terminal and the HSM each do.
 */
class SaleCrypto {
  readonly #card = benchCard(0);
  readonly #pan = this.#card.pan;
  readonly #psn = this.#card.emv?.psn ?? '01';
  readonly #pik = desKey(16);
  readonly #mak = desKey(8);
  readonly #zpk = desKey(16);
  readonly #pvk = desKey(16);
  readonly #imkAc = desKey(16);
  readonly #hashKey = randomBytes(32);
  readonly #dek = randomBytes(32);
  readonly #pvv: string;
  /** MTI..63 of a real chip + PIN sale request and (near enough: the same length) of its reply. */
  readonly #macData: Buffer;
  /** The terminal's prepared keys; the card's IMK (the simulated card derives its keys from it). */
  readonly #terminal = {
    mac: new UnionPayEcbMac(this.#mak, { variant: 'des-left', keyName: 'mak' }),
    pinBlock: new PinBlockCipher(0, this.#pik, { key: 'pik' }),
    card: new EmvIssuerMasterKey(this.#imkAc),
  };
  /** The HSM's prepared keys, one object per key and use, as it keeps them with its cached keys. */
  readonly #hsm = {
    mac: new UnionPayEcbMac(this.#mak, { variant: 'des-left', keyName: 'mak' }),
    pik: new PinBlockCipher(0, this.#pik, { key: 'sourceKey' }),
    zpk: new PinBlockCipher(0, this.#zpk, { key: 'targetKey' }),
    pvk: new PvvCalculator(this.#pvk),
    imkAc: new EmvIssuerMasterKey(this.#imkAc, 'imkAc'),
  };

  constructor() {
    const chip = chipRequest(this.#card, { amountMinor: 1234n, atc: 1, date: '261121', type: 'sale' });
    const request = financialRequest({
      identity: { terminalId: benchTerminalId(0), merchantId: BENCH_MERCHANT_ID, batchNumber: '000001' },
      kind: 'sale',
      trace: 1,
      amountMinor: 1234n,
      card: { pan: this.#pan, expiry: this.#card.expiry, track2: readTrack2(this.#card), entry: 'chip', panSequenceNumber: this.#psn, field55: chip.field55 },
      pin: { digits: BENCH_PIN, pik: this.#pik },
    });
    const packed = packWithMac(request, this.#mak, 'des-left');
    this.#macData = packed.subarray(0, packed.length - 8);
    this.#pvv = new PvvCalculator(this.#pvk).compute('1', this.#pan, BENCH_PIN);
  }

  /** The card's session key for `atc`: its ICC master key, then the common session key, per sale. */
  #sessionKey(imkAc: EmvIssuerMasterKey, atc: Buffer): Buffer {
    const masterKey = imkAc.deriveIccMasterKey(this.#pan, this.#psn, 'A');
    try {
      return emvCommonSessionKey(masterKey, emvAtcDiversifier(atc));
    } finally {
      masterKey.fill(0);
    }
  }

  /** The terminal's side up to the request leaving: PIN block, the card's ARQC, the request MAC. */
  terminalRequest(n: number): TerminalRequest {
    const pinBlock = this.#terminal.pinBlock.encrypt(BENCH_PIN, this.#pan);
    const atc = Buffer.alloc(2);
    atc.writeUInt16BE((n % 0xfffe) + 1);
    const cdolData = Buffer.concat(cdol1Elements({ amountMinor: BigInt(100 + (n % 9900)), date: '261121', type: 'sale', unpredictableNumber: randomBytes(4), atc }).map((element) => element.value));
    const sessionKey = this.#sessionKey(this.#terminal.card, atc);
    const arqc = new EmvCryptogramKey(sessionKey, 'sessionKey').arqc(cdolData, 2);
    sessionKey.fill(0);
    const mac = this.#terminal.mac.compute(this.#macData);
    return { pinBlock, atc, cdolData, arqc, mac };
  }

  /** The host's side, issuer included, for one request: what the terminal checks in the reply. */
  host(request: TerminalRequest): HostReply {
    const hsm = this.#hsm;
    if (!equalBytes(hsm.mac.compute(this.#macData), request.mac)) throw mismatch('request MAC');
    // The HSM pairs the two prepared PIN ciphers per call (no new key schedule).
    const zonePinBlock = new PinBlockTranslator(hsm.pik, hsm.zpk).translate(request.pinBlock, this.#pan);
    createHmac('sha256', this.#hashKey).update(panLookupLabel).update(this.#pan, 'latin1').digest();
    const pin = hsm.zpk.decrypt(zonePinBlock, this.#pan);
    if (!hsm.pvk.verify('1', this.#pan, pin, this.#pvv)) throw mismatch('PVV');
    const arqcKey = this.#sessionKey(hsm.imkAc, request.atc);
    const arqcOk = equalBytes(new EmvCryptogramKey(arqcKey, 'imkAc').arqc(request.cdolData, 2), request.arqc);
    arqcKey.fill(0);
    if (!arqcOk) throw mismatch('ARQC');
    const arpcKey = this.#sessionKey(hsm.imkAc, request.atc);
    const arpc = new EmvCryptogramKey(arpcKey, 'imkAc').arpc(request.arqc, { method: 1, arc: Buffer.from('00', 'latin1') });
    arpcKey.fill(0);
    const replyMac = hsm.mac.compute(this.#macData);
    createHmac('sha256', this.#hashKey).update(panLookupLabel).update(this.#pan, 'latin1').digest();
    sealPan(this.#dek, this.#pan);
    return { arqc: request.arqc, atc: request.atc, arpc, mac: replyMac };
  }

  /** The terminal's side of the reply: its MAC, then the card's check of the ARPC. */
  terminalReply(reply: HostReply): void {
    this.#terminal.mac.verify(this.#macData, reply.mac);
    const sessionKey = this.#sessionKey(this.#terminal.card, reply.atc);
    const expected = new EmvCryptogramKey(sessionKey, 'sessionKey').arpcMethod1(reply.arqc, Buffer.from('00', 'latin1'));
    sessionKey.fill(0);
    if (!equalBytes(expected, reply.arpc)) throw mismatch('ARPC');
  }
}

/** AES-256-GCM of the PAN under the DEK, the purpose label as additional data (as the PAN vault seals). */
function sealPan(dek: Buffer, pan: string): void {
  const cipher = createCipheriv('aes-256-gcm', dek, randomBytes(12), { authTagLength: 16 });
  cipher.setAAD(panSealLabel);
  const plaintext = Buffer.from(pan, 'latin1');
  Buffer.concat([cipher.update(plaintext), cipher.final()]);
  cipher.getAuthTag();
  plaintext.fill(0);
}

function mismatch(what: string): BastionError {
  return new BastionError('CRYPTO_ERR_MAC_MISMATCH', `the crypto floor's own ${what} check failed: the floor is wrong, not slow`, { check: what });
}
