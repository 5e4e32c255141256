import { BastionError } from '../../lib/errors/index.js';
import type { IsoMessage, UnionPayPosSpec } from '../../lib/iso8583/index.js';
import { buildTlv } from '../../lib/tlv/index.js';
import type { AuthorizationKind, AuthorizationRequest, NetworkPinData, NetworkResponse } from '../../ports/network.js';
import { saleApprovalPostings } from '../ledger/index.js';
import type { Terminal } from '../terminals/index.js';
import { admit, respond, terminalMak, type Admitted } from './admission.js';
import { maskedPan, readCardInput, type CardInput } from './card-input.js';
import { FEE_REVENUE_ACCOUNT, SALE_AMOUNT_MAX_MINOR_DEFAULT, SCHEME_RECEIVABLE_ACCOUNT, type HostDependencies } from './deps.js';
import { macOptionsOf } from './mac-check.js';
import { packWithMac, replyFor } from './reply.js';
import { ensureMerchantAccounts, ledgerKeyOf, networkKeyOf, recordAnswer } from './record.js';
import { refusalCodes } from './response-codes.js';
import { rrnFor } from './rrn.js';
import { FINANCIAL_REQUEST_CLASS, PREAUTH_REQUEST_CLASS } from './transaction-record.js';

type Request = IsoMessage<UnionPayPosSpec>;

/** Which financial transaction a 0200 is: processing code (field 3) and 60.1 together. */
const financialKinds: readonly { readonly mti: string; readonly processingCode: string; readonly typeCode: string; readonly kind: AuthorizationKind }[] = [
  { mti: '0200', processingCode: '000000', typeCode: '22', kind: 'sale' },
  { mti: '0200', processingCode: '310000', typeCode: '01', kind: 'balance-inquiry' },
  // A pre-authorisation (0100): checked like a sale, the issuer holds the money, nothing is posted.
  { mti: '0100', processingCode: '030000', typeCode: '10', kind: 'pre-auth' },
];

/** Kinds that carry an amount (field 4) the network takes or holds. */
const kindsWithAmount: ReadonlySet<AuthorizationKind> = new Set(['sale', 'pre-auth']);

/** Balance (field 54): account type 2, amount type 2 ("02" available), currency 3, C/D, 12 digits. */
const BALANCE_ACCOUNT_TYPE = '10';
const BALANCE_AMOUNT_TYPE = '02';
const BALANCE_AMOUNT_DIGITS = 12;

/**
 * A financial request (0200), in the order of the pipeline: identify the terminal, verify the
 * MAC, replay a duplicate (or answer 94 when the key is reused by another transaction), classify, check the amount, read the card, translate the PIN, ask the
 * network, then record the answer (and, for an approved sale, its ledger entry) in one database
 * transaction before the reply leaves. Refusals before the MAC is verified carry no MAC: the
 * host cannot vouch for the working keys yet (and has none for an unknown terminal).
 */
export async function financial(deps: HostDependencies, request: Request, message: Buffer): Promise<Buffer> {
  const admission = await admit(deps, request, message, request.mti === PREAUTH_REQUEST_CLASS ? PREAUTH_REQUEST_CLASS : FINANCIAL_REQUEST_CLASS);
  if (!admission.admitted) return admission.reply;
  const admitted = admission.value;
  const { terminal, merchant, key } = admitted;
  const { terminalId, trace } = key;
  const field60 = request.get(60);

  const processingCode = request.get(3) ?? '';
  const kind = financialKinds.find((entry) => entry.mti === request.mti && entry.processingCode === processingCode && entry.typeCode === field60?.typeCode)?.kind;
  if (kind === undefined) return respond(deps, terminal, replyFor(request, refusalCodes['unsupported-message']));
  const amountMinor = kindsWithAmount.has(kind) ? BigInt(request.get(4) ?? '0') : 0n;
  const amountMax = deps.saleAmountMaxMinor ?? SALE_AMOUNT_MAX_MINOR_DEFAULT;
  if (kindsWithAmount.has(kind) && amountMinor <= 0n) return respond(deps, terminal, replyFor(request, refusalCodes['amount-zero']));
  if (amountMinor > amountMax) return respond(deps, terminal, replyFor(request, refusalCodes['amount-over-limit']));
  const currency = request.get(49) ?? merchant.currency;
  if (currency !== merchant.currency) return respond(deps, terminal, replyFor(request, refusalCodes['currency-mismatch']));
  const card = readCardInput(request);
  if (card === undefined) return respond(deps, terminal, replyFor(request, refusalCodes['card-data-unreadable']));

  const pinData = await translatePin(deps, terminal, card, request.get(52));
  const encryptedTrack2 = await translateTrack(deps, terminal, card);
  const rrn = rrnFor(terminalId, key.batch, trace, key.requestClass);
  const authorization: AuthorizationRequest = {
    kind,
    idempotencyKey: networkKeyOf(key),
    pan: card.pan,
    expiry: card.expiry,
    ...(card.serviceCode === undefined ? {} : { serviceCode: card.serviceCode }),
    entryMode: card.entryMode,
    amountMinor,
    currency,
    ...(pinData === undefined ? {} : { pinData }),
    ...(card.track2 === undefined ? {} : { track2: card.track2 }),
    ...(encryptedTrack2 === undefined ? {} : { encryptedTrack2 }),
    ...(card.chip === undefined ? {} : { chip: card.chip }),
    acquirer: { retrievalReferenceNumber: rrn, systemTraceAuditNumber: trace, terminalId, merchantId: merchant.merchantId },
  };
  const answer = await deps.network.authorize(authorization);
  const reply = replyFor(request, answer.responseCode);
  reply.set(37, rrn);
  if (answer.outcome === 'approved') reply.set(38, answer.authorizationCode);
  if (answer.outcome === 'approved' && answer.balance !== undefined) reply.set(54, balanceField(answer.balance.amountMinor, answer.balance.currency));
  if (answer.issuerAuthentication !== undefined) reply.set(55, buildTlv([{ tag: 0x91, value: Buffer.concat([answer.issuerAuthentication.arpc, answer.issuerAuthentication.arc]) }]));
  const packed = await packWithMac(reply, deps.hsm, terminalMak(terminal), macOptionsOf(terminal));
  return record(deps, { request, admitted, kind, processingCode, amountMinor, currency, card, rrn, answer, packed });
}

interface Outcome {
  readonly request: Request;
  readonly admitted: Admitted;
  readonly kind: AuthorizationKind;
  readonly processingCode: string;
  readonly amountMinor: bigint;
  readonly currency: string;
  readonly card: CardInput;
  readonly rrn: string;
  readonly answer: NetworkResponse;
  readonly packed: Buffer;
}

/** The answer and, for an approved sale, its ledger entry, recorded together (record.ts). */
async function record(deps: HostDependencies, outcome: Outcome): Promise<Buffer> {
  const { answer } = outcome;
  const { merchant, key } = outcome.admitted;
  const postSale = outcome.kind === 'sale' && answer.outcome === 'approved';
  const accounts = postSale ? await ensureMerchantAccounts(deps, merchant, outcome.currency) : undefined;
  const panId = await deps.panVault.protect(outcome.card.pan);
  const ledgerKey = ledgerKeyOf('sale', key);
  return recordAnswer(deps, {
    request: outcome.request,
    admitted: outcome.admitted,
    packed: outcome.packed,
    columns: {
      mti: outcome.request.mti,
      processing_code: outcome.processingCode,
      kind: outcome.kind,
      amount_minor: outcome.amountMinor,
      currency: outcome.currency,
      pan_id: panId,
      masked_pan: maskedPan(outcome.card.pan),
      rrn: outcome.rrn,
      auth_code: answer.outcome === 'approved' ? answer.authorizationCode : null,
      response_code: answer.responseCode,
      issuer_reference: answer.issuerReference,
      ledger_key: postSale ? ledgerKey : null,
      network_key: networkKeyOf(key),
    },
    effects: async (trx, nowMs) => {
      if (accounts === undefined) return;
      await deps.ledger.postWithin(trx, {
        idempotencyKey: ledgerKey,
        kind: 'sale',
        description: `sale ${outcome.rrn}`,
        occurredAtMs: nowMs,
        postings: saleApprovalPostings({ amountMinor: outcome.amountMinor, currency: outcome.currency, merchantPayableAccount: accounts.payable, schemeReceivableAccount: SCHEME_RECEIVABLE_ACCOUNT, feeRevenueAccount: FEE_REVENUE_ACCOUNT, fee: merchant.fee }),
      });
    },
  });
}

/** PIN block under the terminal's PIK → under the network's ZPK, format 0 both sides. */
async function translatePin(deps: HostDependencies, terminal: Terminal, card: CardInput, pinBlock: Uint8Array | undefined): Promise<NetworkPinData | undefined> {
  const pik = terminal.workingKeys?.pik;
  if (pinBlock === undefined || pik === undefined) return undefined;
  const translated = await deps.hsm.translatePinBlock({ sourceKey: pik, targetKey: deps.zonePinKey, sourceFormat: 0, targetFormat: 0, pan: card.pan, pinBlock: Buffer.from(pinBlock) });
  return { pinBlock: translated, format: 0 };
}

/**
 * An enciphered track 2 re-enciphered TDK → the network's ZEK inside the HSM: the host never
 * holds it in clear. A block enciphered under some other key comes out as noise under the ZEK,
 * and the issuer, who can decipher it, declines the card.
 */
async function translateTrack(deps: HostDependencies, terminal: Terminal, card: CardInput): Promise<Buffer | undefined> {
  if (card.encryptedTrack2 === undefined) return undefined;
  const tdk = terminal.workingKeys?.tdk;
  if (tdk === undefined) throw new BastionError('HOST_ERR_INTERNAL', 'a terminal that sends enciphered tracks has no TDK');
  return deps.hsm.translateTrackData({ sourceKey: tdk, targetKey: deps.zoneDataKey, data: card.encryptedTrack2 });
}

function balanceField(amountMinor: bigint, currency: string): string {
  const sign = amountMinor < 0n ? 'D' : 'C';
  const magnitude = (amountMinor < 0n ? -amountMinor : amountMinor).toString().padStart(BALANCE_AMOUNT_DIGITS, '0');
  return `${BALANCE_ACCOUNT_TYPE}${BALANCE_AMOUNT_TYPE}${currency}${sign}${magnitude}`;
}
