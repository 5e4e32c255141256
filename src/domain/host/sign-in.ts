import type { IsoMessage, UnionPayPosSpec } from '../../lib/iso8583/index.js';
import { terminalMaySignIn, terminalMayTransact } from '../terminals/index.js';
import type { HostDependencies } from './deps.js';
import { refuseTerminal } from './refusal-event.js';
import { packPlain, replyFor } from './reply.js';
import { lookUpTerminal } from './terminal-lookup.js';

/** 60.3 of a sign-in that asks for PIK, double-length-slot MAK and TDK (docs/protocol.md). */
export const SIGN_IN_NETWORK_CODE = '004';
const batchPattern = /^(?!000000)\d{6}$/;

/**
 * Sign-in (0800): fresh working keys under the TMK, kept under the LMK for the terminal, and
 * field 62 = PIK(16) + KCV(4) + MAK(8 + 8 zero bytes) + KCV(4) + TDK(16) + KCV(4). The terminal's
 * batch becomes 60.2 of the request, unless that batch is one the host has settled. A sign-in
 * carries no MAC (there is no MAK yet), and its reply carries none either; the KCVs are the
 * terminal's check.
 */
export async function signIn(deps: HostDependencies, request: IsoMessage<UnionPayPosSpec>): Promise<Buffer> {
  const { terminal, merchant } = await lookUpTerminal(deps, request, true);
  const merchantId = request.get(42);
  const decision = terminalMaySignIn(terminal, merchant, merchantId === undefined ? {} : { merchantIdInRequest: merchantId });
  if (!decision.ok || terminal?.tmk === undefined) return refuseTerminal(deps, request, decision);
  const field60 = request.get(60);
  const requested = field60?.batchNumber;
  // A batch the host has settled takes no more transactions: a terminal that asks for it again
  // (say, restored from an old state) is given the batch the host holds, which it adopts from 60.2.
  const reopens = requested !== undefined && requested !== terminal.batchNumber && (await deps.settlement.isBatchClosed(terminal.terminalId, requested));
  const batch = requested !== undefined && batchPattern.test(requested) && !reopens ? requested : terminal.batchNumber;
  const keys = await deps.hsm.generateWorkingKeys(terminal.tmk);
  // The keys and their audit row commit together: keys nobody recorded never reach a terminal,
  // and a failure leaves the terminal on its old keys (answered 96 by the pipeline).
  const atMs = deps.clock();
  await deps.store.db().transaction().execute(async (trx) => {
    await deps.terminals.recordSignInWithin(trx, terminal, { pik: keys.pik.underLmk, mak: keys.mak.underLmk, tdk: keys.tdk.underLmk }, batch, atMs);
    await deps.audit.appendWithin(trx, { actor: `terminal:${terminal.terminalId}`, action: 'terminal.sign-in', target: terminal.terminalId, source: 'channel', outcome: 'success', details: { batch, pikKcv: keys.pik.kcv.toString('hex'), makKcv: keys.mak.kcv.toString('hex'), tdkKcv: keys.tdk.kcv.toString('hex') } });
  });
  const reply = replyFor(request, '00', false);
  reply.set(60, { typeCode: field60?.typeCode ?? '00', batchNumber: batch, networkCode: field60?.networkCode ?? SIGN_IN_NETWORK_CODE });
  reply.set(62, Buffer.concat([keys.pik.underTmk, keys.pik.kcv, keys.mak.underTmk, keys.mak.kcv, keys.tdk.underTmk, keys.tdk.kcv]));
  return packPlain(reply);
}

/** Sign-out (0820, 60.3 = 002): the working keys are erased; the terminal must sign in again. */
export async function signOut(deps: HostDependencies, request: IsoMessage<UnionPayPosSpec>): Promise<Buffer> {
  const { terminal, merchant } = await lookUpTerminal(deps, request, true);
  const merchantId = request.get(42);
  const decision = terminalMayTransact(terminal, merchant, { today: deps.terminals.today(), ...(merchantId === undefined ? {} : { merchantIdInRequest: merchantId }) });
  if (!decision.ok || terminal === undefined) return refuseTerminal(deps, request, decision);
  await deps.store.db().transaction().execute(async (trx) => {
    await deps.terminals.signOutWithin(trx, terminal);
    await deps.audit.appendWithin(trx, { actor: `terminal:${terminal.terminalId}`, action: 'terminal.sign-out', target: terminal.terminalId, source: 'channel', outcome: 'success' });
  });
  return packPlain(replyFor(request, '00'));
}
