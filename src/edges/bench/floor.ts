import { availableParallelism, cpus, release, totalmem } from 'node:os';
import { measureCryptoFloor, type CryptoFloor } from './floor-crypto.js';
import { measureDurableInsertFloor, type DurableInsertFloor, type FloorStore } from './floor-store.js';

export { measureCryptoFloor, hostOperations, terminalOperations, type CryptoFloor, type CryptoFloorOptions } from './floor-crypto.js';
export { measureDurableInsertFloor, type DurableInsertFloor, type DurableInsertFloorOptions, type FloorStore } from './floor-store.js';

/**
 * What this machine can do at best for a sale's work, measured in the same run as the bench
 * (issue 6): durable commits of an equivalent bare insert, and the sale's crypto alone on one core.
 */
export interface BenchFloor {
  readonly durableCommitsPerSecond: number;
  readonly groupedRowsPerSecond: number;
  readonly cryptoSalesPerSecondHost: number;
  readonly cryptoSalesPerSecondTerminal: number;
  readonly cryptoSalesPerSecondBoth: number;
  /** How the grouped figure was reached: rows per transaction (SQLite) or concurrent clients (PostgreSQL). */
  readonly groupedBy: { readonly rowsPerTransaction: number } | { readonly clients: number };
  readonly postgresSynchronousCommit?: string;
}

/** The bench's figure as a fraction of each floor (1 = the floor reached). */
export interface BenchRatios {
  readonly ratioToCommitFloor: number;
  readonly ratioToGroupedFloor: number;
  /** To the host side's crypto on one core: the host's own work, without the terminals'. */
  readonly ratioToCryptoFloor: number;
}

/** The machine a bench ran on, so its figures can be read against it. */
export interface BenchMachine {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryBytes: number;
  readonly node: string;
  readonly platform: string;
}

export interface BenchFloorOptions {
  /** Milliseconds per store figure (default 1000, two of them); the crypto's four loops take half of it each. */
  readonly durationMs?: number;
}

export async function measureBenchFloor(store: FloorStore, options: BenchFloorOptions = {}): Promise<BenchFloor> {
  const durationMs = options.durationMs ?? 1000;
  const durable: DurableInsertFloor = await measureDurableInsertFloor(store, { durationMs });
  // The crypto figures are split over four loops; together they take about two measured figures.
  const crypto: CryptoFloor = measureCryptoFloor({ durationMs: Math.max(1, Math.round(durationMs / 2)) });
  return {
    durableCommitsPerSecond: durable.durableCommitsPerSecond,
    groupedRowsPerSecond: durable.groupedRowsPerSecond,
    cryptoSalesPerSecondHost: crypto.hostSalesPerSecond,
    cryptoSalesPerSecondTerminal: crypto.terminalSalesPerSecond,
    cryptoSalesPerSecondBoth: crypto.bothSalesPerSecond,
    groupedBy: durable.clients === undefined ? { rowsPerTransaction: durable.rowsPerGroup ?? 0 } : { clients: durable.clients },
    ...(durable.synchronousCommit === undefined ? {} : { postgresSynchronousCommit: durable.synchronousCommit }),
  };
}

export function benchRatios(approvedPerSecond: number, floor: BenchFloor): BenchRatios {
  return {
    ratioToCommitFloor: approvedPerSecond / floor.durableCommitsPerSecond,
    ratioToGroupedFloor: approvedPerSecond / floor.groupedRowsPerSecond,
    ratioToCryptoFloor: approvedPerSecond / floor.cryptoSalesPerSecondHost,
  };
}

export function benchMachine(): BenchMachine {
  const processors = cpus();
  return {
    cpus: typeof availableParallelism === 'function' ? availableParallelism() : processors.length,
    cpuModel: processors[0]?.model.trim() ?? 'unknown',
    memoryBytes: totalmem(),
    node: process.version,
    platform: `${process.platform} ${release()} ${process.arch}`,
  };
}
