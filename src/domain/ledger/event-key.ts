import { BastionError } from '../../lib/errors/index.js';
import { IDEMPOTENCY_KEY_LENGTH_MAX, KIND_LENGTH_MAX } from './limits.js';
import { entryKindPattern } from './validate.js';

const partPattern = /^[A-Za-z0-9._-]+$/;

/**
 * The idempotency key of a financial event: its kind and the fields that identify it, joined by
 * `:` — e.g. `eventKey('sale', [acquirerId, terminalId, batchNo, traceNo])`. The same event
 * always gives the same key, so a retried or duplicated message posts once. Parts may not hold
 * `:`, so different events can never produce one key. Never put card data in a key.
 */
export function eventKey(kind: string, parts: readonly string[]): string {
  if (!entryKindPattern.test(kind)) {
    throw new BastionError('LEDGER_ERR_ARGUMENT', `an event kind is 1 to ${KIND_LENGTH_MAX} lower-case letters, digits and _`, { argument: 'kind' });
  }
  parts.forEach((part, index) => {
    if (!partPattern.test(part)) {
      throw new BastionError('LEDGER_ERR_ARGUMENT', 'an event key part is one or more letters, digits and . _ -', { argument: `parts[${index}]` });
    }
  });
  const key = [kind, ...parts].join(':');
  if (parts.length === 0 || key.length > IDEMPOTENCY_KEY_LENGTH_MAX) {
    throw new BastionError('LEDGER_ERR_ARGUMENT', `an event key has at least one part and at most ${IDEMPOTENCY_KEY_LENGTH_MAX} characters in all`, {
      argument: 'parts',
    });
  }
  return key;
}
