import { parseSignatureField, signatureFeatureCode, SignatureService, type SignaturePart } from '../e-signature/index.js';
import { isBastionError } from '../../lib/errors/index.js';
import type { IsoMessage, UnionPayPosSpec } from '../../lib/iso8583/index.js';
import type { Terminal } from '../terminals/index.js';
import { identifyTerminal } from './admission.js';
import type { HostDependencies } from './deps.js';
import { macOptionsOf } from './mac-check.js';
import { packPlain, packWithMac, replyFor } from './reply.js';
import type { HostTables } from './tables.js';
import { findRecordedTransaction } from './transaction-lookup.js';

type Request = IsoMessage<UnionPayPosSpec>;

/** 60.1 and 60.3 of an electronic-signature upload (电子签名上送): 0820, 07, 800. */
export const SIGNATURE_UPLOAD_TYPE_CODE = '07';
export const SIGNATURE_UPLOAD_NETWORK_CODE = '800';

/**
 * Why an upload is refused, and the code in field 39 (docs/protocol.md, "Electronic signature").
 * 25: no financial answer of this terminal has this batch, trace and RRN. 12: it is not an
 * approved sale. 94: the transaction already has another signature. 30: the upload is malformed,
 * its feature code is wrong, or the image fails its checks.
 */
export const signatureRefusalCodes = {
  'original-not-found': '25',
  'original-not-approved-sale': '12',
  'signature-differs': '94',
  'upload-malformed': '30',
} as const;

/**
 * An electronic-signature upload (0820, 60.1 07, 60.3 800): identify the terminal and verify the
 * MAC as for a financial request (the terminal is signed in), then bind the part to the recorded
 * approved sale of this terminal with this batch (60.2), trace (11) and RRN (37), and hand it to
 * the e-signature module. Every reply after the MAC check is MAC'd; nothing here is a security
 * event (the audit log records who may act, not receipts).
 */
export async function signatureUpload(deps: HostDependencies, request: Request, message: Buffer): Promise<Buffer> {
  const identification = await identifyTerminal(deps, request, message);
  if (!identification.identified) return identification.reply;
  const { terminal } = identification;
  const terminalId = request.get(41) ?? '';

  const trace = request.get(11);
  const batchNumber = request.get(60)?.batchNumber;
  const rrn = request.get(37);
  if (trace === undefined || batchNumber === undefined || rrn === undefined) return answer(deps, terminal, request, signatureRefusalCodes['upload-malformed']);
  let part: SignaturePart;
  try {
    part = parseSignatureField(request.get(62));
  } catch (error) {
    if (isBastionError(error) && error.code === 'ESIG_ERR_FORMAT') return answer(deps, terminal, request, signatureRefusalCodes['upload-malformed']);
    throw error;
  }
  const original = await findRecordedTransaction(deps.store.db<HostTables>(), { terminalId, trace, batchNumber });
  if (original?.rrn !== rrn) return answer(deps, terminal, request, signatureRefusalCodes['original-not-found']);
  if (original.kind !== 'sale' || original.responseCode !== '00') return answer(deps, terminal, request, signatureRefusalCodes['original-not-approved-sale']);
  if (part.featureCode !== signatureFeatureCode(batchNumber, rrn)) return answer(deps, terminal, request, signatureRefusalCodes['upload-malformed']);

  const outcome = await new SignatureService(deps.store, deps.clock).receivePart({ terminalId, merchantId: original.merchantId, batchNumber, trace, rrn, part });
  const code = outcome.kind === 'differs-from-stored' ? signatureRefusalCodes['signature-differs'] : outcome.kind === 'invalid' ? signatureRefusalCodes['upload-malformed'] : '00';
  return answer(deps, terminal, request, code);
}

/** The 0830: 11, 37, 41, 42, 60 of the request, 39, MAC'd under the terminal's MAK. */
async function answer(deps: HostDependencies, terminal: Terminal, request: Request, responseCode: string): Promise<Buffer> {
  const reply = replyFor(request, responseCode);
  const rrn = request.get(37);
  if (rrn !== undefined) reply.set(37, rrn);
  const mak = terminal.workingKeys?.mak;
  if (mak === undefined) return packPlain(reply);
  return packWithMac(reply, deps.hsm, mak, macOptionsOf(terminal));
}
