import type { OpSpec } from '../op-spec.js';

export const pinblockOps: readonly OpSpec[] = [];
