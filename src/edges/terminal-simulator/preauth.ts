import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { testCard, type TestCardDefinition } from '../../adapters/network/issuer-simulator/index.js';
import { BastionError } from '../../lib/errors/index.js';
import { assertPin } from './card-reader.js';
import { appendToJournal, journalPath, loadJournal } from './journal.js';
import { writePrivateJson } from './private-file.js';
import type { Receipt } from './receipt.js';
import { loadSimulatorState, type SimulatorState } from './state.js';
import { exchangeSwiped, type SwipedRequest } from './swiped-exchange.js';
import type { SimulatorContext } from './terminal.js';

/**
 * The terminal's pre-authorisation family, card swiped (chip pre-auths are not simulated yet):
 * pre-auth (0100 / 030000 / 10), its void (0100 / 200000 / 11), completion request (0200 /
 * 000000 / 20) or advice (0220 / 24), completion void (0200 / 200000 / 21). Each is a pending
 * reversal until its reply checks out, as a sale is. Open pre-auths outlive a batch (they live
 * 30 days at the issuer), so the terminal keeps them in a file of their own,
 * `terminal-<tid>.preauths.json` (trace, batch, amount, RRN, auth code, the card's profile: no
 * card data); completions and completion voids join the batch journal (debit and credit).
 */

/** The most pre-auths the terminal remembers; the oldest are forgotten first. */
export const PREAUTHS_KEPT_MAX = 200;

export interface PreAuthRecord {
  readonly trace: string;
  readonly batchNumber: string;
  readonly amountMinor: string;
  readonly card: string;
  readonly rrn: string;
  readonly authCode: string;
}

function preAuthsPath(dataDir: string, terminalId: string): string {
  return join(dirname(journalPath(dataDir, terminalId)), `terminal-${terminalId}.preauths.json`);
}

export function loadPreAuths(dataDir: string, terminalId: string): PreAuthRecord[] {
  let text: string;
  try {
    text = readFileSync(preAuthsPath(dataDir, terminalId), 'utf8');
  } catch {
    return [];
  }
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed)) throw new BastionError('SIM_ERR_JOURNAL', `the pre-auth list of terminal ${terminalId} is not a list`, { terminalId });
  return parsed as PreAuthRecord[];
}

function savePreAuths(dataDir: string, terminalId: string, records: readonly PreAuthRecord[]): void {
  writePrivateJson(preAuthsPath(dataDir, terminalId), records.slice(-PREAUTHS_KEPT_MAX));
}

function traceArgument(text: string, what: string): string {
  if (!/^\d{1,6}$/.test(text)) throw new BastionError('SIM_ERR_ARGUMENT', `--trace is the ${what}'s trace number, 1 to 6 digits`, { argument: '--trace' });
  return text.padStart(6, '0');
}

function preAuthOf(context: SimulatorContext, trace: string): PreAuthRecord {
  const found = loadPreAuths(context.dataDir, context.terminalId).find((record) => record.trace === trace);
  if (found === undefined) throw new BastionError('SIM_ERR_ARGUMENT', `terminal ${context.terminalId} has no approved pre-auth with trace ${trace}`, { argument: '--trace' });
  return found;
}

type Exchange = Omit<SwipedRequest, 'posCondition' | 'onApproved'>;

/** Sends one message of the family (25 = 06, pre-authorisation); `onApproved` updates the terminal's records. */
async function exchangeFamily(context: SimulatorContext, input: Exchange, onApproved: (state: SimulatorState, receipt: Receipt) => void): Promise<Receipt> {
  if (input.pin !== undefined) assertPin(input.pin);
  return exchangeSwiped(context, () => ({ ...input, posCondition: '06', onApproved }));
}

export interface PreAuthInput {
  readonly card: TestCardDefinition;
  readonly amountMinor: bigint;
  readonly pin?: string;
}

/** A pre-auth: approved, it is remembered (trace, RRN, auth code) for its void or completion. */
export async function preAuthTransaction(context: SimulatorContext, input: PreAuthInput): Promise<Receipt> {
  if (input.amountMinor <= 0n) throw new BastionError('SIM_ERR_ARGUMENT', '--amount must be more than 0', { argument: '--amount' });
  return exchangeFamily(context, { transaction: 'pre-auth', mti: '0100', processingCode: '030000', typeCode: '10', amountMinor: input.amountMinor, card: input.card, ...(input.pin === undefined ? {} : { pin: input.pin }) }, (state, receipt) => {
    if (receipt.rrn === undefined || receipt.authCode === undefined) return;
    const records = loadPreAuths(context.dataDir, state.terminalId);
    savePreAuths(context.dataDir, state.terminalId, [...records, { trace: receipt.trace, batchNumber: state.batchNumber, amountMinor: input.amountMinor.toString(), card: input.card.profile, rrn: receipt.rrn, authCode: receipt.authCode }]);
  });
}

/** A pre-auth void of the pre-auth with trace `trace`: its amount, RRN and auth code from the terminal's list. */
export async function preAuthVoidTransaction(context: SimulatorContext, input: { readonly trace: string; readonly pin?: string }): Promise<Receipt> {
  const original = preAuthOf(context, traceArgument(input.trace, 'pre-auth'));
  return exchangeFamily(
    context,
    { transaction: 'pre-auth-void', mti: '0100', processingCode: '200000', typeCode: '11', amountMinor: BigInt(original.amountMinor), card: testCard(original.card), ...(input.pin === undefined ? {} : { pin: input.pin }), reference: { rrn: original.rrn, authCode: original.authCode, batch: original.batchNumber, trace: original.trace } },
    () => undefined,
  );
}

/** A completion (request, or advice with `advice`) of `amountMinor` of the pre-auth with trace `trace`; approved, it joins the journal as a debit. */
export async function completionTransaction(context: SimulatorContext, input: { readonly trace: string; readonly amountMinor: bigint; readonly advice?: boolean }): Promise<Receipt> {
  if (input.amountMinor <= 0n) throw new BastionError('SIM_ERR_ARGUMENT', '--amount must be more than 0', { argument: '--amount' });
  const original = preAuthOf(context, traceArgument(input.trace, 'pre-auth'));
  const advice = input.advice === true;
  return exchangeFamily(
    context,
    { transaction: 'completion', mti: advice ? '0220' : '0200', processingCode: '000000', typeCode: advice ? '24' : '20', amountMinor: input.amountMinor, card: testCard(original.card), reference: { authCode: original.authCode, batch: original.batchNumber, trace: original.trace } },
    (state, receipt) => {
      appendToJournal(context.dataDir, state.terminalId, state.batchNumber, { kind: 'completion', trace: receipt.trace, amountMinor: input.amountMinor.toString(), card: original.card, entry: 'swipe', ...(receipt.rrn === undefined ? {} : { rrn: receipt.rrn }), ...(receipt.authCode === undefined ? {} : { authCode: receipt.authCode }), originalTrace: original.trace });
    },
  );
}

/** A completion void of the completion with trace `trace` in the current batch's journal; approved, it joins the journal as a credit. */
export async function completionVoidTransaction(context: SimulatorContext, input: { readonly trace: string }): Promise<Receipt> {
  const trace = traceArgument(input.trace, 'completion');
  const state = loadSimulatorState(context.dataDir, context.terminalId);
  {
    const completed = loadJournal(context.dataDir, state.terminalId, state.batchNumber).entries.find((entry) => entry.kind === 'completion' && entry.trace === trace);
    if (completed?.rrn === undefined || completed.authCode === undefined) throw new BastionError('SIM_ERR_ARGUMENT', `the journal of batch ${state.batchNumber} has no approved completion with trace ${trace}`, { argument: '--trace' });
    return exchangeFamily(
      context,
      { transaction: 'completion-void', mti: '0200', processingCode: '200000', typeCode: '21', amountMinor: BigInt(completed.amountMinor), card: testCard(completed.card), reference: { rrn: completed.rrn, authCode: completed.authCode, batch: state.batchNumber, trace } },
      (after, receipt) => {
        appendToJournal(context.dataDir, after.terminalId, after.batchNumber, { kind: 'completion-void', trace: receipt.trace, amountMinor: completed.amountMinor, card: completed.card, entry: 'swipe', originalTrace: trace, ...(receipt.rrn === undefined ? {} : { rrn: receipt.rrn }) });
      },
    );
  }
}
