import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Test support (left out of the build): the shipped parameter file and a way to edit it. */
export const shippedParameterFile = fileURLToPath(new URL('../../../params/emv-test-parameters.json', import.meta.url));

export interface ParameterFileJson {
  format: string;
  capks: Record<string, unknown>[];
  aids: Record<string, unknown>[];
}

export function shippedParameters(): ParameterFileJson {
  return JSON.parse(readFileSync(shippedParameterFile, 'utf8')) as ParameterFileJson;
}
