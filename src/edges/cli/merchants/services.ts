import { MerchantService } from '../../../domain/merchants/index.js';
import { TerminalService, TIME_ZONE_DEFAULT } from '../../../domain/terminals/index.js';
import { BastionError, type ErrorCode } from '../../../lib/errors/index.js';
import type { Store } from '../../../ports/store.js';
import { reportCommandFailure } from '../command-failure.js';
import type { CliIo } from '../io.js';
import { openConfiguredStore } from '../store/configured-store.js';

/** The services a merchant or terminal command works with, over the configured store. */
export interface RegistryServices {
  readonly store: Store;
  readonly merchants: MerchantService;
  readonly terminals: TerminalService;
}

/** BASTION_TIME_ZONE: the IANA zone of the acquirer's business day (default Asia/Shanghai). */
export function timeZoneFromEnvironment(environment: NodeJS.ProcessEnv = process.env): string {
  const configured = environment['BASTION_TIME_ZONE'];
  return configured === undefined || configured === '' ? TIME_ZONE_DEFAULT : configured;
}

/**
 * Opens the configured store, builds the services on the wall clock, runs `work` and prints what
 * it returns. A coded error is one line on stderr and exit 2; anything else is reported as
 * CLI_ERR_INTERNAL without its text (it may carry driver details) and exit 1. Never a stack trace.
 */
export async function runWithServices(io: CliIo, setExit: (code: number) => void, work: (services: RegistryServices) => Promise<string>): Promise<void> {
  let store: Store | undefined;
  try {
    const clock = (): bigint => BigInt(Date.now());
    // Checked before the store is opened, so a mistyped zone touches nothing.
    const timeZone = timeZoneFromEnvironment();
    store = (await openConfiguredStore()).store;
    const merchants = new MerchantService(store, { clock });
    const terminals = new TerminalService(store, merchants, { clock, timeZone });
    io.stdout(await work({ store, merchants, terminals }));
    setExit(0);
  } catch (error) {
    reportCommandFailure(io, setExit, error);
  } finally {
    await store?.close();
  }
}

/** A required option's value, or CLI_ERR_ARGUMENT_MISSING naming the flag. */
export function requiredOption(value: string | undefined, flag: string): string {
  if (value === undefined) throw new BastionError('CLI_ERR_ARGUMENT_MISSING', `${flag} is required`, { argument: flag });
  return value;
}

/** A whole decimal number of at most `digitsMax` digits, or the given coded error naming the flag. */
export function wholeNumberOption(value: string, flag: string, code: ErrorCode, digitsMax: number): bigint {
  if (!new RegExp(`^\\d{1,${digitsMax}}$`).test(value)) throw new BastionError(code, `${flag} must be a whole number`, { argument: flag });
  return BigInt(value);
}

/** Lines of columns padded to the widest value, for `list` output a person reads. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]): string => `${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd()}\n`;
  return [line(header), ...rows.map(line)].join('');
}

/** JSON with bigints as decimal strings (JSON has no 64-bit integers) and bytes as hex. */
export function toJsonLine(value: unknown): string {
  // Buffer.toJSON runs before a replacer sees the value, so bytes are recognised on the holder.
  function replacer(this: Readonly<Record<string, unknown>>, key: string, item: unknown): unknown {
    const original = this[key];
    if (original instanceof Uint8Array) return Buffer.from(original).toString('hex').toUpperCase();
    return typeof item === 'bigint' ? item.toString() : item;
  }
  return `${JSON.stringify(value, replacer)}\n`;
}
