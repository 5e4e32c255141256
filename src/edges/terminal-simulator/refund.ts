import type { TestCardDefinition } from '../../adapters/network/issuer-simulator/index.js';
import { BastionError } from '../../lib/errors/index.js';
import { assertPin } from './card-reader.js';
import { appendToJournal, loadJournal } from './journal.js';
import type { Receipt } from './receipt.js';
import { exchangeSwiped } from './swiped-exchange.js';
import type { SimulatorContext } from './terminal.js';

/** Field 4 is 12 digits: the largest amount a refund can carry. */
const REFUND_AMOUNT_MINOR_MAX = 999_999_999_999n;

export interface RefundInput {
  /** Field 37 of the sale to refund, from its receipt. */
  readonly rrn: string;
  readonly amountMinor: bigint;
  /** The card of the sale, swiped. */
  readonly card: TestCardDefinition;
  readonly pin?: string;
  /**
   * The sale's batch and trace (61.1, 61.2). Needed only when the terminal's journal does not hold
   * the RRN: a sale of another terminal, or of a batch already settled.
   */
  readonly originalBatch?: string;
  readonly originalTrace?: string;
  /** The sale's date, MMDD (61.3); the host checks it only when sent. */
  readonly originalDate?: string;
}

/**
 * A refund (0220 / 200000 / 60.1 25) of an approved sale of the same merchant: 37 = the sale's
 * RRN, 61 = its batch and trace (from the journal of the current batch when it holds that RRN,
 * else as given) and, when given, its date. The card is swiped. Like a sale it is a pending
 * reversal (0400 with 60.1 25) until its reply checks out; an approved refund joins the journal
 * (credit side of the settlement).
 */
export async function refundTransaction(context: SimulatorContext, input: RefundInput): Promise<Receipt> {
  if (input.pin !== undefined) assertPin(input.pin);
  if (!/^\d{12}$/.test(input.rrn)) throw new BastionError('SIM_ERR_ARGUMENT', '--rrn is the sale\'s retrieval reference number, 12 digits', { argument: '--rrn' });
  if (input.amountMinor <= 0n || input.amountMinor > REFUND_AMOUNT_MINOR_MAX) throw new BastionError('SIM_ERR_ARGUMENT', '--amount must be more than 0 and fit 12 digits of minor units', { argument: '--amount' });
  if (input.originalDate !== undefined && !/^(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$/.test(input.originalDate)) throw new BastionError('SIM_ERR_ARGUMENT', '--date is the sale\'s date as MMDD', { argument: '--date' });
  const givenBatch = digitsOption(input.originalBatch, '--batch');
  const givenTrace = digitsOption(input.originalTrace, '--trace');
  return exchangeSwiped(context, (loaded) => {
    const sale = loadJournal(context.dataDir, loaded.terminalId, loaded.batchNumber).entries.find((entry) => entry.kind === 'sale' && entry.rrn === input.rrn);
    const originalBatch = givenBatch ?? (sale === undefined ? undefined : loaded.batchNumber);
    const originalTrace = givenTrace ?? sale?.trace;
    if (originalBatch === undefined || originalTrace === undefined) {
      throw new BastionError('SIM_ERR_ARGUMENT', `the journal of batch ${loaded.batchNumber} has no sale with RRN ${input.rrn}: give the sale's --batch and --trace from its receipt`, { argument: '--trace' });
    }
    const { card } = input;
    return {
      transaction: 'refund',
      mti: '0220',
      processingCode: '200000',
      typeCode: '25',
      posCondition: '00',
      amountMinor: input.amountMinor,
      card,
      ...(input.pin === undefined ? {} : { pin: input.pin }),
      reference: { rrn: input.rrn, batch: originalBatch, trace: originalTrace, ...(input.originalDate === undefined ? {} : { date: input.originalDate }) },
      onApproved: (state, receipt) => {
        appendToJournal(context.dataDir, state.terminalId, state.batchNumber, { kind: 'refund', trace: receipt.trace, amountMinor: input.amountMinor.toString(), card: card.profile, entry: 'swipe', originalTrace, ...(receipt.rrn === undefined ? {} : { rrn: receipt.rrn }) });
      },
    };
  });
}

function digitsOption(text: string | undefined, flag: '--batch' | '--trace'): string | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,6}$/.test(text)) throw new BastionError('SIM_ERR_ARGUMENT', `${flag} is the sale's ${flag.slice(2)} number, 1 to 6 digits`, { argument: flag });
  return text.padStart(6, '0');
}
