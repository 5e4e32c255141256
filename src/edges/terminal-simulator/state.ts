import type { PendingReversal } from './pending-reversal.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BastionError } from '../../lib/errors/index.js';
import { firstBadStateField } from './state-shape.js';
import { writePrivateJson } from './private-file.js';

/**
 * What the terminal simulator keeps between commands: the part of a POS terminal's secure memory
 * and settings that outlives one transaction. A real terminal holds its TMK in a tamper-responsive
 * key store; the simulator, which plays the terminal (and the cardholder), keeps it in this file,
 * readable by its owner only (mode 0600), one file per terminal under
 * `BASTION_DATA_DIR/simulator/terminal-<tid>.json`. It is a development and test tool: the file
 * holds clear keys, as the device would, and never reaches the host's database, logs or backups.
 */
export const SIMULATOR_STATE_VERSION = 1;

export interface SimulatorHostAddress {
  readonly host: string;
  readonly port: number;
  /** TLS to the host's channel; PEM file paths (absolute). Absent: plain TCP. */
  readonly tls?: {
    readonly caFile?: string;
    readonly certFile?: string;
    readonly keyFile?: string;
    readonly serverName?: string;
  };
}

/** Keys installed by the last sign-in, clear, as hex (what the terminal holds after checking the KCVs). */
export interface SimulatorWorkingKeys {
  readonly pik: string;
  readonly mak: string;
  readonly tdk: string;
  /** Epoch milliseconds of the sign-in that delivered them. */
  readonly signedInAtMs: number;
}

export interface SimulatorState {
  readonly version: typeof SIMULATOR_STATE_VERSION;
  /** Field 41. */
  readonly terminalId: string;
  /** Field 42. */
  readonly merchantId: string;
  readonly hostAddress: SimulatorHostAddress;
  /** The terminal master key, clear hex, as injected from its components. */
  readonly tmk: string;
  readonly tmkAlgorithm: 'tdes-2key' | 'tdes-3key';
  /** The ECB MAC variant the host has on record for this terminal's model. */
  readonly macVariant: 'des-left' | 'tdes';
  /** Whether the terminal enciphers track 2 / 3 under the TDK (field 53, third digit 1). */
  readonly encryptTracks: boolean;
  /** The current batch (60.2), six digits. */
  readonly batchNumber: string;
  /** The last system trace audit number used (field 11), 0..999999; the next is +1 (wrapping to 1). */
  readonly lastTrace: number;
  readonly workingKeys?: SimulatorWorkingKeys;
  /** The last application transaction counter each test card (by profile name) has used. */
  readonly cardAtc: Readonly<Record<string, number>>;
  /** A sale sent whose answer was not seen: reversed (0400) before the next transaction. */
  readonly pendingReversal?: PendingReversal;
}

export function simulatorStatePath(dataDir: string, terminalId: string): string {
  if (!/^[A-Za-z0-9]{8}$/.test(terminalId)) {
    throw new BastionError('SIM_ERR_ARGUMENT', 'a terminal id is 8 letters or digits', { argument: '--tid' });
  }
  return join(dataDir, 'simulator', `terminal-${terminalId}.json`);
}

/** Writes the state atomically (temporary file, then rename) with mode 0600. */
export function saveSimulatorState(dataDir: string, state: SimulatorState): string {
  const path = simulatorStatePath(dataDir, state.terminalId);
  writePrivateJson(path, state);
  return path;
}

/** The state of `terminalId`, or a coded error saying how to provision it. */
export function loadSimulatorState(dataDir: string, terminalId: string): SimulatorState {
  const path = simulatorStatePath(dataDir, terminalId);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new BastionError('SIM_ERR_NOT_PROVISIONED', `terminal ${terminalId} has no simulator key file in this data directory: inject its TMK first (bastion terminal inject), or run bastion demo`, { terminalId });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BastionError('SIM_ERR_STATE', `the simulator key file of terminal ${terminalId} is not valid JSON`, { terminalId });
  }
  if (typeof parsed !== 'object' || parsed === null || (parsed as { version?: unknown }).version !== SIMULATOR_STATE_VERSION || (parsed as { terminalId?: unknown }).terminalId !== terminalId) {
    throw new BastionError('SIM_ERR_STATE', `the simulator key file of terminal ${terminalId} is not a version ${SIMULATOR_STATE_VERSION} file for that terminal`, { terminalId });
  }
  const badField = firstBadStateField(parsed as Record<string, unknown>);
  if (badField !== undefined) {
    throw new BastionError('SIM_ERR_STATE', `the simulator key file of terminal ${terminalId} has a malformed ${badField}: inject the TMK again`, { terminalId, field: badField });
  }
  return parsed as SimulatorState;
}

export interface ProvisionSimulatorOptions {
  readonly dataDir: string;
  readonly terminalId: string;
  readonly merchantId: string;
  readonly hostAddress: SimulatorHostAddress;
  /** The clear TMK (the XOR of its components, as injected). */
  readonly tmk: Buffer;
  readonly macVariant?: 'des-left' | 'tdes';
  readonly encryptTracks?: boolean;
  readonly batchNumber?: string;
}

/**
 * A new simulated terminal: TMK injected, never signed in. Replaces any earlier file for the
 * terminal, but keeps what outlives a key injection on a real device: its trace counter and batch
 * (the host de-duplicates by terminal, batch and trace, so restarting at trace 1 would replay old
 * replies) and the test cards' ATCs (the issuer refuses an ATC it has seen).
 */
export function provisionSimulatedTerminal(options: ProvisionSimulatorOptions): string {
  if (options.tmk.length !== 16 && options.tmk.length !== 24) {
    throw new BastionError('SIM_ERR_ARGUMENT', 'the simulator takes a TDES TMK of 16 or 24 bytes', { argument: 'tmk' });
  }
  const earlier = earlierCounters(options.dataDir, options.terminalId);
  return saveSimulatorState(options.dataDir, {
    version: SIMULATOR_STATE_VERSION,
    terminalId: options.terminalId,
    merchantId: options.merchantId,
    hostAddress: options.hostAddress,
    tmk: options.tmk.toString('hex').toUpperCase(),
    tmkAlgorithm: options.tmk.length === 16 ? 'tdes-2key' : 'tdes-3key',
    macVariant: options.macVariant ?? 'des-left',
    encryptTracks: options.encryptTracks ?? true,
    batchNumber: options.batchNumber ?? earlier?.batchNumber ?? '000001',
    lastTrace: earlier?.lastTrace ?? 0,
    cardAtc: earlier?.cardAtc ?? {},
  });
}

function earlierCounters(dataDir: string, terminalId: string): Pick<SimulatorState, 'batchNumber' | 'lastTrace' | 'cardAtc'> | undefined {
  try {
    const { batchNumber, lastTrace, cardAtc } = loadSimulatorState(dataDir, terminalId);
    const counts = /^\d{6}$/.test(batchNumber) && Number.isInteger(lastTrace) && typeof cardAtc === 'object';
    return counts ? { batchNumber, lastTrace, cardAtc } : undefined;
  } catch {
    return undefined;
  }
}
