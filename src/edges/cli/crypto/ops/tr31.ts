import type { OpSpec } from '../op-spec.js';

export const tr31Ops: readonly OpSpec[] = [];
