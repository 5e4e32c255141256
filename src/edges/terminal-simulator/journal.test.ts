import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectBastionError } from '../../lib/errors/test-helpers.js';
import { appendToJournal, journalPath, loadJournal } from './journal.js';

const TERMINAL_ID = '10000001';
const entry = { kind: 'sale', trace: '000002', amountMinor: '1234', card: 'approve-chip-pin', entry: 'chip' } as const;

describe("the terminal simulator's batch journal", () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'bastion-journal-'));
  });
  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  function write(text: string): void {
    const path = journalPath(dataDir, TERMINAL_ID);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }

  it('is empty until something is appended, and keeps only the batch asked for', () => {
    expect(loadJournal(dataDir, TERMINAL_ID, '000001').entries).toEqual([]);
    appendToJournal(dataDir, TERMINAL_ID, '000001', entry);
    expect(loadJournal(dataDir, TERMINAL_ID, '000001').entries).toEqual([entry]);
    expect(loadJournal(dataDir, TERMINAL_ID, '000002').entries).toEqual([]);
  });

  it('refuses a file that is not JSON, not a journal of this terminal, or has a malformed entry, with SIM_ERR_JOURNAL', () => {
    for (const text of [
      '{not json',
      JSON.stringify({ version: 1, terminalId: '10000002', batchNumber: '000001', entries: [] }),
      JSON.stringify({ version: 2, terminalId: TERMINAL_ID, batchNumber: '000001', entries: [] }),
      JSON.stringify({ version: 1, terminalId: TERMINAL_ID, batchNumber: '000001', entries: [{ ...entry, trace: '2' }] }),
      JSON.stringify({ version: 1, terminalId: TERMINAL_ID, batchNumber: '000001', entries: [{ ...entry, kind: 'gift' }] }),
    ]) {
      write(text);
      expectBastionError(() => loadJournal(dataDir, TERMINAL_ID, '000001'), 'SIM_ERR_JOURNAL', { terminalId: TERMINAL_ID });
    }
  });
});
