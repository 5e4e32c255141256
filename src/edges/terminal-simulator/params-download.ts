import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BastionError } from '../../lib/errors/index.js';
import { ApplicationType, ProcessingRequirement, TerminalStatus, type UnionPayHeader } from '../../lib/iso8583/framing/index.js';
import { IsoMessage, unionPayPosSpec, type UnionPayPosSpec } from '../../lib/iso8583/index.js';
import {
  unionPayCapkChecksum,
  unionPayDecodeAidDownloadReply,
  unionPayDecodeAidList,
  unionPayDecodeCapkDownloadReply,
  unionPayDecodeCapkList,
  unionPayEncodeAid,
  unionPayEncodeAidDownloadRequest,
  unionPayEncodeCapk,
  unionPayEncodeCapkDownloadRequest,
  unionPayEncodeParamQuery,
  type UnionPayAid,
  type UnionPayCapk,
} from '../../lib/tlv/index.js';
import { exchangeWithHost } from './client.js';
import { acquireTerminalLock } from './lock.js';
import { nextTrace, packPlain, traceField } from './messages.js';
import { responseMeaning } from './receipt.js';
import { checkReply } from './reply-check.js';
import { loadSimulatorState, saveSimulatorState, simulatorStatePath, type SimulatorState } from './state.js';
import type { SimulatorContext } from './terminal.js';

/**
 * `bastion terminal params`: the UnionPay parameter download as a terminal runs it (LiaoYang_POS
 * tranproc.c QueryEmvCapk / DownLoadCAPK / QueryEmvParam / DownLoadEmvParam): CAPK query pages
 * (0820, 372) until the host says '1' (last page) or '0' (none), each key (0800, 370), the end
 * (0800, 371); then the same for AIDs (382, 380, 381). Each CAPK's checksum is verified before
 * anything is kept; what was downloaded is written, all at once at the end, to
 * simulator/params-<tid>.json beside the key file.
 */
export const paramNetworkCodes = { capkQuery: '372', capkDownload: '370', capkEnd: '371', aidQuery: '382', aidDownload: '380', aidEnd: '381' } as const;

/** What the simulator prints when a reply's header asks for a parameter download. */
export const PARAMETERS_OUT_OF_DATE_NOTICE = 'parameters out of date: run bastion terminal params';

/** The notice for a reply header's processing requirement: 4 (CAPKs) and 5 (IC parameters) ask for a download. */
export function parameterNotice(processingRequirement: number | undefined): string | undefined {
  return processingRequirement === ProcessingRequirement.DownloadCapks || processingRequirement === ProcessingRequirement.DownloadIcParameters ? PARAMETERS_OUT_OF_DATE_NOTICE : undefined;
}

/** Query pages a download follows at most (a host that always says '2' is not followed forever). */
export const PARAM_QUERY_PAGES_MAX = 50;

export interface ParamsDownloadResult {
  readonly terminalId: string;
  /** True when every exchange was answered 00; otherwise `step` and `responseCode` say where it stopped. */
  readonly completed: boolean;
  readonly step?: string;
  readonly responseCode?: string;
  readonly responseMeaning?: string;
  readonly capkQueryPages: number;
  readonly aidQueryPages: number;
  /** RID/index of each key downloaded, e.g. A000000003/92. */
  readonly capks: readonly string[];
  readonly aids: readonly string[];
  /** The file the parameters were written to, when completed. */
  readonly file?: string;
  /** The processing-requirement nibble of the host's first reply: 4 CAPKs, 5 IC parameters out of date, 0 none. */
  readonly processingRequirementAtStart: number;
  /** The nibble of the host's last reply (0 once the terminal is up to date). */
  readonly processingRequirement: number;
}

/** The parameters a simulated terminal keeps: its file beside the key file. */
export function simulatorParamsPath(dataDir: string, terminalId: string): string {
  return join(dirname(simulatorStatePath(dataDir, terminalId)), `params-${terminalId}.json`);
}

/** The saved parameters of a terminal (hex as in the file), or undefined when it has none yet. */
export function loadSimulatorParams(dataDir: string, terminalId: string): { capks: Record<string, string>[]; aids: Record<string, string>[] } | undefined {
  try {
    return JSON.parse(readFileSync(simulatorParamsPath(dataDir, terminalId), 'utf8')) as { capks: Record<string, string>[]; aids: Record<string, string>[] };
  } catch {
    return undefined;
  }
}

class Declined extends Error {
  constructor(
    readonly step: string,
    readonly responseCode: string,
  ) {
    super(step);
  }
}

export async function downloadParameters(context: SimulatorContext): Promise<ParamsDownloadResult> {
  loadSimulatorState(context.dataDir, context.terminalId);
  const lock = acquireTerminalLock(context.dataDir, context.terminalId);
  try {
    return await run(context, loadSimulatorState(context.dataDir, context.terminalId));
  } finally {
    lock.release();
  }
}

async function run(context: SimulatorContext, loaded: SimulatorState): Promise<ParamsDownloadResult> {
  if (loaded.workingKeys === undefined) {
    throw new BastionError('SIM_ERR_NOT_SIGNED_IN', `terminal ${loaded.terminalId} has no working keys: sign it in first (bastion terminal sign-in)`, { terminalId: loaded.terminalId });
  }
  let state = loaded;
  let processingRequirement: number = ProcessingRequirement.None;
  let processingRequirementAtStart: number | undefined;
  const exchange = async (step: string, mti: '0800' | '0820', networkCode: string, field62: Buffer): Promise<Uint8Array> => {
    const trace = nextTrace(state.lastTrace);
    state = { ...state, lastTrace: trace };
    saveSimulatorState(context.dataDir, state);
    const request = new IsoMessage<UnionPayPosSpec>(unionPayPosSpec, mti, {
      11: traceField(trace),
      41: state.terminalId,
      42: state.merchantId,
      60: { typeCode: '00', batchNumber: state.batchNumber, networkCode },
      62: field62,
    });
    const address = { ...state.hostAddress, ...(context.host === undefined ? {} : { host: context.host }), ...(context.port === undefined ? {} : { port: context.port }) };
    const replyBytes = await exchangeWithHost(address, packPlain(request), {
      header: icHeader,
      ...(context.timeoutMs === undefined ? {} : { timeoutMs: context.timeoutMs }),
      onReplyHeader: (header) => {
        processingRequirement = header.processingRequirement;
        processingRequirementAtStart ??= header.processingRequirement;
      },
    });
    const reply = checkReply(request, replyBytes, { macVariant: state.macVariant, macRequiredForApproval: false });
    const responseCode = reply.get(39) ?? '';
    if (responseCode !== '00') throw new Declined(step, responseCode);
    return reply.get(62) ?? Buffer.alloc(0);
  };

  const capks: UnionPayCapk[] = [];
  const aids: UnionPayAid[] = [];
  let capkQueryPages = 0;
  let aidQueryPages = 0;
  try {
    const capkList: { rid: Buffer; index: number }[] = [];
    for (;;) {
      if (capkQueryPages >= PARAM_QUERY_PAGES_MAX) throw paramsError(`the host sent more than ${PARAM_QUERY_PAGES_MAX} CAPK query pages`);
      capkQueryPages += 1;
      const page = unionPayDecodeCapkList(await exchange('capk-query', '0820', paramNetworkCodes.capkQuery, unionPayEncodeParamQuery({ receivedCount: Math.min(capkList.length, 99) })));
      capkList.push(...page.entries);
      if (page.status !== 'more') break;
    }
    for (const key of capkList) {
      const capk = unionPayDecodeCapkDownloadReply(await exchange('capk-download', '0800', paramNetworkCodes.capkDownload, unionPayEncodeCapkDownloadRequest(key)));
      const name = `${key.rid.toString('hex').toUpperCase()}/${key.index.toString(16).toUpperCase().padStart(2, '0')}`;
      if (capk === undefined) throw paramsError(`the host has no key ${name}, which its query listed`);
      if (!capk.rid.equals(key.rid) || capk.index !== key.index) throw paramsError(`the host answered the download of ${name} with another key`);
      if (capk.checksum === undefined || !unionPayCapkChecksum(capk).equals(capk.checksum)) throw paramsError(`key ${name} does not match its checksum (DF03): not installed`);
      capks.push(capk);
    }
    await exchange('capk-end', '0800', paramNetworkCodes.capkEnd, Buffer.alloc(0));

    const aidList: Buffer[] = [];
    for (;;) {
      if (aidQueryPages >= PARAM_QUERY_PAGES_MAX) throw paramsError(`the host sent more than ${PARAM_QUERY_PAGES_MAX} AID query pages`);
      aidQueryPages += 1;
      const page = unionPayDecodeAidList(await exchange('aid-query', '0820', paramNetworkCodes.aidQuery, unionPayEncodeParamQuery({ receivedCount: Math.min(aidList.length, 99) })));
      aidList.push(...page.aids);
      if (page.status !== 'more') break;
    }
    for (const aid of aidList) {
      const params = unionPayDecodeAidDownloadReply(await exchange('aid-download', '0800', paramNetworkCodes.aidDownload, unionPayEncodeAidDownloadRequest(aid)));
      if (params === undefined || !params.aid.equals(aid)) throw paramsError(`the host did not answer the download of AID ${aid.toString('hex').toUpperCase()} with its parameters`);
      aids.push(params);
    }
    await exchange('aid-end', '0800', paramNetworkCodes.aidEnd, Buffer.alloc(0));
  } catch (error) {
    if (!(error instanceof Declined)) {
      if (error instanceof BastionError && error.code.startsWith('ISO_ERR_')) throw paramsError(`a parameter reply does not decode (${error.code})`);
      throw error;
    }
    return {
      terminalId: state.terminalId,
      completed: false,
      step: error.step,
      responseCode: error.responseCode,
      responseMeaning: responseMeaning(error.responseCode),
      capkQueryPages,
      aidQueryPages,
      capks: [],
      aids: [],
      processingRequirementAtStart: processingRequirementAtStart ?? ProcessingRequirement.None,
      processingRequirement,
    };
  }
  const file = saveParams(context.dataDir, state.terminalId, capks, aids, (context.nowMs ?? Date.now)());
  return {
    terminalId: state.terminalId,
    completed: true,
    capkQueryPages,
    aidQueryPages,
    capks: capks.map((capk) => `${capk.rid.toString('hex').toUpperCase()}/${capk.index.toString(16).toUpperCase().padStart(2, '0')}`),
    aids: aids.map((aid) => aid.aid.toString('hex').toUpperCase()),
    file,
    processingRequirementAtStart: processingRequirementAtStart ?? ProcessingRequirement.None,
    processingRequirement,
  };
}

/** Header of the parameter exchanges: an IC terminal (0x61), as the terminals that download CAPKs are. */
const icHeader: UnionPayHeader = { applicationType: ApplicationType.Ic, softwareVersion: 0x31, terminalStatus: TerminalStatus.Normal, processingRequirement: ProcessingRequirement.None, subVersion: 0x310000 };

function saveParams(dataDir: string, terminalId: string, capks: readonly UnionPayCapk[], aids: readonly UnionPayAid[], atMs: number): string {
  const path = simulatorParamsPath(dataDir, terminalId);
  const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex').toUpperCase();
  const document = {
    terminalId,
    downloadedAtMs: atMs,
    // Each record as the host sent it (field 62 TLV), plus the key fields a person looks for.
    capks: capks.map((capk) => ({ rid: hex(capk.rid), index: capk.index.toString(16).toUpperCase().padStart(2, '0'), expiryDate: capk.expiryDate, checksum: hex(capk.checksum ?? Buffer.alloc(0)), record: hex(unionPayEncodeCapk(capk)) })),
    aids: aids.map((aid) => ({ aid: hex(aid.aid), record: hex(unionPayEncodeAid(aid)) })),
  };
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(document, null, 2)}\n`, { mode: 0o644 });
  renameSync(temporary, path);
  return path;
}

function paramsError(message: string): BastionError {
  return new BastionError('SIM_ERR_PARAMS', `${message}; nothing was saved`, {});
}
