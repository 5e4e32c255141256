import { BastionError } from '../../lib/errors/index.js';
import type { IsoMessage, UnionPayPosSpec } from '../../lib/iso8583/index.js';
import { adjustAtNetwork, adjustmentColumns, type Adjustment } from './adjustment.js';
import { admit, refuserFor, type Admitted } from './admission.js';
import { readCardInput } from './card-input.js';
import type { HostDependencies } from './deps.js';
import { findOriginal, isStandingSale, markCancelled, undoPostingsOf, type OriginalRow } from './originals.js';
import { ledgerKeyOf, recordAnswer } from './record.js';
import type { HostTables } from './tables.js';
import { FINANCIAL_REQUEST_CLASS } from './transaction-record.js';

type Request = IsoMessage<UnionPayPosSpec>;

/**
 * Whether a void may still touch `original`: only in the terminal's current batch (60.2 of the
 * void, which admission checked is the terminal's) and only while no settlement was answered for
 * that batch (`SettlementService.isBatchClosed`). A sale of a settled batch is refunded instead.
 */
export async function batchOpenForVoid(deps: HostDependencies, original: OriginalRow, admitted: Admitted): Promise<boolean> {
  if (original.batch_number !== admitted.key.batch) return false;
  return !(await deps.settlement.isBatchClosed(original.terminal_id, original.batch_number));
}

/**
 * A void (0200, 3 = 200000, 60.1 = 23) of a sale in the terminal's open batch, matched by 61
 * (original batch + trace) on this terminal, 37 (RRN), 38 (auth code), the card (PAN vault id)
 * and 4 (the sale's amount). The network releases the funds; the sale's ledger entry is undone
 * by a new entry (fee included, docs/protocol.md) and the sale is marked voided, in the
 * transaction that records the void. Refusals (25, 12, 13) are not recorded.
 */
export async function voidSale(deps: HostDependencies, request: Request, message: Buffer): Promise<Buffer> {
  const admission = await admit(deps, request, message, FINANCIAL_REQUEST_CLASS);
  if (!admission.admitted) return admission.reply;
  const admitted = admission.value;
  const { terminal, key } = admitted;
  const refuse = refuserFor(deps, terminal, request);
  const field61 = request.get(61);
  const originalRrn = request.get(37);
  const originalAuthCode = request.get(38);
  const amountText = request.get(4);
  if (field61?.originalBatch === undefined || field61.originalTrace === undefined || originalRrn === undefined || originalAuthCode === undefined || amountText === undefined) return refuse('missing-field');
  const card = readCardInput(request);
  if (card === undefined) return refuse('card-data-unreadable');

  const original = await findOriginal(deps.store.db<HostTables>(), { terminalId: key.terminalId, batch: field61.originalBatch, trace: field61.originalTrace, requestClass: FINANCIAL_REQUEST_CLASS });
  if (original === undefined || original.kind !== 'sale' || original.response_code !== '00' || original.rrn !== originalRrn || original.auth_code !== originalAuthCode) return refuse('original-not-found');
  const panId = await deps.panVault.find(card.pan);
  if (panId === undefined || panId !== original.pan_id) return refuse('original-not-found');
  if (!isStandingSale(original) || original.refunded_minor > 0n || !(await batchOpenForVoid(deps, original, admitted))) return refuse('original-not-voidable');
  const amountMinor = BigInt(amountText);
  if (amountMinor !== original.amount_minor || (request.get(49) ?? original.currency) !== original.currency) return refuse('original-amount-mismatch');
  const undo = await undoPostingsOf(deps, original);

  const adjustment: Adjustment = { kind: 'void', admitted, original, amountMinor, pan: card.pan, panId };
  const answered = await adjustAtNetwork(deps, request, adjustment);
  const { rrn, approved, packed } = answered;
  const ledgerKey = ledgerKeyOf('void', key);
  return recordAnswer(deps, {
    request,
    admitted,
    packed,
    columns: adjustmentColumns(request, adjustment, answered, approved && undo !== undefined ? ledgerKey : null),
    effects: async (trx, nowMs) => {
      if (!approved) return;
      // The network voids a sale once; a host record that disagrees is a fault, answered 96.
      if (!(await markCancelled(trx, original, `void ${rrn}`, { unrefundedOnly: true }))) throw new BastionError('HOST_ERR_INTERNAL', 'the network approved a void of a sale the host already holds as voided, reversed or refunded');
      if (undo !== undefined) await deps.ledger.postWithin(trx, { idempotencyKey: ledgerKey, kind: 'void', description: `void ${rrn} of sale ${original.rrn}`, occurredAtMs: nowMs, postings: undo });
    },
  });
}
