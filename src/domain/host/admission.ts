import { BastionError } from '../../lib/errors/index.js';
import type { IsoMessage, UnionPayPosSpec } from '../../lib/iso8583/index.js';
import type { Merchant } from '../merchants/index.js';
import { terminalMayTransact, terminalRefusalCodes, type Terminal, type TerminalDecision } from '../terminals/index.js';
import type { HostDependencies } from './deps.js';
import { isSameTransaction, replayAnswer } from './duplicate.js';
import { macOptionsOf, recordMacCheck, requestMacVerifies } from './mac-check.js';
import { packPlain, packWithMac, replyFor } from './reply.js';
import { refusalCodes } from './response-codes.js';
import { refuseTerminal } from './refusal-event.js';
import type { HostTables } from './tables.js';
import { findAnswered, REVERSED_UNSEEN_KIND, type AnsweredRequest, type RecordKey } from './transaction-record.js';
import { lookUpTerminal } from './terminal-lookup.js';

type Request = IsoMessage<UnionPayPosSpec>;

/** A request that passed admission: its terminal and merchant, and the key it is recorded under. */
export interface Admitted {
  readonly terminal: Terminal;
  readonly merchant: Merchant;
  readonly key: RecordKey;
}

export type Admission = { readonly admitted: true; readonly value: Admitted } | { readonly admitted: false; readonly reply: Buffer };

export type Identification = { readonly identified: true; readonly terminal: Terminal; readonly merchant: Merchant } | { readonly identified: false; readonly reply: Buffer };

/**
 * The first steps of every request a signed-in terminal MACs: identify the terminal (and its
 * merchant), check that it may transact (42 and 60.2 when sent), and verify the MAC. Refusals
 * here carry no MAC: the host cannot vouch for the working keys yet.
 *
 * The terminal and merchant come from the services' caches. On PostgreSQL those can be a moment
 * behind a commit on another node (new working keys from a sign-in there, a lifted lock), so a
 * known terminal is refused — and a MAC failure counted — only on what the database says now.
 */
export async function identifyTerminal(deps: HostDependencies, request: Request, message: Buffer): Promise<Identification> {
  const remembered = await examine(deps, request, message, false);
  const examined = remembered.ok || remembered.terminal === undefined ? remembered : await examine(deps, request, message, true);
  if (examined.ok) {
    await recordMacCheck(deps, examined.terminal, true);
    return { identified: true, terminal: examined.terminal, merchant: examined.merchant };
  }
  if (examined.macFailed) {
    await recordMacCheck(deps, examined.terminal, false);
    return { identified: false, reply: packPlain(replyFor(request, refusalCodes['mac-failure'])) };
  }
  return { identified: false, reply: await refuseTerminal(deps, request, examined.decision) };
}

type Examined =
  | { readonly ok: true; readonly terminal: Terminal; readonly merchant: Merchant }
  | { readonly ok: false; readonly macFailed: true; readonly terminal: Terminal }
  | { readonly ok: false; readonly macFailed: false; readonly terminal: Terminal | undefined; readonly decision: TerminalDecision };

/** The terminal and merchant (`fresh`: from the database), whether they may transact, and the MAC check. */
async function examine(deps: HostDependencies, request: Request, message: Buffer, fresh: boolean): Promise<Examined> {
  const { terminal, merchant } = await lookUpTerminal(deps, request, fresh);
  const field60 = request.get(60);
  const merchantId = request.get(42);
  const decision = terminalMayTransact(terminal, merchant, {
    today: deps.terminals.today(),
    ...(merchantId === undefined ? {} : { merchantIdInRequest: merchantId }),
    ...(field60 === undefined ? {} : { batchNumberInRequest: field60.batchNumber }),
  });
  if (!decision.ok || terminal === undefined || merchant === undefined) {
    return { ok: false, macFailed: false, terminal, decision: decision.ok ? { ok: false, reason: 'unknown-terminal', responseCode: terminalRefusalCodes['unknown-terminal'] } : decision };
  }
  if (!(await requestMacVerifies(deps, terminal, message, request.get(64)))) return { ok: false, macFailed: true, terminal };
  return { ok: true, terminal, merchant };
}

/**
 * The steps every financial request takes before its own: identify the terminal and verify the
 * MAC (`identifyTerminal`), require 11 and 60 (batch), and answer a duplicate of an answered
 * request (terminal, batch, trace, `requestClass`) from the record.
 */
export async function admit(deps: HostDependencies, request: Request, message: Buffer, requestClass: string): Promise<Admission> {
  const identification = await identifyTerminal(deps, request, message);
  if (!identification.identified) return { admitted: false, reply: identification.reply };
  const { terminal, merchant } = identification;
  const terminalId = request.get(41) ?? '';
  const trace = request.get(11);
  const batch = request.get(60)?.batchNumber;
  if (trace === undefined || batch === undefined) return { admitted: false, reply: await respond(deps, terminal, replyFor(request, refusalCodes['missing-field'])) };
  const key: RecordKey = { terminalId, batch, trace, requestClass };
  // One indexed read on the common path; the fingerprint is compared only when a row is found.
  const answered = await findAnswered(deps.store.db<HostTables>(), key);
  if (answered !== undefined) return { admitted: false, reply: await answerDuplicate(deps, terminal, request, answered) };
  return { admitted: true, value: { terminal, merchant, key } };
}

/**
 * A request whose key is already answered: the same transaction sent again gets the recorded
 * reply (re-MAC'd under the current MAK), another transaction under the same key gets 94. A key
 * a reversal reached first (a `reversed-unseen` row) is answered 12 and never approved.
 */
export async function answerDuplicate(deps: HostDependencies, terminal: Terminal, request: Request, answered: AnsweredRequest): Promise<Buffer> {
  if (answered.kind === REVERSED_UNSEEN_KIND) return respond(deps, terminal, replyFor(request, refusalCodes['reversed-before-original']));
  if (await isSameTransaction(deps, request, answered)) return replayAnswer(deps, terminal, answered);
  return respond(deps, terminal, replyFor(request, refusalCodes['duplicate-transaction']));
}

export function terminalMak(terminal: Terminal) {
  const mak = terminal.workingKeys?.mak;
  if (mak === undefined) throw new BastionError('HOST_ERR_INTERNAL', 'a terminal that may transact has no MAK');
  return mak;
}

/** A refusal after the MAC verified: MAC'd with the terminal's MAK, not recorded. */
export async function respond(deps: HostDependencies, terminal: Terminal, reply: Request): Promise<Buffer> {
  return packWithMac(reply, deps.hsm, terminalMak(terminal), macOptionsOf(terminal));
}

/** Refuses `request` with the code of `reason` (after the MAC verified: MAC'd, not recorded). */
export function refuserFor(deps: HostDependencies, terminal: Terminal, request: Request): (reason: keyof typeof refusalCodes) => Promise<Buffer> {
  return (reason) => respond(deps, terminal, replyFor(request, refusalCodes[reason]));
}
