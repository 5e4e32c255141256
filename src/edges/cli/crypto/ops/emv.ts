import type { OpSpec } from '../op-spec.js';

export const emvOps: readonly OpSpec[] = [];
