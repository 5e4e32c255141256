import { createHash } from 'node:crypto';
import {
  buildSignatureField,
  signatureFeatureCode,
  splitSignature,
  SIGNATURE_IMAGE_FORMAT,
  type SignaturePart,
} from '../../domain/e-signature/index.js';
import { fromHex } from '../../lib/crypto/index.js';
import { BastionError } from '../../lib/errors/index.js';
import { ApplicationType, ProcessingRequirement, TerminalStatus } from '../../lib/iso8583/framing/index.js';
import { IsoMessage, unionPayPosSpec, type UnionPayPosSpec } from '../../lib/iso8583/index.js';
import { exchangeWithHost } from './client.js';
import { acquireTerminalLock } from './lock.js';
import { packWithMac } from './messages.js';
import { responseMeaning } from './receipt.js';
import { checkReply } from './reply-check.js';
import { loadSimulatorState, type SimulatorState } from './state.js';
import type { SimulatorContext } from './terminal.js';

/** 60.1 and 60.3 of the upload (电子签名上送), docs/protocol.md "Electronic signature". */
export const SIGNATURE_UPLOAD_TYPE_CODE = '07';
export const SIGNATURE_UPLOAD_NETWORK_CODE = '800';

export interface SignatureUploadInput {
  /** The signed sale's trace (11, six digits) and RRN (37, from its approval). */
  readonly trace: string;
  readonly rrn: string;
  /** The signature PNG. */
  readonly image: Buffer;
}

export interface SignatureUploadResult {
  readonly terminalId: string;
  readonly trace: string;
  readonly rrn: string;
  readonly featureCode: string;
  readonly sha256: string;
  readonly imageBytes: number;
  readonly partsSent: number;
  readonly partCount: number;
  /** Field 39 of the last reply: 00 stored (or already stored, the same image), else the refusal. */
  readonly responseCode: string;
  readonly responseMeaning: string;
  readonly stored: boolean;
}

/** The upload parts of `image` for the sale of `batchNumber` and `rrn`, in order. */
export function signatureParts(image: Buffer, batchNumber: string, rrn: string): SignaturePart[] {
  const sha256 = createHash('sha256').update(image).digest();
  const slices = splitSignature(image);
  const featureCode = signatureFeatureCode(batchNumber, rrn);
  return slices.map((data, index) => ({ featureCode, imageFormat: SIGNATURE_IMAGE_FORMAT, partNumber: index + 1, partCount: slices.length, totalBytes: image.length, sha256, data }));
}

/** 0820 with 11 (the sale's trace), 37 (its RRN), 41, 42, 60 = 07 + batch + 800, 62 = the part, 64 = MAC. */
export function signatureUploadRequest(state: SimulatorState, trace: string, rrn: string, part: SignaturePart): IsoMessage<UnionPayPosSpec> {
  return new IsoMessage(unionPayPosSpec, '0820', {
    11: trace,
    37: rrn,
    41: state.terminalId,
    42: state.merchantId,
    60: { typeCode: SIGNATURE_UPLOAD_TYPE_CODE, batchNumber: state.batchNumber, networkCode: SIGNATURE_UPLOAD_NETWORK_CODE },
    62: buildSignatureField(part),
  });
}

/**
 * Uploads a signature for an approved sale of this terminal, one 0820 per part (one connection
 * each, as for every exchange), stopping at the first reply that is not 00. Each reply's MAC is
 * checked under the MAK.
 */
export async function uploadSignature(context: SimulatorContext, input: SignatureUploadInput): Promise<SignatureUploadResult> {
  if (!/^\d{6}$/.test(input.trace)) throw new BastionError('SIM_ERR_ARGUMENT', 'a trace is six digits', { argument: '--trace' });
  if (!/^\d{12}$/.test(input.rrn)) throw new BastionError('SIM_ERR_ARGUMENT', 'an RRN is twelve digits', { argument: '--rrn' });
  const state = loadSimulatorState(context.dataDir, context.terminalId);
  let parts: SignaturePart[];
  try {
    parts = signatureParts(input.image, state.batchNumber, input.rrn);
  } catch (error) {
    throw new BastionError('SIM_ERR_SIGNATURE', error instanceof BastionError ? error.message : 'the signature cannot be split into parts', { argument: '--signature' });
  }
  return uploadSignatureParts(context, { trace: input.trace, rrn: input.rrn, parts, imageBytes: input.image.length });
}

/** Sends the given parts as they are (tests use it to send parts a real terminal would not). */
export async function uploadSignatureParts(context: SimulatorContext, input: { trace: string; rrn: string; parts: readonly SignaturePart[]; imageBytes: number }): Promise<SignatureUploadResult> {
  loadSimulatorState(context.dataDir, context.terminalId);
  const lock = acquireTerminalLock(context.dataDir, context.terminalId);
  try {
    const state = loadSimulatorState(context.dataDir, context.terminalId);
    const working = state.workingKeys;
    if (working === undefined) throw new BastionError('SIM_ERR_NOT_SIGNED_IN', `terminal ${state.terminalId} has no working keys: sign it in first (bastion terminal sign-in)`, { terminalId: state.terminalId });
    const mak = fromHex(working.mak, 'mak');
    const hostAddress = { ...state.hostAddress, ...(context.host === undefined ? {} : { host: context.host }), ...(context.port === undefined ? {} : { port: context.port }) };
    const header = { applicationType: ApplicationType.Magstripe, softwareVersion: 0x31, terminalStatus: TerminalStatus.Normal, processingRequirement: ProcessingRequirement.None, subVersion: 0x310000 };
    let responseCode = '';
    let partsSent = 0;
    try {
      for (const part of input.parts) {
        const request = signatureUploadRequest(state, input.trace, input.rrn, part);
        const replyBytes = await exchangeWithHost(hostAddress, packWithMac(request, mak, state.macVariant), { header, ...(context.timeoutMs === undefined ? {} : { timeoutMs: context.timeoutMs }) });
        partsSent += 1;
        responseCode = checkReply(request, replyBytes, { mak, macVariant: state.macVariant, macRequiredForApproval: true }).get(39) ?? '';
        if (responseCode !== '00') break;
      }
    } finally {
      mak.fill(0);
    }
    const first = input.parts[0];
    return {
      terminalId: state.terminalId,
      trace: input.trace,
      rrn: input.rrn,
      featureCode: first?.featureCode ?? '',
      sha256: first === undefined ? '' : first.sha256.toString('hex'),
      imageBytes: input.imageBytes,
      partsSent,
      partCount: input.parts.length,
      responseCode,
      responseMeaning: responseMeaning(responseCode),
      stored: responseCode === '00' && partsSent === input.parts.length,
    };
  } finally {
    lock.release();
  }
}
