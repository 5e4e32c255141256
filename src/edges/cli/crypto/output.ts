import { BastionError, type ErrorJson } from '../../../lib/errors/index.js';
import type { OpResult, ResultValue } from './op-spec.js';

/**
 * How results and errors leave the calculator. Unexpected exceptions are reported as
 * CLI_ERR_INTERNAL with a fixed message: their text may quote input, so it is never printed.
 */
export type OpOutcome = { readonly ok: true; readonly result: OpResult } | { readonly ok: false; readonly error: ErrorJson };

export function toErrorJson(error: unknown): ErrorJson {
  if (error instanceof BastionError) return error.toJSON();
  return { code: 'CLI_ERR_INTERNAL', message: 'internal error while running the operation' };
}

export function outcomeOf(run: () => OpResult): OpOutcome {
  try {
    return { ok: true, result: run() };
  } catch (error) {
    return { ok: false, error: toErrorJson(error) };
  }
}

/** Readable text: one `name: value` line per field, nested values indented. */
export function formatText(result: OpResult): string {
  const lines: string[] = [];
  const write = (name: string, value: ResultValue, indent: string): void => {
    if (Array.isArray(value)) {
      lines.push(`${indent}${name}:`);
      (value as readonly ResultValue[]).forEach((item, index) => {
        write(`[${index + 1}]`, item, `${indent}  `);
      });
    } else if (typeof value === 'object') {
      lines.push(`${indent}${name}:`);
      for (const [key, inner] of Object.entries(value)) write(key, inner, `${indent}  `);
    } else {
      lines.push(`${indent}${name}: ${String(value)}`);
    }
  };
  for (const [name, value] of Object.entries(result)) write(name, value, '');
  return lines.join('\n');
}

export function formatErrorText(error: ErrorJson): string {
  const argument = error.details?.['argument'];
  return `error ${error.code}: ${error.message}${argument === undefined ? '' : ` (argument: ${String(argument)})`}`;
}
