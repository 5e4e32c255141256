import type { OpSpec } from '../op-spec.js';

export const macOps: readonly OpSpec[] = [];
