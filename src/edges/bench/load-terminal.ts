import { connect, type Socket } from 'node:net';
import type { TestCardDefinition } from '../../adapters/network/issuer-simulator/index.js';
import { BastionError } from '../../lib/errors/index.js';
import { decodeFrameBody, encodeFrame, FrameSplitter } from '../../lib/iso8583/framing/index.js';
import type { IsoMessage, UnionPayPosSpec } from '../../lib/iso8583/index.js';
import { channelLimitsDefault } from '../channel/limits.js';
import { readTrack2 } from '../terminal-simulator/card-reader.js';
import { chipRequest, verifyIssuerAuthentication } from '../terminal-simulator/chip.js';
import { REPLY_FRAME_BYTES_MAX, terminalTpdu } from '../terminal-simulator/client.js';
import { financialRequest, nextTrace, packPlain, packWithMac, signInRequest } from '../terminal-simulator/messages.js';
import { pendingReversalOf, reversalRequest, type PendingReversal } from '../terminal-simulator/pending-reversal.js';
import { checkReply } from '../terminal-simulator/reply-check.js';
import { headerFor } from '../terminal-simulator/terminal.js';
import { terminalLocalTime } from '../terminal-simulator/terminal-clock.js';
import { openWorkingKeys, type ClearWorkingKeys } from '../terminal-simulator/working-keys.js';

/** One load terminal's identity, its TMK in clear (as injected), and the card it presents. */
export interface LoadTerminalSpec {
  readonly terminalId: string;
  readonly merchantId: string;
  readonly tmk: Buffer;
  readonly card: TestCardDefinition;
  readonly pin: string;
}

/** What one sale came to, as the terminal saw it. */
export interface SaleOutcome {
  /** Field 39, or `timeout` / `closed` / `bad-reply` when no trustworthy answer came. */
  readonly responseCode: string;
  readonly latencyMs: number;
  readonly trace: string;
  readonly amountMinor: bigint;
  /** Field 37 and 38 of an approval. */
  readonly rrn?: string;
  readonly authCode?: string;
  /** Set when no trustworthy answer came: what the terminal must reverse (`reverse`). */
  readonly pendingReversal?: PendingReversal;
}

/** Failures that are not a response code: the outcome's code when the terminal got no answer it trusts. */
export const NO_ANSWER_TIMEOUT = 'timeout';
export const NO_ANSWER_CLOSED = 'closed';
export const NO_ANSWER_BAD_REPLY = 'bad-reply';

const EXCHANGE_TIMEOUT_MS_DEFAULT = 10_000;

/** The terminal's date (YYMMDD, tag 9A) for `nowMs`, formatted once a second: a load terminal asks thousands of times. */
let lastDate: { readonly second: number; readonly yymmdd: string } | undefined;
function terminalDate(nowMs: number): string {
  const second = Math.floor(nowMs / 1000);
  if (lastDate?.second !== second) lastDate = { second, yymmdd: terminalLocalTime(nowMs).yymmdd };
  return lastDate.yymmdd;
}

/**
 * A POS terminal for load: one persistent TCP connection, one request at a time, keys in memory
 * only. It does all a real chip terminal does per sale: a fresh trace, the card's ARQC with a
 * rising ATC, the PIN block under its PIK, the MAC under its MAK; and on the reply it checks the
 * MTI, trace and terminal, the MAC and the issuer's ARPC. Nothing is written to disk.
 */
/**
 * The loopback address load terminal `index` connects from, so that a fleet larger than the
 * channel's connections per source address (`channelLimitsDefault.connectionsPerAddressMax`) comes
 * from several addresses, as terminals in the field do: 127.0.0.1 for the first 64, 127.0.0.2 for
 * the next, … (Linux routes all of 127/8 to the loopback interface).
 */
export function loopbackSourceAddress(index: number): string {
  return `127.0.0.${1 + Math.floor(index / channelLimitsDefault.connectionsPerAddressMax)}`;
}

export class LoadTerminal {
  #socket: Socket | undefined;
  #keys: ClearWorkingKeys | undefined;
  #trace = 0;
  #atc = 0;
  #batchNumber = '000001';
  #waiting: ((body: Buffer | Error) => void) | undefined;
  #turn: Promise<void> = Promise.resolve();

  constructor(
    readonly spec: LoadTerminalSpec,
    private address: { readonly host: string; readonly port: number },
    private readonly options: { readonly timeoutMs?: number; readonly firstAtc?: number; readonly firstTrace?: number; readonly localAddress?: string } = {},
  ) {
    this.#atc = options.firstAtc ?? 0;
    this.#trace = options.firstTrace ?? 0;
  }

  get lastTrace(): number {
    return this.#trace;
  }

  get lastAtc(): number {
    return this.#atc;
  }

  /** Connects, to `address` from now on when given (the crash test's restarted node): keys, trace and ATC are kept. */
  async connect(address?: { readonly host: string; readonly port: number }): Promise<void> {
    if (address !== undefined) this.address = address;
    this.close();
    const socket = connect({ host: this.address.host, port: this.address.port, noDelay: true, ...(this.options.localAddress === undefined ? {} : { localAddress: this.options.localAddress }) });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => { resolve(); });
      socket.once('error', reject);
    });
    // Each connection has its own framing, and only the current connection speaks to the request
    // waiting: a replaced connection's events come late (its 'close' a loop turn after destroy,
    // when the next request is already waiting on the new one), and taken for that request's they
    // failed it — a sign-in the host had answered, and committed, counted as never answered, so
    // the terminal kept its old keys and MACed on with them until the host locked it.
    const splitter = new FrameSplitter({ frameBytesMax: REPLY_FRAME_BYTES_MAX });
    const current = (): boolean => this.#socket === socket;
    socket.on('data', (chunk: Buffer) => {
      if (!current()) return;
      let frames: Buffer[];
      try {
        frames = splitter.push(chunk);
      } catch (error) {
        this.#deliver(error instanceof Error ? error : new Error('frame'));
        return;
      }
      for (const frame of frames) this.#deliver(frame);
    });
    socket.on('error', () => {
      if (current()) this.#deliver(new Error(NO_ANSWER_CLOSED));
    });
    socket.on('close', () => {
      if (!current()) return;
      this.#socket = undefined;
      this.#deliver(new Error(NO_ANSWER_CLOSED));
    });
    this.#socket = socket;
  }

  /** Drops the connection; a request still waiting on it is answered `closed` now, not by the socket's late event. */
  close(): void {
    const socket = this.#socket;
    if (socket === undefined) return;
    this.#socket = undefined;
    socket.destroy();
    this.#deliver(new Error(NO_ANSWER_CLOSED));
  }

  /** 0800 sign-in: the working keys, each checked against its KCV. */
  signIn(): Promise<string> {
    return this.#oneAtATime(() => this.#signIn());
  }

  /** One chip + PIN sale of `amountMinor`; never throws for what the host answered. */
  sale(amountMinor: bigint, nowMs: number = Date.now()): Promise<SaleOutcome> {
    return this.#oneAtATime(() => this.#sale(amountMinor, nowMs));
  }

  /**
   * 0400 for a sale whose answer never came (39 = 98): the response code of the host's answer
   * (00 once reversed or never seen), or the failure's code when none came either.
   */
  reverse(pending: PendingReversal): Promise<string> {
    return this.#oneAtATime(() => this.#reverse(pending));
  }

  /**
   * A terminal does one thing at a time: callers that overlap (a sale loop and a reversal sender,
   * or a re-sign-in) take turns, so a reply can never be taken for another request's and a sign-in
   * never swaps the keys under a request in flight.
   */
  #oneAtATime<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.#turn.then(operation, operation);
    this.#turn = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  async #signIn(): Promise<string> {
    this.#trace = nextTrace(this.#trace);
    const request = signInRequest({ terminalId: this.spec.terminalId, merchantId: this.spec.merchantId, batchNumber: this.#batchNumber }, this.#trace);
    const reply = checkReply(request, await this.#exchange(packPlain(request), false), { macVariant: 'des-left', macRequiredForApproval: false });
    const code = reply.get(39) ?? '';
    if (code !== '00') return code;
    this.#keys = openWorkingKeys(this.spec.tmk, reply.get(62));
    this.#batchNumber = reply.get(60)?.batchNumber ?? this.#batchNumber;
    return code;
  }

  async #sale(amountMinor: bigint, nowMs: number): Promise<SaleOutcome> {
    const keys = this.#keys;
    if (keys === undefined) throw new BastionError('SIM_ERR_NOT_SIGNED_IN', `load terminal ${this.spec.terminalId} is not signed in`, { terminalId: this.spec.terminalId });
    const started = performance.now();
    this.#trace = nextTrace(this.#trace);
    this.#atc += 1;
    const { card } = this.spec;
    const chip = chipRequest(card, { amountMinor, atc: this.#atc, date: terminalDate(nowMs), type: 'sale' });
    const request = financialRequest({
      identity: { terminalId: this.spec.terminalId, merchantId: this.spec.merchantId, batchNumber: this.#batchNumber },
      kind: 'sale',
      trace: this.#trace,
      amountMinor,
      card: { pan: card.pan, expiry: card.expiry, track2: readTrack2(card), entry: 'chip', ...(card.emv === undefined ? {} : { panSequenceNumber: card.emv.psn }), field55: chip.field55 },
      pin: { digits: this.spec.pin, pik: keys.pik },
    });
    const trace = request.get(11) ?? '';
    const base = { trace, amountMinor };
    const unanswered = (responseCode: string): SaleOutcome => ({ ...base, responseCode, latencyMs: performance.now() - started, pendingReversal: pendingReversalOf(request) });
    let replyBytes: Buffer;
    try {
      replyBytes = await this.#exchange(packWithMac(request, keys.mak, 'des-left'), true);
    } catch (error) {
      return unanswered(error instanceof Error && error.message === NO_ANSWER_TIMEOUT ? NO_ANSWER_TIMEOUT : NO_ANSWER_CLOSED);
    }
    let reply: IsoMessage<UnionPayPosSpec>;
    try {
      reply = checkReply(request, replyBytes, { mak: keys.mak, macVariant: 'des-left', macRequiredForApproval: true });
      const code = reply.get(39) ?? '';
      // The card's own check: an answer whose ARPC does not verify is not an approval.
      if (code === '00' && !verifyIssuerAuthentication(card, chip, reply.get(55), code)) return unanswered(NO_ANSWER_BAD_REPLY);
    } catch {
      return unanswered(NO_ANSWER_BAD_REPLY);
    }
    const responseCode = reply.get(39) ?? '';
    const latencyMs = performance.now() - started;
    if (responseCode !== '00') return { ...base, responseCode, latencyMs };
    return { ...base, responseCode, latencyMs, rrn: reply.get(37) ?? '', authCode: reply.get(38) ?? '' };
  }

  async #reverse(pending: PendingReversal): Promise<string> {
    const keys = this.#keys;
    if (keys === undefined) throw new BastionError('SIM_ERR_NOT_SIGNED_IN', `load terminal ${this.spec.terminalId} is not signed in`, { terminalId: this.spec.terminalId });
    const request = reversalRequest({ terminalId: this.spec.terminalId, merchantId: this.spec.merchantId, batchNumber: this.#batchNumber }, pending);
    try {
      const reply = checkReply(request, await this.#exchange(packWithMac(request, keys.mak, 'des-left'), false), { mak: keys.mak, macVariant: 'des-left', macRequiredForApproval: true });
      return reply.get(39) ?? '';
    } catch (error) {
      return error instanceof Error && error.message === NO_ANSWER_TIMEOUT ? NO_ANSWER_TIMEOUT : error instanceof BastionError ? NO_ANSWER_BAD_REPLY : NO_ANSWER_CLOSED;
    }
  }

  #deliver(body: Buffer | Error): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.(body);
  }

  async #exchange(message: Buffer, chipRead: boolean): Promise<Buffer> {
    const socket = this.#socket;
    if (socket === undefined) throw new Error(NO_ANSWER_CLOSED);
    const timeoutMs = this.options.timeoutMs ?? EXCHANGE_TIMEOUT_MS_DEFAULT;
    const body = await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting = undefined;
        // A late reply must not be taken for the next request's: this connection is done.
        this.close();
        reject(new Error(NO_ANSWER_TIMEOUT));
      }, timeoutMs);
      this.#waiting = (received) => {
        clearTimeout(timer);
        if (received instanceof Error) reject(received);
        else resolve(received);
      };
      socket.write(encodeFrame({ tpdu: terminalTpdu, header: headerFor(chipRead), message }));
    });
    return Buffer.from(decodeFrameBody(body).message);
  }
}
