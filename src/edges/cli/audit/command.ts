import { randomBytes } from 'node:crypto';
import { Command } from 'commander';
import { auditChainKeyBytes, auditHashBytes, readAuditHead, readAuditTail, verifyAuditLog, type AuditAnchor } from '../../../domain/audit/index.js';
import { BastionError, isBastionError } from '../../../lib/errors/index.js';
import type { Store } from '../../../ports/store.js';
import type { CliIo } from '../io.js';
import { dataDirFromEnvironment, openConfiguredStore } from '../store/configured-store.js';
import { auditKeyFilePath, readAuditChainKey } from './chain-key-file.js';
import { formatAuditRow, formatVerifyReport } from './output.js';

/** `bastion audit verify` exit statuses: a verdict (0, 1) or no verdict at all (2). */
export const auditExit = { intact: 0, tampered: 1, cannotVerify: 2 } as const;

const tailRowsDefault = 20;

/** `bastion audit …`: check and read the hash-chained audit log. */
export function auditCommand(io: CliIo, setExit: (code: number) => void): Command {
  const audit = new Command('audit').description('the hash-chained audit log of security-relevant actions');
  audit
    .command('verify')
    .description('recompute the whole chain; exit 0 intact, 1 tampered (each problem printed), 2 could not verify')
    .option('--anchor <seq:hash>', 'also require the row at seq to have this hash (a head printed by an earlier verify)')
    .action(async (options: { anchor?: string }) => {
      await withStore(io, setExit, async (store) => {
        const anchor = options.anchor === undefined ? undefined : parseAnchor(options.anchor);
        const report = await verifyAuditLog(store, { chainKey: await chainKeyForVerify(store), ...(anchor === undefined ? {} : { anchor }) });
        io.stdout(formatVerifyReport(report));
        return report.intact ? auditExit.intact : auditExit.tampered;
      });
    });
  audit
    .command('tail')
    .description('print the most recent rows, oldest first, as stored (run verify to check them)')
    .option('--limit <rows>', `how many rows (1 to 1000, default ${tailRowsDefault})`)
    .action(async (options: { limit?: string }) => {
      await withStore(io, setExit, async (store) => {
        const rows = await readAuditTail(store, parseLimit(options.limit));
        for (const row of rows) io.stdout(formatAuditRow(row));
        return 0;
      });
    });
  return audit;
}

/** Opens the configured store, runs the work, and turns every failure into a coded line and exit 2. */
async function withStore(io: CliIo, setExit: (code: number) => void, work: (store: Store) => Promise<number>): Promise<void> {
  let store: Store | undefined;
  try {
    store = (await openConfiguredStore()).store;
    setExit(await work(store));
  } catch (error) {
    io.stderr(errorLine(error, store === undefined));
    setExit(auditExit.cannotVerify);
  } finally {
    await store?.close();
  }
}

/**
 * The key file's key. Without one the log can still be checked if it has never been written:
 * a log whose head binds no key can hold no authentic row, so any key will do to show that.
 */
async function chainKeyForVerify(store: Store): Promise<Buffer> {
  const path = auditKeyFilePath(process.env, dataDirFromEnvironment());
  const key = readAuditChainKey(path);
  if (key !== undefined) return key;
  const head = await readAuditHead(store);
  if (head !== undefined && !head.keyBound) return randomBytes(auditChainKeyBytes);
  throw new BastionError('AUDIT_ERR_KEY_MISSING', `the audit log has rows but there is no key file at ${path}`, { argument: 'BASTION_AUDIT_KEY_FILE' });
}

function parseAnchor(text: string): AuditAnchor {
  const match = new RegExp(`^(\\d{1,19}):([0-9a-fA-F]{${auditHashBytes * 2}})$`).exec(text);
  if (match === null) throw new BastionError('AUDIT_ERR_ARGUMENT', 'the anchor must be seq:hash as printed by bastion audit verify', { argument: 'anchor' });
  return { seq: BigInt(match[1] as string), hash: Buffer.from(match[2] as string, 'hex') };
}

function parseLimit(text: string | undefined): number {
  if (text === undefined) return tailRowsDefault;
  if (!/^\d{1,7}$/.test(text)) throw new BastionError('AUDIT_ERR_ARGUMENT', 'the limit must be a whole number of rows', { argument: 'limit' });
  return Number(text);
}

function errorLine(error: unknown, opening: boolean): string {
  if (isBastionError(error)) {
    const argument = error.details['argument'];
    return `error ${error.code}: ${error.message}${argument === undefined ? '' : ` (argument: ${String(argument)})`}\n`;
  }
  // Driver errors may quote connection strings or data: never printed.
  return opening ? 'error STORE_ERR_CONFIG: the store could not be opened\n' : 'error CLI_ERR_INTERNAL: the audit log could not be read\n';
}
