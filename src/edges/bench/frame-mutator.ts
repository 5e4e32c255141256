import { IsoMessage, unionPayPosSpec } from '../../lib/iso8583/index.js';
import { encodeFrame, frameLayoutBytes, lengthPrefixBytes, unionPayFrameLayout } from '../../lib/iso8583/framing/index.js';
import { readTrack2 } from '../terminal-simulator/card-reader.js';
import { chipRequest } from '../terminal-simulator/chip.js';
import { terminalTpdu } from '../terminal-simulator/client.js';
import { CURRENCY_CNY, financialRequest, OPERATOR_CODE, packPlain, packWithMac, signInRequest, type TerminalIdentity } from '../terminal-simulator/messages.js';
import { pendingReversalOf, reversalRequest } from '../terminal-simulator/pending-reversal.js';
import { settlementField, settlementNetworkCodes } from '../terminal-simulator/settle.js';
import { headerFor } from '../terminal-simulator/terminal.js';
import { BENCH_MERCHANT_ID, BENCH_PIN, benchCard } from './bench-fleet.js';

/**
 * xorshift128: small, fast and repeatable. One seed gives one run's every frame, so a frame that
 * hurt the host is a bug report with its seed.
 */
export class SeededRandom {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(readonly seed: number) {
    // splitmix32 spreads the seed over the four words (none may be all zero).
    let state = seed >>> 0;
    const mix = (): number => {
      state = (state + 0x9e3779b9) >>> 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#a = mix();
    this.#b = mix();
    this.#c = mix();
    this.#d = mix() || 1;
  }

  /** A whole number in [0, 2^32). */
  next(): number {
    let t = this.#d;
    const s = this.#a;
    this.#d = this.#c;
    this.#c = this.#b;
    this.#b = s;
    t ^= t << 11;
    t ^= t >>> 8;
    this.#a = (t ^ s ^ (s >>> 19)) >>> 0;
    return this.#a;
  }

  /** A whole number in [0, n). */
  below(n: number): number {
    return Math.floor((this.next() / 0x1_0000_0000) * n);
  }

  /** A whole number in [min, max]. */
  between(min: number, max: number): number {
    return min + this.below(max - min + 1);
  }

  chance(probability: number): boolean {
    return this.next() / 0x1_0000_0000 < probability;
  }

  bytes(count: number): Buffer {
    const out = Buffer.allocUnsafe(count);
    for (let index = 0; index < count; index++) out[index] = this.next() & 0xff;
    return out;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)] as T;
  }
}

/** What kind of frame the mutator made (the report counts frames and outcomes by kind). */
export const fuzzFrameKinds = ['random', 'random-after-header', 'length', 'mutated', 'foreign'] as const;
export type FuzzFrameKind = (typeof fuzzFrameKinds)[number];

export interface FuzzFrame {
  readonly kind: FuzzFrameKind;
  /** The bytes to write, length prefix included. */
  readonly bytes: Buffer;
  /**
   * The length prefix and the bytes sent disagree (cut, or run on), so the host's view of the
   * stream is out of step: the sender must end the connection after it (`channel-fuzz.ts` does
   * it with a run of 0xFF, which the host reads as an oversize prefix whatever state it is in).
   */
  readonly desync: boolean;
}

/** A well-formed request the mutator starts from: the message from the MTI on, and whether a card was read. */
export interface FuzzTemplate {
  readonly name: 'sign-in' | 'sale' | 'balance-inquiry' | 'reversal' | 'settlement' | 'echo';
  readonly message: Buffer;
  readonly chipRead: boolean;
}

/**
 * Terminal ids of the fuzzer's messages. None is registered, and each differs from every bench
 * terminal (`9xxxxxxx`) in at least four characters, so no mutation of a few bytes turns a fuzz
 * frame into an honest terminal's (whose MAC failures would lock it).
 */
export const FUZZ_TERMINAL_IDS = ['FUZZ0001', 'FUZZ0002', 'FUZZ0003', 'FUZZ0004'] as const;
/** Not a fleet card: the bench fleet's cards are 0 to 4095. */
const FUZZ_CARD_INDEX = 9_999_999;
const TEMPLATE_DATE = '260101';

/**
 * Valid requests of every kind the mutator starts from, for the fuzz terminals: sign-in, a chip
 * and PIN sale, a balance inquiry, its reversal, a settlement and an echo test, MACed under a
 * random key (the fuzz terminals have none), all drawn from `random` so a seed fixes them.
 */
export function fuzzTemplates(random: SeededRandom): FuzzTemplate[] {
  const card = benchCard(FUZZ_CARD_INDEX);
  const templates: FuzzTemplate[] = [];
  for (const [index, terminalId] of FUZZ_TERMINAL_IDS.entries()) {
    const identity: TerminalIdentity = { terminalId, merchantId: BENCH_MERCHANT_ID, batchNumber: '000001' };
    const mak = random.bytes(8);
    const pik = random.bytes(16);
    const trace = 1 + index * 10;
    const amountMinor = BigInt(random.between(1, 999_999));
    const chip = chipRequest(card, { amountMinor, atc: 1 + index, date: TEMPLATE_DATE, type: 'sale', unpredictableNumber: random.bytes(4) });
    const presented = { pan: card.pan, expiry: card.expiry, track2: readTrack2(card), entry: 'chip' as const, panSequenceNumber: '01', field55: chip.field55 };
    const sale = financialRequest({ identity, kind: 'sale', trace: trace + 1, amountMinor, card: presented, pin: { digits: BENCH_PIN, pik } });
    const inquiry = financialRequest({ identity, kind: 'balance-inquiry', trace: trace + 2, amountMinor: 0n, card: presented, pin: { digits: BENCH_PIN, pik } });
    const settlement = new IsoMessage(unionPayPosSpec, '0500', { 11: String(trace + 4).padStart(6, '0'), 41: terminalId, 42: BENCH_MERCHANT_ID, 60: { typeCode: '00', batchNumber: '000001', networkCode: settlementNetworkCodes.settlement } })
      .set(48, settlementField({ debitAmountMinor: amountMinor, debitCount: 1n, creditAmountMinor: 0n, creditCount: 0n }))
      .set(49, CURRENCY_CNY)
      .set(63, { code: OPERATOR_CODE });
    const echo = new IsoMessage(unionPayPosSpec, '0820', { 11: String(trace + 5).padStart(6, '0'), 41: terminalId, 42: BENCH_MERCHANT_ID, 60: { typeCode: '00', batchNumber: '000001', networkCode: '301' } });
    templates.push(
      { name: 'sign-in', message: packPlain(signInRequest(identity, trace)), chipRead: false },
      { name: 'sale', message: packWithMac(sale, mak, 'des-left'), chipRead: true },
      { name: 'balance-inquiry', message: packWithMac(inquiry, mak, 'des-left'), chipRead: true },
      { name: 'reversal', message: packWithMac(reversalRequest(identity, pendingReversalOf(sale)), mak, 'des-left'), chipRead: false },
      { name: 'settlement', message: packWithMac(settlement, mak, 'des-left'), chipRead: false },
      { name: 'echo', message: packPlain(echo), chipRead: false },
    );
  }
  return templates;
}

/** The bytes in front of the MTI in a frame body (TPDU and UnionPay header). */
const HEADER_BYTES = frameLayoutBytes(unionPayFrameLayout);
/** The largest frame body the host accepts by default (`channelLimitsDefault.frameBytesMax`). */
const FRAME_BYTES_MAX_DEFAULT = 8 * 1024;
const RANDOM_BODY_BYTES_MAX = 600;
const MAC_BYTES = 8;
/** Request MTIs a terminal sends (and a few it does not). */
const MTIS = ['0100', '0200', '0220', '0320', '0400', '0420', '0500', '0620', '0800', '0820', '0830', '9999', '0210', '0000'];

type Mutation = (random: SeededRandom, message: Buffer) => Buffer;

/** Mutations of a message (MTI onward); each returns new bytes. */
const mutations: readonly Mutation[] = [
  // Bit flips.
  (random, message) => {
    const out = Buffer.from(message);
    for (let flips = random.between(1, 4); flips > 0; flips--) {
      const at = random.below(out.length);
      out[at] = (out[at] as number) ^ (1 << random.below(8));
    }
    return out;
  },
  // A random byte.
  (random, message) => {
    const out = Buffer.from(message);
    out[random.below(out.length)] = random.below(256);
    return out;
  },
  // Bytes inserted.
  (random, message) => {
    const at = random.below(message.length + 1);
    return Buffer.concat([message.subarray(0, at), random.bytes(random.between(1, 16)), message.subarray(at)]);
  },
  // Bytes deleted.
  (random, message) => {
    const at = random.below(message.length);
    return Buffer.concat([message.subarray(0, at), message.subarray(Math.min(message.length, at + random.between(1, 16)))]);
  },
  // A field of the primary or secondary bitmap switched on or off.
  (random, message) => {
    const out = Buffer.from(message);
    const bitmapBytes = message.length > 2 && ((message[2] as number) & 0x80) !== 0 ? 16 : 8;
    const at = 2 + random.below(Math.min(bitmapBytes, Math.max(1, out.length - 2)));
    if (at < out.length) out[at] = (out[at] as number) ^ (1 << random.below(8));
    return out;
  },
  // A length field corrupted: a byte that looks like a BCD length (00 to 99) put somewhere after the bitmap.
  (random, message) => {
    const out = Buffer.from(message);
    const at = Math.min(out.length - 1, 10 + random.below(Math.max(1, out.length - 10)));
    const value = random.below(100);
    out[at] = ((Math.floor(value / 10) << 4) | value % 10) & 0xff;
    return out;
  },
  // A random MAC.
  (random, message) => {
    const out = Buffer.from(message);
    if (out.length > MAC_BYTES) random.bytes(MAC_BYTES).copy(out, out.length - MAC_BYTES);
    return out;
  },
  // A valid MTI with garbage after it.
  (random, message) => Buffer.concat([message.subarray(0, 2), random.bytes(random.between(0, RANDOM_BODY_BYTES_MAX))]),
  // Cut short.
  (random, message) => message.subarray(0, random.below(message.length)),
  // Another template's tail spliced on.
  (random, message) => Buffer.concat([message.subarray(0, random.below(message.length)), message.subarray(random.below(message.length))]),
];

/**
 * Makes fuzz frames from a seed: (a) random bytes with a right length prefix, and random bytes
 * after a valid TPDU and header (with a valid MTI half the time); (b) lengths that lie: cut
 * frames, frames that run on, oversize and tiny prefixes; (c) valid sign-in, sale, inquiry,
 * reversal, settlement and echo requests mutated 1 to 4 times (bit flips, bytes replaced,
 * inserted or deleted, bitmap bits, length fields, random MACs, a valid MTI with garbage, cuts
 * and splices); (d) the well-formed requests themselves, from terminals the host does not know,
 * with MACs under keys it does not have. The same seed and templates give the same frames.
 */
export class FrameMutator {
  readonly #random: SeededRandom;
  readonly #templates: readonly FuzzTemplate[];

  constructor(random: SeededRandom, templates: readonly FuzzTemplate[] = fuzzTemplates(random)) {
    this.#random = random;
    this.#templates = templates;
  }

  next(): FuzzFrame {
    const roll = this.#random.below(100);
    if (roll < 15) return this.#pureRandom();
    if (roll < 30) return this.#randomAfterHeader();
    if (roll < 42) return this.#lengths();
    if (roll < 92) return this.#mutated();
    return this.#foreign();
  }

  #pureRandom(): FuzzFrame {
    const body = this.#random.bytes(this.#random.between(1, RANDOM_BODY_BYTES_MAX));
    return { kind: 'random', bytes: withPrefix(body), desync: false };
  }

  #randomAfterHeader(): FuzzFrame {
    const random = this.#random;
    const template = random.pick(this.#templates);
    // Half the time a readable MTI (2 bytes of BCD), so the host gets as far as the bitmap.
    const mti = random.chance(0.5) ? Buffer.from(random.pick(MTIS), 'hex') : Buffer.alloc(0);
    const message = Buffer.concat([mti, random.bytes(random.between(0, RANDOM_BODY_BYTES_MAX))]);
    return { kind: 'random-after-header', bytes: frame(template, message), desync: false };
  }

  #lengths(): FuzzFrame {
    const random = this.#random;
    const whole = frame(random.pick(this.#templates), random.pick(this.#templates).message);
    const body = whole.subarray(lengthPrefixBytes);
    switch (random.below(4)) {
      case 0: {
        // Cut: the prefix promises more than is sent.
        return { kind: 'length', bytes: whole.subarray(0, lengthPrefixBytes + random.below(body.length)), desync: true };
      }
      case 1: {
        // Runs on: the prefix says less than is sent; the rest reads as the next frame.
        const said = random.between(1, body.length - 1);
        return { kind: 'length', bytes: Buffer.concat([prefix(said), body]), desync: true };
      }
      case 2: {
        // Over the host's frame bound: refused before anything is buffered.
        const said = random.between(FRAME_BYTES_MAX_DEFAULT + 1, 0xffff);
        return { kind: 'length', bytes: Buffer.concat([prefix(said), body.subarray(0, random.below(body.length))]), desync: true };
      }
      default: {
        // Too short to hold a TPDU and header.
        const said = random.between(1, HEADER_BYTES + 1);
        return { kind: 'length', bytes: Buffer.concat([prefix(said), body.subarray(0, said)]), desync: false };
      }
    }
  }

  #mutated(): FuzzFrame {
    const random = this.#random;
    const template = random.pick(this.#templates);
    let message = template.message;
    for (let count = random.between(1, 4); count > 0 && message.length > 0; count--) message = random.pick(mutations)(random, message);
    // A message cut to nothing still goes out: a frame of just TPDU and header.
    if (random.chance(0.05)) return { kind: 'mutated', bytes: withPrefix(random.pick(mutations)(random, Buffer.concat([headerOf(template), message]))), desync: false };
    return { kind: 'mutated', bytes: frame(template, message), desync: false };
  }

  #foreign(): FuzzFrame {
    const template = this.#random.pick(this.#templates);
    return { kind: 'foreign', bytes: frame(template, template.message), desync: false };
  }
}

function prefix(length: number): Buffer {
  const out = Buffer.alloc(lengthPrefixBytes);
  out.writeUInt16BE(length);
  return out;
}

function withPrefix(body: Buffer): Buffer {
  return Buffer.concat([prefix(body.length), body]);
}

function headerOf(template: FuzzTemplate): Buffer {
  return encodeFrame({ tpdu: terminalTpdu, header: headerFor(template.chipRead), message: Buffer.alloc(0) }).subarray(lengthPrefixBytes);
}

function frame(template: FuzzTemplate, message: Buffer): Buffer {
  return withPrefix(Buffer.concat([headerOf(template), message]));
}
