import { BastionError } from '../../lib/errors/index.js';
import type { IsoMessage, UnionPayPosSpec } from '../../lib/iso8583/index.js';
import {
  unionPayAidListPage,
  unionPayCapkListPage,
  unionPayDecodeAidDownloadRequest,
  unionPayDecodeCapkDownloadRequest,
  unionPayDecodeParamQuery,
  unionPayEncodeAidDownloadReply,
  unionPayEncodeCapkDownloadReply,
} from '../../lib/tlv/index.js';
import type { EmvParamService } from '../emv-params/index.js';
import { terminalMayTransact, type Terminal } from '../terminals/index.js';
import type { HostDependencies } from './deps.js';
import { refuseTerminal } from './refusal-event.js';
import { packPlain, replyFor } from './reply.js';
import { refusalCodes } from './response-codes.js';
import { lookUpTerminal } from './terminal-lookup.js';

type Request = IsoMessage<UnionPayPosSpec>;

/** 60.3 of the parameter exchanges (PROTOCOL.md; docs/protocol.md "Parameter download"). */
export const paramNetworkCodes = {
  capkQuery: '372',
  capkDownload: '370',
  capkEnd: '371',
  aidQuery: '382',
  aidDownload: '380',
  aidEnd: '381',
} as const;

/**
 * The parameter download exchanges: a query (0820) lists what the host has, page by page (field 62
 * starts '2' while more pages follow, '1' on the last, '0' when there is nothing); the terminal then
 * downloads each key or AID (0800) and ends with 371 / 381, after which the host records it as up to
 * date. These are network management messages like the sign-in: no MAC is asked for or sent. What
 * they carry is public (CA public keys, risk parameters), and a forged end message can only clear
 * the download request in one terminal's reply headers. The terminal must still be known, active,
 * bound and signed in today, like any request after sign-in. (Not checked against a live UnionPay
 * host: the choice is written down in docs/protocol.md.)
 */
export function capkQuery(deps: HostDependencies, request: Request): Promise<Buffer> {
  return withAdmitted(deps, request, async (params, reply) => {
    const query = unionPayDecodeParamQuery(field62(request));
    reply.set(62, unionPayCapkListPage(await params.capks(), query.receivedCount, params.pageBytesMax));
  });
}

export function capkDownload(deps: HostDependencies, request: Request): Promise<Buffer> {
  return withAdmitted(deps, request, async (params, reply) => {
    const key = unionPayDecodeCapkDownloadRequest(field62(request));
    reply.set(62, unionPayEncodeCapkDownloadReply(await params.capk(key.rid, key.index)));
  });
}

export function capkEnd(deps: HostDependencies, request: Request): Promise<Buffer> {
  return withAdmitted(deps, request, async (params, _reply, terminal) => {
    await params.recordDownloadComplete(terminal.terminalId, 'capks');
  });
}

export function aidQuery(deps: HostDependencies, request: Request): Promise<Buffer> {
  return withAdmitted(deps, request, async (params, reply) => {
    const query = unionPayDecodeParamQuery(field62(request));
    reply.set(62, unionPayAidListPage((await params.aids()).map((aid) => aid.aid), query.receivedCount, params.pageBytesMax));
  });
}

export function aidDownload(deps: HostDependencies, request: Request): Promise<Buffer> {
  return withAdmitted(deps, request, async (params, reply) => {
    reply.set(62, unionPayEncodeAidDownloadReply(await params.aid(unionPayDecodeAidDownloadRequest(field62(request)))));
  });
}

export function aidEnd(deps: HostDependencies, request: Request): Promise<Buffer> {
  return withAdmitted(deps, request, async (params, _reply, terminal) => {
    await params.recordDownloadComplete(terminal.terminalId, 'aids');
  });
}

/**
 * Admits the terminal, then lets `fill` complete the 00 reply. A host without a parameter service
 * answers 12 (not supported); a field 62 that does not decode is a format error, 30.
 */
async function withAdmitted(
  deps: HostDependencies,
  request: Request,
  fill: (params: EmvParamService, reply: IsoMessage<UnionPayPosSpec>, terminal: Terminal) => Promise<void>,
): Promise<Buffer> {
  const { terminal, merchant } = await lookUpTerminal(deps, request, true);
  const merchantId = request.get(42);
  const decision = terminalMayTransact(terminal, merchant, { today: deps.terminals.today(), ...(merchantId === undefined ? {} : { merchantIdInRequest: merchantId }) });
  if (!decision.ok || terminal === undefined) return refuseTerminal(deps, request, decision);
  const params = deps.emvParams;
  if (params === undefined) return packPlain(replyFor(request, refusalCodes['unsupported-message']));
  const reply = replyFor(request, '00');
  try {
    await fill(params, reply, terminal);
  } catch (error) {
    if (error instanceof BastionError && error.code.startsWith('ISO_ERR_')) return packPlain(replyFor(request, refusalCodes['missing-field']));
    throw error;
  }
  return packPlain(reply);
}

function field62(request: Request): Uint8Array {
  const value = request.get(62);
  if (value === undefined) throw new BastionError('ISO_ERR_TLV', 'the request has no field 62', { field: '62' });
  return value;
}
