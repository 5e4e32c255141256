import type { Readable } from 'node:stream';
import { BastionError } from '../../../lib/errors/index.js';
import type { CliIo } from '../io.js';

/**
 * Reads the answers of an interactive ceremony one line at a time from the CLI's stdin. Prompts
 * go to stderr. On a terminal, stdin is put in raw mode for each answer, so that nothing reaches
 * the screen that the reader does not echo itself — and secret answers (components,
 * passphrases) are not echoed at all. From a pipe or file (scripts, tests) lines are read as they
 * come and never printed.
 */
export const promptLineLengthMax = 1024;

export interface PromptReader {
  /** The next answer, without its line ending. `secret` answers are never echoed. */
  read(prompt: string, options?: { readonly secret?: boolean }): Promise<string>;
}

type MaybeTty = Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };

export function createPromptReader(io: CliIo): PromptReader {
  const stdin = io.stdin as MaybeTty;
  return stdin.isTTY === true && typeof stdin.setRawMode === 'function' ? new TtyPromptReader(stdin, io) : new LinePromptReader(stdin, io);
}

function inputEnded(): BastionError {
  return new BastionError('HSM_ERR_CEREMONY', 'the input ended before the ceremony was complete; nothing was saved');
}

function lineTooLong(): BastionError {
  return new BastionError('HSM_ERR_CEREMONY', `an answer is longer than ${promptLineLengthMax} characters; nothing was saved`);
}

class LinePromptReader implements PromptReader {
  private buffered = '';
  private ended = false;
  private readonly chunks: AsyncIterator<unknown>;

  constructor(
    stdin: Readable,
    private readonly io: CliIo,
  ) {
    this.chunks = stdin[Symbol.asyncIterator]();
  }

  async read(prompt: string): Promise<string> {
    this.io.stderr(prompt);
    for (;;) {
      const newline = this.buffered.indexOf('\n');
      if (newline >= 0) {
        const line = this.buffered.slice(0, newline).replace(/\r$/, '');
        this.buffered = this.buffered.slice(newline + 1);
        if (line.length > promptLineLengthMax) throw lineTooLong();
        this.io.stderr('\n');
        return line;
      }
      if (this.buffered.length > promptLineLengthMax) throw lineTooLong();
      if (this.ended) {
        if (this.buffered === '') throw inputEnded();
        const line = this.buffered;
        this.buffered = '';
        this.io.stderr('\n');
        return line;
      }
      const next = await this.chunks.next();
      if (next.done === true) this.ended = true;
      else this.buffered += Buffer.isBuffer(next.value) ? next.value.toString('utf8') : String(next.value);
    }
  }
}

const enter = new Set(['\r', '\n']);
const cancel = new Set(['\u0003', '\u0004']); // Ctrl-C, Ctrl-D: raw mode delivers them as characters
const erase = new Set(['\u007f', '\b']);

class TtyPromptReader implements PromptReader {
  /** Characters typed (or pasted) after the Enter that ended the previous answer. */
  private pending = '';

  constructor(
    private readonly stdin: MaybeTty,
    private readonly io: CliIo,
  ) {}

  read(prompt: string, options: { readonly secret?: boolean } = {}): Promise<string> {
    const secret = options.secret === true;
    const { stdin, io } = this;
    io.stderr(prompt);
    return new Promise<string>((resolve, reject) => {
      let line = '';
      const finish = (): void => {
        stdin.off('data', onData);
        stdin.setRawMode?.(false);
        stdin.pause();
        io.stderr('\n');
      };
      /** Takes characters until the answer is complete; returns false once it is (or failed). */
      const take = (text: string): boolean => {
        const chars = Array.from(text);
        for (let index = 0; index < chars.length; index++) {
          const char = chars[index] as string;
          if (enter.has(char)) {
            // A CR LF pair is one Enter.
            const rest = chars.slice(index + 1).join('');
            this.pending = char === '\r' && rest.startsWith('\n') ? rest.slice(1) : rest;
            finish();
            resolve(line);
            return false;
          }
          if (cancel.has(char)) {
            this.pending = '';
            finish();
            reject(new BastionError('HSM_ERR_CEREMONY', 'the ceremony was cancelled; nothing was saved'));
            return false;
          }
          if (erase.has(char)) {
            if (line.length > 0) {
              line = line.slice(0, -1);
              if (!secret) io.stderr('\b \b');
            }
            continue;
          }
          if (char < ' ') continue;
          if (line.length >= promptLineLengthMax) {
            this.pending = '';
            finish();
            reject(lineTooLong());
            return false;
          }
          line += char;
          if (!secret) io.stderr(char);
        }
        return true;
      };
      const onData = (chunk: Buffer | string): void => {
        take(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
      };
      stdin.setRawMode?.(true);
      stdin.on('data', onData);
      const pending = this.pending;
      this.pending = '';
      if (take(pending)) stdin.resume();
    });
  }
}
