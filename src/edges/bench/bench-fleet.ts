import { mkdirSync } from 'node:fs';
import { CARD_AMOUNT_MINOR_MAX, seedIssuerSimulator, type TestCardDefinition } from '../../adapters/network/issuer-simulator/index.js';
import { loadLmk, readLmkStatus } from '../../adapters/hsm/lmk-file.js';
import { SoftwareHsm } from '../../adapters/hsm/software-hsm.js';
import { MerchantService } from '../../domain/merchants/index.js';
import { TerminalService } from '../../domain/terminals/index.js';
import { keyCheckValue, luhnCheckDigit, xorInto } from '../../lib/crypto/index.js';
import { BastionError } from '../../lib/errors/index.js';
import { auditKeyFilePath, readOrCreateAuditChainKey } from '../cli/audit/chain-key-file.js';
import type { CliIo } from '../cli/io.js';
import { createDevelopmentLmk } from '../cli/keys/ceremony.js';
import { openConfiguredStore } from '../cli/store/configured-store.js';
import type { LoadTerminalSpec } from './load-terminal.js';

/** The bench's merchant; its terminals are 9xxxxxxx so they never meet the demo's. */
export const BENCH_MERCHANT_ID = '898310099990001';
export const BENCH_TERMINALS_MAX = 4096;
/** The test PIN of every bench card. */
export const BENCH_PIN = '2580';
/** A test BIN range of our own: 621234 99 … */
const benchPanPrefix = '62123499';

export function benchTerminalId(index: number): string {
  return `9${String(index + 1).padStart(7, '0')}`;
}

/**
 * Card `index` of the bench: a chip card with a PIN, in the test BIN, that never runs out of money
 * or daily limit, so every decline in a bench run is the host's doing, not the card's.
 */
export function benchCard(index: number): TestCardDefinition {
  const payload = `${benchPanPrefix}${String(index).padStart(7, '0')}`;
  return {
    profile: `bench-${index}`,
    purpose: 'load generation: chip and PIN, unlimited funds',
    pan: `${payload}${luhnCheckDigit(payload)}`,
    expiry: '3112',
    serviceCode: '220',
    testPin: BENCH_PIN,
    pvki: '1',
    status: 'active',
    currency: '156',
    balanceMinor: CARD_AMOUNT_MINOR_MAX,
    dailyLimitMinor: CARD_AMOUNT_MINOR_MAX,
    emv: { psn: '01', masterKeyOption: 'A', sessionKey: 'common', padding: 2 },
  };
}

export interface BenchFleet {
  readonly terminals: readonly LoadTerminalSpec[];
}

/**
 * Everything a bench host needs in the configured data directory and store: the development LMK,
 * the audit chain key, the issuer's keys and one bench card per terminal, the bench merchant, and
 * `terminalCount` terminals, each with a new TMK generated in the HSM and handed to its load
 * terminal as the XOR of its exported components (as `bastion terminal keys` does).
 * Development keys only: the bench refuses a data directory holding a real LMK.
 */
export async function prepareBenchFleet(io: CliIo, environment: NodeJS.ProcessEnv, dataDir: string, terminalCount: number): Promise<BenchFleet> {
  if (!Number.isInteger(terminalCount) || terminalCount < 1 || terminalCount > BENCH_TERMINALS_MAX) {
    throw new BastionError('BENCH_ERR_ARGUMENT', `the bench runs 1 to ${BENCH_TERMINALS_MAX} terminals`, { argument: 'terminals' });
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const status = readLmkStatus(dataDir);
  if (status === undefined) await createDevelopmentLmk(quiet(io), dataDir, Date.now());
  else if (!status.development) throw new BastionError('BENCH_ERR_ARGUMENT', `${dataDir} holds a real LMK: the bench only runs on development keys in a directory of its own`, { argument: 'BASTION_DATA_DIR' });
  readOrCreateAuditChainKey(auditKeyFilePath(environment, dataDir));
  const lmk = await loadLmk({ dataDir, passphrase: undefined, allowDev: true });
  const { store } = await openConfiguredStore({ ...environment, BASTION_DATA_DIR: dataDir });
  try {
    const hsm = new SoftwareHsm(lmk);
    const cards = Array.from({ length: terminalCount }, (_, index) => benchCard(index));
    await seedIssuerSimulator({ store, hsm, cards });
    const clock = (): bigint => BigInt(Date.now());
    const merchants = new MerchantService(store, { clock });
    const terminals = new TerminalService(store, merchants, { clock });
    if ((await merchants.find(BENCH_MERCHANT_ID)) === undefined) await merchants.add({ merchantId: BENCH_MERCHANT_ID, legalName: 'Bastion Bench Shop', fee: { rateBasisPoints: 38, fixedMinor: 0n } });
    const specs: LoadTerminalSpec[] = [];
    for (const [index, card] of cards.entries()) {
      const terminalId = benchTerminalId(index);
      const terminal = (await terminals.findByTerminalId(terminalId)) ?? (await terminals.add({ terminalId, merchantId: BENCH_MERCHANT_ID, serialNumber: `BENCH-${terminalId}`, model: 'Bastion load terminal' }));
      const tmk = await hsm.generateKey('TMK', 'tdes-2key');
      const components = await hsm.exportKeyAsComponents(tmk, 2);
      await terminals.setTmk(terminal, tmk, { replace: terminal.tmk !== undefined });
      const clear = Buffer.alloc(components[0]?.component.length ?? 0);
      for (const component of components) {
        xorInto(clear, component.component);
        component.component.fill(0);
      }
      if (!keyCheckValue('tdes', clear, { lengthBytes: tmk.kcv.length }).equals(Buffer.from(tmk.kcv))) throw new BastionError('HSM_ERR_KEY_INTEGRITY', 'the TMK components do not rebuild the stored key');
      specs.push({ terminalId, merchantId: BENCH_MERCHANT_ID, tmk: clear, card, pin: BENCH_PIN });
    }
    return { terminals: specs };
  } finally {
    await store.close();
    lmk.destroy();
  }
}

function quiet(io: CliIo): CliIo {
  return { ...io, stdout: () => undefined, stderr: () => undefined };
}
