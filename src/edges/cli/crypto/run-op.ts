import { BastionError } from '../../../lib/errors/index.js';
import { parseArgs } from './arg-spec.js';
import { allOps, findOp } from './ops/index.js';
import type { OpResult } from './op-spec.js';

/** Runs one operation by name on raw arguments (flag strings or batch JSON values). */
export function runOp(name: string, rawArgs: Readonly<Record<string, unknown>>): OpResult {
  const op = findOp(name);
  if (op === undefined) {
    throw new BastionError('CLI_ERR_UNKNOWN_COMMAND', `unknown operation ${JSON.stringify(name.slice(0, 40))}; known: ${allOps.map((o) => o.name).join(', ')}`, {
      argument: 'op',
    });
  }
  return op.run(parseArgs(op.args, rawArgs));
}
