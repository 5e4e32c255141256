import { sql } from 'kysely';
import { BastionError } from '../../lib/errors/index.js';
import type { IsoMessage, UnionPayPosSpec } from '../../lib/iso8583/index.js';
import { LocalDateFormatter } from '../terminals/index.js';
import { adjustAtNetwork, adjustmentColumns, type Adjustment } from './adjustment.js';
import { admit, refuserFor } from './admission.js';
import { readCardInput } from './card-input.js';
import { SCHEME_RECEIVABLE_ACCOUNT, type HostDependencies } from './deps.js';
import { findByRrn } from './originals.js';
import { ensureMerchantAccounts, ledgerKeyOf, recordAnswer } from './record.js';
import type { HostTables } from './tables.js';
import { FINANCIAL_REQUEST_CLASS, REFUND_REQUEST_CLASS } from './transaction-record.js';

type Request = IsoMessage<UnionPayPosSpec>;

/** The business day 61.3 (MMDD) is compared in: the host's default zone, as the terminals' day. */
const businessDays = new LocalDateFormatter();

/**
 * A refund (0220, 3 = 200000, 60.1 = 25) of an approved sale of the same merchant, any terminal
 * and any batch: 37 = the sale's RRN, 61 = its batch, trace and date (MMDD), the card (PAN vault
 * id) the sale's. Refunds add up to the sale's amount at most: the network checks it with a
 * conditional update of its own, and the host's record of the refund raises the sale's
 * `refunded_minor` with a conditional update in the same transaction. The ledger entry moves the
 * amount back (merchant payable debited, scheme receivable credited); the fee stays earned.
 */
export async function refund(deps: HostDependencies, request: Request, message: Buffer): Promise<Buffer> {
  const admission = await admit(deps, request, message, REFUND_REQUEST_CLASS);
  if (!admission.admitted) return admission.reply;
  const admitted = admission.value;
  const { terminal, merchant, key } = admitted;
  const refuse = refuserFor(deps, terminal, request);
  const field61 = request.get(61);
  const originalRrn = request.get(37);
  const amountText = request.get(4);
  if (field61 === undefined || originalRrn === undefined || amountText === undefined) return refuse('missing-field');
  const amountMinor = BigInt(amountText);
  if (amountMinor <= 0n) return refuse('amount-zero');
  const card = readCardInput(request);
  if (card === undefined) return refuse('card-data-unreadable');

  const original = await findByRrn(deps.store.db<HostTables>(), originalRrn);
  const originalDate = original === undefined ? undefined : businessDays.localDate(original.created_at_ms).slice(4);
  const matches =
    original !== undefined &&
    original.request_class === FINANCIAL_REQUEST_CLASS &&
    original.kind === 'sale' &&
    original.response_code === '00' &&
    original.merchant_id === merchant.merchantId &&
    original.batch_number === field61.originalBatch &&
    original.trace === field61.originalTrace &&
    (field61.originalDate === undefined || field61.originalDate === originalDate);
  if (!matches) return refuse('original-not-found');
  const panId = await deps.panVault.find(card.pan);
  if (panId === undefined || panId !== original.pan_id) return refuse('original-not-found');
  if (original.cancelled_by !== null) return refuse('original-not-voidable');
  if ((request.get(49) ?? original.currency) !== original.currency || original.refunded_minor + amountMinor > original.amount_minor) return refuse('original-amount-mismatch');

  const adjustment: Adjustment = { kind: 'refund', admitted, original, amountMinor, pan: card.pan, panId };
  const answered = await adjustAtNetwork(deps, request, adjustment);
  const { rrn, approved, packed } = answered;
  const accounts = approved ? await ensureMerchantAccounts(deps, merchant, original.currency) : undefined;
  const ledgerKey = ledgerKeyOf('refund', key);
  return recordAnswer(deps, {
    request,
    admitted,
    packed,
    columns: adjustmentColumns(request, adjustment, answered, approved ? ledgerKey : null),
    effects: async (trx, nowMs) => {
      if (accounts === undefined) return;
      const amount = sql<bigint>`cast(${amountMinor} as bigint)`;
      const raised = await trx
        .updateTable('host_transactions')
        .set({ refunded_minor: sql<bigint>`refunded_minor + ${amount}` })
        .where('id', '=', original.id)
        .where('cancelled_by', 'is', null)
        .where(sql<boolean>`refunded_minor + ${amount} <= amount_minor`)
        .returning('id')
        .executeTakeFirst();
      if (raised === undefined) throw new BastionError('HOST_ERR_INTERNAL', 'the network approved a refund the host holds as beyond what is left of the sale');
      await deps.ledger.postWithin(trx, {
        idempotencyKey: ledgerKey,
        kind: 'refund',
        description: `refund ${rrn} of sale ${original.rrn}`,
        occurredAtMs: nowMs,
        postings: [
          { accountCode: accounts.payable, amountMinor, currency: original.currency },
          { accountCode: SCHEME_RECEIVABLE_ACCOUNT, amountMinor: -amountMinor, currency: original.currency },
        ],
      });
    },
  });
}
