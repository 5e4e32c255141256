import type { OpSpec } from '../op-spec.js';

export const dukptOps: readonly OpSpec[] = [];
