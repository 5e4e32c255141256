import { PassThrough, Readable } from 'node:stream';
import type { CliIo } from './io.js';

/** An in-memory CliIo for tests: feed stdin lines, read back what the CLI printed. */
export function memoryIo(stdinText = ''): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const stdoutStream = new PassThrough();
  stdoutStream.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
  });
  return {
    stdin: Readable.from([Buffer.from(stdinText)]),
    stdoutStream,
    stdout: (text) => {
      out += text;
    },
    stderr: (text) => {
      err += text;
    },
    out: () => out,
    err: () => err,
  };
}
