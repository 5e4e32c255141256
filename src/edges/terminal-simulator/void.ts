import { testCard, type TestCardDefinition } from '../../adapters/network/issuer-simulator/index.js';
import { BastionError } from '../../lib/errors/index.js';
import { assertPin } from './card-reader.js';
import { appendToJournal, loadJournal } from './journal.js';
import type { Receipt } from './receipt.js';
import { exchangeSwiped } from './swiped-exchange.js';
import type { SimulatorContext } from './terminal.js';

export interface VoidInput {
  /** The trace of the sale to void, from its receipt. */
  readonly trace: string;
  /** The card swiped again; by default the journal's card of that sale. */
  readonly card?: TestCardDefinition;
  readonly pin?: string;
}

/**
 * A void (0200 / 200000 / 60.1 23) of an approved sale of the current batch: RRN (37), auth code
 * (38) and amount (4) come from the terminal's journal, 61 = batch + the sale's trace; the card is
 * swiped again. Like a sale it is a pending reversal until its reply checks out; an approved void
 * joins the journal (credit side of the settlement).
 */
export async function voidTransaction(context: SimulatorContext, input: VoidInput): Promise<Receipt> {
  if (input.pin !== undefined) assertPin(input.pin);
  const originalTrace = /^\d{1,6}$/.test(input.trace) ? input.trace.padStart(6, '0') : undefined;
  if (originalTrace === undefined) throw new BastionError('SIM_ERR_ARGUMENT', '--trace is the sale\'s trace number, 1 to 6 digits', { argument: '--trace' });
  return exchangeSwiped(context, (loaded) => {
    const journal = loadJournal(context.dataDir, loaded.terminalId, loaded.batchNumber);
    const sale = journal.entries.find((entry) => entry.kind === 'sale' && entry.trace === originalTrace);
    if (sale?.rrn === undefined || sale.authCode === undefined) {
      throw new BastionError('SIM_ERR_ARGUMENT', `the journal of batch ${loaded.batchNumber} has no approved sale with trace ${originalTrace} (with its RRN and auth code)`, { argument: '--trace' });
    }
    const card = input.card ?? testCard(sale.card);
    return {
      transaction: 'void',
      mti: '0200',
      processingCode: '200000',
      typeCode: '23',
      posCondition: '00',
      amountMinor: BigInt(sale.amountMinor),
      card,
      ...(input.pin === undefined ? {} : { pin: input.pin }),
      reference: { rrn: sale.rrn, authCode: sale.authCode, batch: loaded.batchNumber, trace: originalTrace },
      onApproved: (state, receipt) => {
        appendToJournal(context.dataDir, state.terminalId, state.batchNumber, { kind: 'void', trace: receipt.trace, amountMinor: sale.amountMinor, card: card.profile, entry: 'swipe', originalTrace, ...(receipt.rrn === undefined ? {} : { rrn: receipt.rrn }) });
      },
    };
  });
}
