import type { OpSpec } from '../op-spec.js';

export const cardOps: readonly OpSpec[] = [];
