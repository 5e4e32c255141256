import { BastionError } from '../../lib/errors/index.js';
import type { IsoMessage, UnionPayPosSpec } from '../../lib/iso8583/index.js';
import type { Merchant } from '../merchants/index.js';
import { totalsEqual, ZERO_TOTALS, type SettledBatch } from '../settlement/index.js';
import { terminalMayTransact, terminalRefusalCodes, type Terminal } from '../terminals/index.js';
import type { HostDependencies } from './deps.js';
import { macOptionsOf, verifyRequestMac } from './mac-check.js';
import { refuseTerminal } from './refusal-event.js';
import { hostCodec, packPlain, packWithMac, replyFor } from './reply.js';
import { refusalCodes } from './response-codes.js';
import { readSettlementField, writeSettlementField } from './settlement-field.js';
import { countedTransactions, totalsOf } from './settlement-totals.js';
import type { HostTables } from './tables.js';
import { lookUpTerminal } from './terminal-lookup.js';

type Request = IsoMessage<UnionPayPosSpec>;

/** 60.3 of a settlement (0500) and of a magnetic-stripe batch-upload detail (0320). */
export const SETTLEMENT_NETWORK_CODE = '201';

/** Answer when a settlement or upload names a batch the host does not hold for the terminal: sign in again. */
export const WRONG_BATCH_RESPONSE_CODE = terminalRefusalCodes['batch-mismatch'];

export type BatchAdmission =
  | { readonly ok: true; readonly terminal: Terminal; readonly merchant: Merchant; readonly batchNumber: string; readonly settled: SettledBatch | undefined }
  | { readonly ok: false; readonly reply: Buffer };

/**
 * What a settlement (0500) and a batch upload (0320) must pass, in order: the terminal is
 * identified and signed in today (the codes of a financial request), 60.2 names its current
 * batch or one it has settled (a repeated 0500, the upload of a batch that did not balance, or
 * the end message after it closed), else 77 as for any request of another batch; then field 64
 * verifies (A0). Both messages are MAC'd: settlement closes a batch, so the host must know the
 * terminal sent it (docs/protocol.md says why, where some terminals send no MAC here).
 */
export async function admitBatchMessage(deps: HostDependencies, request: Request, message: Buffer): Promise<BatchAdmission> {
  const { terminal, merchant } = await lookUpTerminal(deps, request, true);
  const merchantId = request.get(42);
  const decision = terminalMayTransact(terminal, merchant, { today: deps.terminals.today(), ...(merchantId === undefined ? {} : { merchantIdInRequest: merchantId }) });
  if (!decision.ok || terminal === undefined || merchant === undefined) return { ok: false, reply: await refuseTerminal(deps, request, decision) };
  const batchNumber = request.get(60)?.batchNumber;
  const settled = batchNumber === undefined ? undefined : await deps.settlement.find(terminal.terminalId, batchNumber);
  if (batchNumber !== undefined && settled === undefined && batchNumber !== terminal.batchNumber) return { ok: false, reply: packPlain(replyFor(request, WRONG_BATCH_RESPONSE_CODE)) };
  if (!(await verifyRequestMac(deps, terminal, message, request.get(64)))) return { ok: false, reply: packPlain(replyFor(request, refusalCodes['mac-failure'])) };
  if (batchNumber === undefined || request.get(11) === undefined) return { ok: false, reply: await respondWithMac(deps, terminal, replyFor(request, refusalCodes['missing-field'])) };
  return { ok: true, terminal, merchant, batchNumber, settled };
}

/**
 * Settlement (0500, 60.3 = 201): the host counts the batch from its own records (approved, of a
 * counted kind: settlement-totals.ts) and compares with field 48. The 0510 carries 39 = 00, 15 =
 * the settlement date (MMDD of the host's business day) and 48 echoed with each half's code: 1
 * balanced, 2 not balanced. Balanced: the batch closes and the terminal's batch number advances,
 * in one database transaction. Not balanced: the batch waits for the terminal's batch upload
 * (batch-upload.ts). A repeated 0500 for a settled batch gets the first answer again (replaySettlement).
 */
export async function settlement(deps: HostDependencies, request: Request, message: Buffer): Promise<Buffer> {
  const admitted = await admitBatchMessage(deps, request, message);
  if (!admitted.ok) return admitted.reply;
  const { terminal, merchant, batchNumber, settled } = admitted;
  if (settled !== undefined) return replaySettlement(deps, terminal, request, settled);
  const claim = readSettlementField(request.get(48));
  if (claim === undefined) return respondWithMac(deps, terminal, replyFor(request, refusalCodes['missing-field']));

  const hostTotals = totalsOf(await countedTransactions(deps.store.db<HostTables>(), terminal.terminalId, batchNumber));
  const domesticResult = totalsEqual(claim.domestic, hostTotals) ? '1' : '2';
  // Every card the host takes today is counted as domestic (UnionPay): the foreign half balances
  // only when the terminal counted no foreign cards either.
  const foreignResult = totalsEqual(claim.foreign, ZERO_TOTALS) ? '1' : '2';
  const reply = replyFor(request, '00');
  reply.set(15, deps.terminals.today().slice(4));
  reply.set(48, writeSettlementField(claim, { domestic: domesticResult, foreign: foreignResult }));
  const packed = await respondWithMac(deps, terminal, reply);
  const atMs = deps.clock();
  const recorded = await deps.store.db().transaction().execute(async (trx) => {
    const batch = await deps.settlement.settleWithin(trx, { terminalId: terminal.terminalId, merchantId: merchant.merchantId, batchNumber, terminalTotals: claim, hostTotals, domesticResult, foreignResult, response: packed, atMs });
    if (batch?.status === 'closed') await deps.terminals.advanceBatchWithin(trx, terminal, batchNumber);
    return batch;
  });
  if (recorded !== undefined) return packed;
  // A copy of this 0500 on another connection recorded first: answer as it was answered.
  const winner = await deps.settlement.find(terminal.terminalId, batchNumber);
  if (winner === undefined) throw new BastionError('HOST_ERR_DUPLICATE', 'a repeated settlement lost the race, but the first one is not recorded');
  return replaySettlement(deps, terminal, request, winner);
}

/** A reply after the MAC verified: MAC'd with the terminal's MAK. */
export async function respondWithMac(deps: HostDependencies, terminal: Terminal, reply: Request): Promise<Buffer> {
  const mak = terminal.workingKeys?.mak;
  if (mak === undefined) throw new BastionError('HOST_ERR_INTERNAL', 'a terminal that may transact has no MAK');
  return packWithMac(reply, deps.hsm, mak, macOptionsOf(terminal));
}

/**
 * A settlement for a batch already settled (the terminal lost the first reply, or its state) is
 * answered as the first one was: 39 = 00 and the first reply's 15 and 48 (the totals the terminal
 * claimed then, with the host's codes then), answering this request's 11 and MAC'd under the
 * terminal's current MAK. Nothing is counted or recorded again.
 */
async function replaySettlement(deps: HostDependencies, terminal: Terminal, request: Request, settled: SettledBatch): Promise<Buffer> {
  const first = hostCodec.unpack(settled.settlementResponse);
  const reply = replyFor(request, '00');
  const date = first.get(15);
  const totals = first.get(48);
  if (date !== undefined) reply.set(15, date);
  if (totals !== undefined) reply.set(48, totals);
  return respondWithMac(deps, terminal, reply);
}
