import type { MessageSpec } from '../spec.js';
import { iso87AsciiSpec } from './iso87-ascii.js';
import { iso87BinarySpec } from './iso87-binary.js';
import { unionPayPosSettlementSpec, unionPayPosSpec } from './unionpay-pos.js';

/**
 * The dialects Bastion ships, by the name each spec carries (`spec.name`). Tools that take a spec
 * name from a person (the CLI's --spec) look it up here; a new dialect is one more entry.
 */
export const specs = {
  [unionPayPosSpec.name]: unionPayPosSpec,
  [unionPayPosSettlementSpec.name]: unionPayPosSettlementSpec,
  [iso87AsciiSpec.name]: iso87AsciiSpec,
  [iso87BinarySpec.name]: iso87BinarySpec,
} as const satisfies Readonly<Record<string, MessageSpec>>;

export type SpecName = keyof typeof specs;

/** Spec names in a stable order, for help text and error messages. */
export const specNames: readonly SpecName[] = Object.freeze(Object.keys(specs) as SpecName[]);

export function isSpecName(name: string): name is SpecName {
  return Object.hasOwn(specs, name);
}

/** The spec of that name, or undefined: the caller decides how to report an unknown name. */
export function findSpec(name: string): MessageSpec | undefined {
  return isSpecName(name) ? specs[name] : undefined;
}

export { iso87AsciiSpec, type Iso87AsciiSpec } from './iso87-ascii.js';
export { iso87BinarySpec, type Iso87BinarySpec } from './iso87-binary.js';
