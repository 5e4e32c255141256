import type { Readable, Writable } from 'node:stream';

/** The streams a CLI run talks through; tests pass their own. */
export interface CliIo {
  readonly stdin: Readable;
  readonly stdoutStream: Writable;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

export const processIo: CliIo = {
  stdin: process.stdin,
  stdoutStream: process.stdout,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};
