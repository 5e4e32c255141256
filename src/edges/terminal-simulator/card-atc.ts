import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { simulatorStatePath, type SimulatorState } from './state.js';

/**
 * A card's application transaction counter must rise with every cryptogram: the issuer keeps the
 * highest ATC it has seen and declines a cryptogram at or below it. A real card carries its ATC
 * from terminal to terminal; the simulated test cards keep theirs in the key files (`cardAtc`, by
 * profile). So that one card used on several simulated terminals of a data directory keeps
 * rising, the next ATC is one above the highest any of them recorded.
 */
export const SIMULATOR_KEY_FILES_SCANNED_MAX = 10_000;

export function nextCardAtc(dataDir: string, state: SimulatorState, profile: string): number {
  let highest = state.cardAtc[profile] ?? 0;
  const directory = dirname(simulatorStatePath(dataDir, state.terminalId));
  let names: string[];
  try {
    names = readdirSync(directory).filter((name) => /^terminal-[A-Za-z0-9]{8}\.json$/.test(name)).slice(0, SIMULATOR_KEY_FILES_SCANNED_MAX);
  } catch {
    names = [];
  }
  for (const name of names) {
    highest = Math.max(highest, recordedAtc(join(directory, name), profile));
  }
  return highest + 1;
}

function recordedAtc(path: string, profile: string): number {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as { cardAtc?: Record<string, unknown> };
    const value = parsed.cardAtc?.[profile];
    return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : 0;
  } catch {
    return 0;
  }
}
