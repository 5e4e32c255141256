import type { IsoMessage, UnionPayPosSpec } from '../../lib/iso8583/index.js';
import type { Merchant } from '../merchants/index.js';
import type { Terminal } from '../terminals/index.js';
import type { HostDependencies } from './deps.js';

/**
 * The terminal a request names (field 41) and the merchant it is bound to. `fresh` reads the
 * database; otherwise the services may answer from their caches, which on PostgreSQL can be a
 * moment behind a commit on another node. Sign-in, parameter download and batch messages read
 * fresh (rare, and they hand out keys or close batches); financial requests read the caches and
 * look again before refusing (`identifyTerminal`).
 */
export async function lookUpTerminal(
  deps: HostDependencies,
  request: IsoMessage<UnionPayPosSpec>,
  fresh: boolean,
): Promise<{ readonly terminal: Terminal | undefined; readonly merchant: Merchant | undefined }> {
  const terminal = await deps.terminals.findByTerminalId(request.get(41) ?? '', { fresh });
  const merchant = terminal === undefined ? undefined : await deps.merchants.find(terminal.merchantId, { fresh });
  return { terminal, merchant };
}
