import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../io.js';
import { createPromptReader, promptLineLengthMax } from './prompt-reader.js';

/**
 * A terminal as node presents one: a readable stream with isTTY and setRawMode. This stands in for
 * node's tty.ReadStream (not a part of Bastion), recording the raw-mode switches.
 */
function fakeTerminal(): { io: CliIo; type: (text: string) => void; echoed: () => string; rawModes: boolean[] } {
  const stdin = new PassThrough() as PassThrough & { isTTY: boolean; setRawMode: (raw: boolean) => void };
  const rawModes: boolean[] = [];
  stdin.isTTY = true;
  stdin.setRawMode = (raw) => {
    rawModes.push(raw);
  };
  let echoed = '';
  const io: CliIo = {
    stdin,
    stdoutStream: new PassThrough(),
    stdout: () => undefined,
    stderr: (text) => {
      echoed += text;
    },
  };
  return { io, type: (text) => stdin.write(text), echoed: () => echoed, rawModes };
}

describe('prompt reader on a terminal', () => {
  it('reads in raw mode, echoes ordinary answers, never echoes secret ones, and restores the terminal', async () => {
    const terminal = fakeTerminal();
    const reader = createPromptReader(terminal.io);
    const name = reader.read('name: ');
    terminal.type('alicx\u007fe\r');
    expect(await name).toBe('alice');
    const secret = reader.read('component: ', { secret: true });
    terminal.type('0123456789ABCDEF');
    terminal.type('FEDCBA9876543210\r\n');
    expect(await secret).toBe('0123456789ABCDEFFEDCBA9876543210');
    expect(terminal.echoed()).toContain('alicx\b \be');
    expect(terminal.echoed()).not.toContain('0123');
    expect(terminal.rawModes).toEqual([true, false, true, false]);
  });

  it('keeps what was typed ahead after Enter for the next answer', async () => {
    const terminal = fakeTerminal();
    const reader = createPromptReader(terminal.io);
    const first = reader.read('a: ');
    terminal.type('one\rtwo\r');
    expect(await first).toBe('one');
    expect(await reader.read('b: ')).toBe('two');
  });

  it('Ctrl-C cancels with HSM_ERR_CEREMONY; an over-long answer is refused', async () => {
    const terminal = fakeTerminal();
    const reader = createPromptReader(terminal.io);
    const cancelled = reader.read('component: ', { secret: true });
    terminal.type('0123\u0003');
    await expect(cancelled).rejects.toMatchObject({ code: 'HSM_ERR_CEREMONY' });
    const long = reader.read('name: ');
    terminal.type('x'.repeat(promptLineLengthMax + 1));
    await expect(long).rejects.toMatchObject({ code: 'HSM_ERR_CEREMONY' });
    expect(terminal.rawModes.at(-1)).toBe(false);
  });
});

describe('prompt reader on a pipe', () => {
  it('reads lines (LF or CRLF) across chunk boundaries without printing them, and a last line without a newline', async () => {
    let printed = '';
    const io: CliIo = {
      stdin: Readable.from([Buffer.from('ali'), Buffer.from('ce\r\nsecret-'), Buffer.from('value\nlast')]),
      stdoutStream: new PassThrough(),
      stdout: () => undefined,
      stderr: (text) => {
        printed += text;
      },
    };
    const reader = createPromptReader(io);
    expect(await reader.read('name: ')).toBe('alice');
    expect(await reader.read('component: ', { secret: true })).toBe('secret-value');
    expect(await reader.read('more: ')).toBe('last');
    await expect(reader.read('again: ')).rejects.toMatchObject({ code: 'HSM_ERR_CEREMONY' });
    expect(printed).not.toContain('secret');
    expect(printed).not.toContain('alice');
  });

  it('refuses a line longer than the bound', async () => {
    const io: CliIo = { stdin: Readable.from([Buffer.from('y'.repeat(promptLineLengthMax + 10))]), stdoutStream: new PassThrough(), stdout: () => undefined, stderr: () => undefined };
    await expect(createPromptReader(io).read('x: ')).rejects.toMatchObject({ code: 'HSM_ERR_CEREMONY' });
  });
});
