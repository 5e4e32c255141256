import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadLmk, readLmkStatus } from '../../../adapters/hsm/lmk-file.js';
import { SoftwareHsm } from '../../../adapters/hsm/software-hsm.js';
import { seedIssuerSimulator } from '../../../adapters/network/issuer-simulator/index.js';
import { AuditLog } from '../../../domain/audit/index.js';
import { MerchantService } from '../../../domain/merchants/index.js';
import { TerminalService, type Terminal } from '../../../domain/terminals/index.js';
import { keyCheckValue, toHex, xorInto } from '../../../lib/crypto/index.js';
import { BastionError } from '../../../lib/errors/index.js';
import type { HsmPort } from '../../../ports/hsm.js';
import { loadSimulatorState, provisionSimulatedTerminal, saveSimulatorState, type SimulatorHostAddress } from '../../terminal-simulator/state.js';
import { operatingSystemActor } from '../actor.js';
import { auditKeyFilePath, readOrCreateAuditChainKey } from '../audit/chain-key-file.js';
import { auditCreatedKeys } from '../cards/cards-command.js';
import type { CliIo } from '../io.js';
import { createDevelopmentLmk } from '../keys/ceremony.js';
import { openCeremonyAudit } from '../keys/ceremony-audit.js';
import { timeZoneFromEnvironment } from '../merchants/services.js';
import { dataDirFromEnvironment, openConfiguredStore } from '../store/configured-store.js';

/**
 * The demo's data: a development LMK, the audit chain key, the issuer simulator's test cards, one
 * merchant and one terminal with a TMK, and the simulator's key file for that terminal. Each part
 * is created only when missing, so `bastion demo` can be run again on its own data. A data
 * directory is the demo's when it was empty at the first run, which `demo.json` records; any
 * other non-empty directory is refused (SERVE_ERR_DEMO_DATA), so the demo never writes into a
 * real host's data.
 */
export const demoMarkerFile = 'demo.json';
export const DEMO_MERCHANT_ID = '898310048160001';
export const DEMO_TERMINAL_ID = '10000001';
const demoMarkerFormat = 'bastion-demo';
const demoMarkerVersion = 1;
const demoMarkerBytesMax = 4096;

interface DemoMarker {
  readonly format: typeof demoMarkerFormat;
  readonly version: typeof demoMarkerVersion;
  readonly merchantId: string;
  readonly terminalId: string;
  readonly createdAtMs: number;
}

export interface DemoData {
  readonly dataDir: string;
  readonly merchantId: string;
  readonly terminalId: string;
  readonly created: boolean;
  /**
   * Writes the simulator's key file for the demo terminal with the host's real address (known once
   * the channel listens). Holds the clear TMK only when a new one was generated in this run.
   */
  provisionSimulator(address: SimulatorHostAddress): string;
}

function demoDataError(dataDir: string, what: string): BastionError {
  return new BastionError('SERVE_ERR_DEMO_DATA', `${dataDir} ${what}; the demo only writes into an empty directory or its own earlier demo: set BASTION_DATA_DIR to a new directory`, {
    argument: 'BASTION_DATA_DIR',
  });
}

/** Reads the marker: undefined for an empty or missing directory, an error for anything not a demo. */
function readMarker(dataDir: string): DemoMarker | undefined {
  let entries: string[];
  try {
    if (!statSync(dataDir).isDirectory()) throw demoDataError(dataDir, 'is not a directory');
    entries = readdirSync(dataDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if (error instanceof BastionError) throw error;
    throw demoDataError(dataDir, 'cannot be read');
  }
  if (entries.length === 0) return undefined;
  if (!entries.includes(demoMarkerFile)) throw demoDataError(dataDir, `is not empty and holds no ${demoMarkerFile}, so it is not a Bastion demo`);
  const path = join(dataDir, demoMarkerFile);
  try {
    if (statSync(path).size > demoMarkerBytesMax) throw new Error('too large');
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<DemoMarker>;
    if (parsed.format !== demoMarkerFormat || parsed.version !== demoMarkerVersion || parsed.merchantId !== DEMO_MERCHANT_ID || parsed.terminalId !== DEMO_TERMINAL_ID) {
      throw new Error('not a demo marker');
    }
    return parsed as DemoMarker;
  } catch {
    throw demoDataError(dataDir, `has a ${demoMarkerFile} that is not this version's demo marker`);
  }
}

function writeMarker(dataDir: string, nowMs: number): void {
  const marker: DemoMarker = { format: demoMarkerFormat, version: demoMarkerVersion, merchantId: DEMO_MERCHANT_ID, terminalId: DEMO_TERMINAL_ID, createdAtMs: nowMs };
  // 'wx': a second demo starting in the same empty directory at the same moment does not overwrite it.
  writeFileSync(join(dataDir, demoMarkerFile), `${JSON.stringify(marker, null, 2)}\n`, { flag: 'wx', mode: 0o600 });
}

/**
 * Creates whatever of the demo data is missing in the configured data directory (the embedded
 * database only) and returns how to provision the simulator once the host listens.
 */
export async function prepareDemoData(io: CliIo, environment: NodeJS.ProcessEnv): Promise<DemoData> {
  for (const variable of ['DATABASE_URL', 'BASTION_DB']) {
    if (environment[variable] !== undefined && environment[variable] !== '') {
      throw new BastionError('SERVE_ERR_CONFIG', `the demo runs on the embedded database in BASTION_DATA_DIR; unset ${variable} (bastion serve uses it)`, { argument: variable });
    }
  }
  const timeZone = timeZoneFromEnvironment(environment);
  const dataDir = dataDirFromEnvironment(environment);
  const marker = readMarker(dataDir);
  const nowMs = Date.now();
  if (marker === undefined) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    writeMarker(dataDir, nowMs);
    io.stdout(`Demo data directory: ${dataDir} (new)\n`);
  } else {
    io.stdout(`Demo data directory: ${dataDir} (the demo made on ${new Date(marker.createdAtMs).toISOString()}; reusing it)\n`);
  }

  const lmkStatus = readLmkStatus(dataDir);
  if (lmkStatus === undefined) {
    const ceremonyAudit = await openCeremonyAudit(environment, Date.now);
    try {
      const result = await createDevelopmentLmk(io, dataDir, nowMs);
      await ceremonyAudit.record('success', { development: true, lmkKcv: result.kcv, algorithm: result.algorithm });
    } finally {
      await ceremonyAudit.close();
    }
  } else if (!lmkStatus.development) {
    throw demoDataError(dataDir, 'holds an LMK that is not the development LMK');
  }

  const lmk = await loadLmk({ dataDir, passphrase: undefined, allowDev: true });
  const { store } = await openConfiguredStore(environment);
  try {
    const hsm = new SoftwareHsm(lmk);
    const clock = (): bigint => BigInt(Date.now());
    const audit = new AuditLog({ store, clock, chainKey: readOrCreateAuditChainKey(auditKeyFilePath(environment, dataDir)) });
    const seed = await seedIssuerSimulator({ store, hsm });
    await auditCreatedKeys(store, dataDir, seed, environment);
    const created = seed.cards.filter((card) => card.outcome === 'created').length;
    io.stdout(`Test cards: ${seed.cards.length} in the issuer simulator (${created} created); PANs and PINs: docs/test-cards.md\n`);

    const merchants = new MerchantService(store, { clock });
    const terminals = new TerminalService(store, merchants, { clock, timeZone });
    if ((await merchants.find(DEMO_MERCHANT_ID)) === undefined) {
      await merchants.add({ merchantId: DEMO_MERCHANT_ID, legalName: 'Bastion Demo Shop', fee: { rateBasisPoints: 38, fixedMinor: 0n } });
      io.stdout(`Merchant ${DEMO_MERCHANT_ID} (Bastion Demo Shop, fee 0.38%) added\n`);
    }
    let terminal = await terminals.findByTerminalId(DEMO_TERMINAL_ID);
    if (terminal === undefined) {
      terminal = await terminals.add({ terminalId: DEMO_TERMINAL_ID, merchantId: DEMO_MERCHANT_ID, serialNumber: 'DEMO-SIM-0001', model: 'Bastion simulator' });
      io.stdout(`Terminal ${DEMO_TERMINAL_ID} added for merchant ${DEMO_MERCHANT_ID}\n`);
    }
    const clearTmk = simulatorHasTerminalTmk(dataDir, terminal) ? undefined : await newDemoTmk({ hsm, terminals, audit, terminal, io });
    return {
      dataDir,
      merchantId: DEMO_MERCHANT_ID,
      terminalId: DEMO_TERMINAL_ID,
      created: marker === undefined,
      provisionSimulator(address) {
        if (clearTmk === undefined) {
          // Same TMK as before: only the host's address may have changed.
          const state = loadSimulatorState(dataDir, DEMO_TERMINAL_ID);
          return saveSimulatorState(dataDir, { ...state, hostAddress: address });
        }
        try {
          return provisionSimulatedTerminal({ dataDir, terminalId: DEMO_TERMINAL_ID, merchantId: DEMO_MERCHANT_ID, hostAddress: address, tmk: clearTmk });
        } finally {
          clearTmk.fill(0);
        }
      },
    };
  } finally {
    await store.close();
    lmk.destroy();
  }
}

/** Whether the simulator's key file holds the TMK the host has for the terminal (compared by KCV). */
function simulatorHasTerminalTmk(dataDir: string, terminal: Terminal): boolean {
  if (terminal.tmk === undefined) return false;
  try {
    const state = loadSimulatorState(dataDir, terminal.terminalId);
    const clear = Buffer.from(state.tmk, 'hex');
    try {
      return keyCheckValue('tdes', clear, { lengthBytes: terminal.tmk.kcv.length }).equals(Buffer.from(terminal.tmk.kcv));
    } finally {
      clear.fill(0);
    }
  } catch {
    return false;
  }
}

/**
 * A new TMK for the demo terminal, as `bastion terminal keys` makes one: generated in the HSM,
 * stored under the LMK, exported as two clear components (recorded as key.generate and key.export
 * before use), and "injected" into the simulator as their XOR. Returns the clear TMK.
 */
async function newDemoTmk(options: { hsm: HsmPort; terminals: TerminalService; audit: AuditLog; terminal: Terminal; io: CliIo }): Promise<Buffer> {
  const { hsm, terminals, audit, terminal, io } = options;
  const tmk = await hsm.generateKey('TMK', 'tdes-2key');
  const components = await hsm.exportKeyAsComponents(tmk, 2);
  const stored = await terminals.setTmk(terminal, tmk, { replace: terminal.tmk !== undefined });
  const event = { actor: operatingSystemActor(), target: `terminal:${stored.terminalId}`, source: 'cli', outcome: 'success' } as const;
  await audit.append({ ...event, action: 'key.generate', details: { keyType: 'TMK', algorithm: tmk.algorithm, kcv: toHex(tmk.kcv), replaced: terminal.tmk !== undefined } });
  await audit.append({ ...event, action: 'key.export', details: { keyType: 'TMK', kcv: toHex(tmk.kcv), form: 'clear-components', components: components.length, injectedInto: 'terminal-simulator' } });
  const clear = Buffer.alloc(components[0]?.component.length ?? 0);
  for (const component of components) {
    xorInto(clear, component.component);
    component.component.fill(0);
  }
  if (!keyCheckValue('tdes', clear, { lengthBytes: tmk.kcv.length }).equals(Buffer.from(tmk.kcv))) {
    clear.fill(0);
    throw new BastionError('HSM_ERR_KEY_INTEGRITY', 'the TMK components do not rebuild the stored key; nothing was given to the simulator');
  }
  io.stdout(`Terminal ${stored.terminalId}: new TMK (KCV ${toHex(tmk.kcv)}) injected into the terminal simulator's key file\n`);
  return clear;
}
