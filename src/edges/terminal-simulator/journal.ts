import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BastionError } from '../../lib/errors/index.js';
import type { EntryMethod } from './card-reader.js';
import { writePrivateJson } from './private-file.js';

/**
 * The terminal's own record of its approved transactions in the current batch (a POS terminal's
 * transaction log), kept beside its key file as `terminal-<tid>.journal.json`. Settlement sends
 * its totals and the batch upload its records; after the batch closes it starts again empty.
 * The card is kept as its test-card profile, never as a PAN.
 */
export const JOURNAL_VERSION = 1;

/** A batch holds at most 999 debits and 999 credits (field 48's counts are 3 digits). */
export const JOURNAL_ENTRIES_MAX = 2 * 999;

/**
 * Which side of field 48 each kind the terminal records counts on (UnionPay terminal code:
 * sales and completions debit; sale voids, refunds and completion voids credit).
 */
export const journalSideOfKind = { sale: 'debit', completion: 'debit', void: 'credit', refund: 'credit', 'completion-void': 'credit' } as const;

export type JournalKind = keyof typeof journalSideOfKind;

export interface JournalEntry {
  readonly kind: JournalKind;
  /** Field 11 of the transaction, six digits. */
  readonly trace: string;
  /** Minor units, as a decimal string (JSON has no bigint). */
  readonly amountMinor: string;
  /** The test card's profile name. */
  readonly card: string;
  readonly entry: EntryMethod;
  readonly rrn?: string;
  /** Field 38 of the approval: a void quotes it. */
  readonly authCode?: string;
  /** A void: the trace of the sale it voided. */
  readonly originalTrace?: string;
}

export interface SimulatorJournal {
  readonly version: typeof JOURNAL_VERSION;
  readonly terminalId: string;
  readonly batchNumber: string;
  readonly entries: readonly JournalEntry[];
}

export interface JournalTotals {
  readonly debitAmountMinor: bigint;
  readonly debitCount: bigint;
  readonly creditAmountMinor: bigint;
  readonly creditCount: bigint;
}

export function journalPath(dataDir: string, terminalId: string): string {
  if (!/^[A-Za-z0-9]{8}$/.test(terminalId)) throw new BastionError('SIM_ERR_ARGUMENT', 'a terminal id is 8 letters or digits', { argument: '--tid' });
  return join(dataDir, 'simulator', `terminal-${terminalId}.journal.json`);
}

/** The journal of the terminal's batch `batchNumber`: empty when none is kept or it is of an earlier batch. */
export function loadJournal(dataDir: string, terminalId: string, batchNumber: string): SimulatorJournal {
  const empty: SimulatorJournal = { version: JOURNAL_VERSION, terminalId, batchNumber, entries: [] };
  let text: string;
  try {
    text = readFileSync(journalPath(dataDir, terminalId), 'utf8');
  } catch {
    return empty;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw malformed(terminalId, 'it is not valid JSON');
  }
  const journal = parsed as Partial<SimulatorJournal>;
  if (typeof parsed !== 'object' || parsed === null || journal.version !== JOURNAL_VERSION || journal.terminalId !== terminalId || typeof journal.batchNumber !== 'string' || !Array.isArray(journal.entries)) {
    throw malformed(terminalId, 'it is not a version 1 journal of this terminal');
  }
  if (journal.entries.length > JOURNAL_ENTRIES_MAX || !journal.entries.every(isEntry)) throw malformed(terminalId, 'an entry is malformed');
  return journal.batchNumber === batchNumber ? (journal as SimulatorJournal) : empty;
}

/** Adds an approved transaction to the journal of the batch it was made in. */
export function appendToJournal(dataDir: string, terminalId: string, batchNumber: string, entry: JournalEntry): void {
  const journal = loadJournal(dataDir, terminalId, batchNumber);
  if (journal.entries.length >= JOURNAL_ENTRIES_MAX) throw malformed(terminalId, `it holds ${JOURNAL_ENTRIES_MAX} entries: settle the batch`);
  saveJournal(dataDir, { ...journal, entries: [...journal.entries, entry] });
}

/** Writes the journal atomically (temporary file, then rename), mode 0600. */
export function saveJournal(dataDir: string, journal: SimulatorJournal): void {
  writePrivateJson(journalPath(dataDir, journal.terminalId), journal);
}

/** After the batch closed: the next batch starts with an empty journal. */
export function clearJournal(dataDir: string, terminalId: string): void {
  rmSync(journalPath(dataDir, terminalId), { force: true });
}

export function journalTotals(entries: readonly JournalEntry[]): JournalTotals {
  let debitAmountMinor = 0n;
  let debitCount = 0n;
  let creditAmountMinor = 0n;
  let creditCount = 0n;
  for (const entry of entries) {
    if (journalSideOfKind[entry.kind] === 'debit') {
      debitAmountMinor += BigInt(entry.amountMinor);
      debitCount += 1n;
    } else {
      creditAmountMinor += BigInt(entry.amountMinor);
      creditCount += 1n;
    }
  }
  return { debitAmountMinor, debitCount, creditAmountMinor, creditCount };
}

function isEntry(value: unknown): value is JournalEntry {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as Record<string, unknown>;
  return (
    typeof entry['kind'] === 'string' &&
    Object.hasOwn(journalSideOfKind, entry['kind']) &&
    typeof entry['trace'] === 'string' &&
    /^\d{6}$/.test(entry['trace']) &&
    typeof entry['amountMinor'] === 'string' &&
    /^\d{1,12}$/.test(entry['amountMinor']) &&
    typeof entry['card'] === 'string' &&
    (entry['entry'] === 'chip' || entry['entry'] === 'swipe' || entry['entry'] === 'contactless')
  );
}

function malformed(terminalId: string, why: string): BastionError {
  return new BastionError('SIM_ERR_JOURNAL', `the journal of terminal ${terminalId} cannot be used: ${why}`, { terminalId });
}
