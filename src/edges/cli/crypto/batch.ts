import type { Readable, Writable } from 'node:stream';
import { BastionError } from '../../../lib/errors/index.js';
import { outcomeOf, type OpOutcome } from './output.js';
import { runOp } from './run-op.js';

/** A request line longer than this is refused without being parsed (bounded memory per line). */
export const batchLineBytesMax = 1024 * 1024;

function parseRequest(line: string): { op: string; args: Record<string, unknown> } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new BastionError('CLI_ERR_JSON', 'the request line is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BastionError('CLI_ERR_JSON', 'a request must be a JSON object {"op": ..., "args": {...}}');
  }
  const { op, args } = value as { op?: unknown; args?: unknown };
  if (typeof op !== 'string') throw new BastionError('CLI_ERR_JSON', 'the request has no string "op"', { argument: 'op' });
  if (args !== undefined && (typeof args !== 'object' || args === null || Array.isArray(args))) {
    throw new BastionError('CLI_ERR_JSON', '"args" must be a JSON object', { argument: 'args' });
  }
  return { op, args: (args ?? {}) as Record<string, unknown> };
}

export function runBatchLine(line: string | typeof oversizeLine): OpOutcome {
  return outcomeOf(() => {
    if (line === oversizeLine) {
      throw new BastionError('CLI_ERR_INPUT_TOO_LARGE', `a request line may be at most ${batchLineBytesMax} bytes`);
    }
    const request = parseRequest(line);
    return runOp(request.op, request.args);
  });
}

/** Marks a line that was longer than the maximum: its bytes were dropped as they arrived. */
export const oversizeLine = Symbol('oversize line');

/**
 * Splits a byte stream into lines without ever holding more than `batchLineBytesMax` bytes of
 * one line: an over-long line is discarded as it streams in and reported as `oversizeLine`.
 */
export async function* boundedLines(input: AsyncIterable<Buffer | string>): AsyncGenerator<string | typeof oversizeLine> {
  let parts: Buffer[] = [];
  let size = 0;
  let oversize = false;
  const finish = (): string | typeof oversizeLine => {
    const line = oversize ? oversizeLine : Buffer.concat(parts).toString('utf8').replace(/\r$/, '');
    parts = [];
    size = 0;
    oversize = false;
    return line;
  };
  for await (const chunk of input) {
    let data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    for (let newline = data.indexOf(10); newline !== -1; newline = data.indexOf(10)) {
      if (!oversize && size + newline <= batchLineBytesMax) parts.push(data.subarray(0, newline));
      else oversize = true;
      yield finish();
      data = data.subarray(newline + 1);
    }
    if (data.length > 0 && !oversize) {
      if (size + data.length > batchLineBytesMax) {
        oversize = true;
        parts = [];
      } else {
        parts.push(Buffer.from(data));
        size += data.length;
      }
    }
  }
  if (size > 0 || oversize) yield finish();
}

/**
 * Reads one JSON request per line and writes one JSON outcome per line, in order. Blank lines
 * are skipped. A failing line never stops the batch. Returns how many requests failed.
 */
export async function runBatch(input: Readable, output: Writable): Promise<{ requests: number; failed: number }> {
  let requests = 0;
  let failed = 0;
  for await (const line of boundedLines(input as AsyncIterable<Buffer | string>)) {
    if (line !== oversizeLine && line.trim() === '') continue;
    requests++;
    const outcome = runBatchLine(line);
    if (!outcome.ok) failed++;
    if (!output.write(`${JSON.stringify(outcome)}\n`)) {
      await new Promise<void>((resolve) => output.once('drain', () => { resolve(); }));
    }
  }
  return { requests, failed };
}
