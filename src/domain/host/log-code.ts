import { BastionError } from '../../lib/errors/index.js';

/** What the host logs of a failure: its Bastion error code, or HOST_ERR_INTERNAL (never a message). */
export function hostLogCodeOf(error: unknown): string {
  return error instanceof BastionError ? error.code : 'HOST_ERR_INTERNAL';
}
