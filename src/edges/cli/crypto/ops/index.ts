import type { OpSpec } from '../op-spec.js';
import { cardOps } from './card.js';
import { cipherOps } from './cipher.js';
import { dukptOps } from './dukpt.js';
import { emvOps } from './emv.js';
import { kcvOps } from './kcv.js';
import { keyOps } from './key.js';
import { macOps } from './mac.js';
import { pinblockOps } from './pinblock.js';
import { tr31Ops } from './tr31.js';

/** Every calculator operation, in the order the reference lists them. */
export const allOps: readonly OpSpec[] = [...cipherOps, ...kcvOps, ...keyOps, ...pinblockOps, ...dukptOps, ...macOps, ...tr31Ops, ...emvOps, ...cardOps];

export function findOp(name: string): OpSpec | undefined {
  return allOps.find((op) => op.name === name);
}
